/**
 * 59-FZ Art. 11 part 3: an appeal containing «нецензурные либо оскорбительные выражения, угрозы
 * жизни, здоровью и имуществу должностного лица, а также членов его семьи» may be left
 * unanswered. Before an author opens an appeal for signatures we warn them about such passages,
 * and so before a problem or a comment is published (the problem is what the appeal is about, and
 * everything here is public): it lives here, in the lowest module that publishes text.
 * This is a warning for the author, not moderation: it favours precision (a false alarm on an
 * honest complaint about a road is worse than a missed rude word, which a human still sees).
 *
 * How it works. The text is split into tokens, runs of Unicode letters (plus combining marks,
 * soft hyphens, zero-width characters and the digits 0, 3 and 6, which stand in for о, з and б).
 * Each token is normalised: lower case, ё → е, combining marks and invisible characters dropped,
 * and, when the token holds no other Latin letters, Latin look-alikes mapped to Cyrillic
 * (a c e h k m n o p t u x y → а с е н к м п о р т и х у, 0 3 6 → о з б). Matching also runs on the
 * token with repeated letters collapsed («бляяядь»). A finding is always a whole token (or a run
 * of tokens), reported with its offsets in the original string.
 *
 * Obscene language: the roots of «мат» with position rules, so the root must start the word or
 * follow only prefixes (за-, на-, вы-, по-, от-, у-, съ-, долбо- …): «заебал» but not «хлебать»,
 * «учебник», «поребрик»; «блядь», «бля» and «выблядок» but not «оскорблять» or «корабля»;
 * «мудак» but not «мудрый»; «манда», «сука» only as whole words (not «мандат», «сукно»). Letters
 * spaced out one by one («х у й», «б.л.я.д.ь») are joined and matched as a word.
 *
 * Threats: only clear first-person threats and a few set phrases.
 * - First-person future forms of killing and maiming verbs (убью, убьём, пристрелю, зарежу,
 *   задушу, покалечу …) are findings on their own, except «убью время/вечер», «себя», «не убью».
 * - Verbs with an everyday meaning need a target nearby in the same sentence: a person (вас,
 *   тебя, всех, мэра, детей …) for замочу, повешу, закопаю, прибью …; a body part for сломаю
 *   ноги, оторву голову, проломлю череп; a person or property (ваш дом, машину, офис,
 *   администрацию, not «свой дом») for сожгу, спалю, подожгу, взорву.
 * - Set phrases: «вам/тебе не жить», «(мы) знаем, где живут ваши дети / где ты живёшь»,
 *   «пожалеете, что родились», «пожалеете, если…» joined to a violent verb of the same sentence,
 *   «кровью умоетесь», «ты/вы (уже) труп», «живым не уйдёшь», «пустим красного петуха»,
 *   «ходи и оглядывайся».
 * - Not a threat: a quotation («…», „…“, "…") or a sentence reporting someone else's words
 *   (угрожал, кричал, пообещал, сказал …), which is how citizens describe threats they received.
 *
 * Limits, on purpose or not yet done:
 * - Veiled threats without these words («с вашими детьми может что-то случиться», «вам это
 *   даром не пройдёт», «мы до вас доберёмся»), threats in the third person or the past
 *   («его надо убить», «я бы убил») and wishes («чтоб вы сдохли») are not caught: these read the
 *   same as rhetorical complaints («если бы с вашими детьми такое случилось») or escalation
 *   («доберёмся до прокуратуры»).
 * - Insults that are not «мат» (дебил, мразь, ублюдок, тварь) are not checked: most of them have
 *   everyday uses (тварь божья, козёл) and need a human.
 * - Obfuscations not handled: a letter replaced by a symbol («х*й», «бл@дь»), Latin
 *   transliteration (blyad, pizdec, hui), a word split into unequal pieces («пиз дец»), other
 *   scripts' look-alikes (Greek ο, α), and the letter b for ь/в.
 * - An unmatched straight quote makes the rest of the text count as quoted, which hides threats
 *   after it (a warning for the author, so this only costs a missed warning).
 *
 * The scan is linear: one pass to tokenise, and per token a few substring searches bounded by
 * the token's length (prefix checks look at most 16 characters back).
 *
 * The word lists are in problems.language-words.ts; this file has the rules that read them.
 */

import { DomainError, type FieldProblem } from '../../core/errors.ts';
import {
  afterInitialYob,
  bodyTargets,
  bodyVerbs,
  familyNouns,
  killVerbs,
  lookAlikes,
  mandaForms,
  notYob,
  ownPossessives,
  personTargets,
  personVerbs,
  prefixes,
  propertyTargets,
  propertyVerbs,
  reportedSpeech,
  secondPersonLives,
  sukaForms,
  thirdPersonLives,
  timeNouns,
} from './problems.language-words.ts';

/**
 * Refuses text with findings until its author has seen them and publishes anyway (`acknowledged`): a
 * `language_warning` naming each fragment under its field, so the form shows them beside what to rephrase.
 */
export function refuseProhibitedLanguage(fields: Record<string, string>, acknowledged: boolean): void {
  if (acknowledged) return;
  const problems: FieldProblem[] = [];
  for (const [field, text] of Object.entries(fields)) {
    for (const finding of findProhibitedLanguage(text)) {
      problems.push({ field, rule: finding.kind === 'obscene' ? 'obsceneLanguage' : 'threatLanguage', params: { fragment: finding.fragment } });
    }
  }
  if (problems.length > 0) throw new DomainError('language_warning', { count: problems.length }, problems);
}

export interface LanguageFinding {
  kind: 'obscene' | 'threat';
  fragment: string;
  start: number;
  end: number;
}

interface Token {
  start: number;
  end: number;
  raw: string;
  /** Lower case, ё → е, look-alikes mapped, invisible characters dropped. */
  norm: string;
  /** Written in capitals (an abbreviation such as ЕБС, or shouting). */
  upper: boolean;
  /** Capitals without Ё: could be an abbreviation (ЕБС), where «ЁБ» could not. */
  acronymLike: boolean;
  /** Index of the sentence the token is in (., !, ?, …, ; and line breaks end a sentence). */
  sentence: number;
  /** Inside «…», „…“, “…” or "…". */
  quoted: boolean;
  /** The characters between the previous token and this one. */
  gap: string;
}

const tokenPattern = /[\p{L}\p{M}\u00AD\u200B-\u200D\u2060036]+/gu;
const letterPattern = /\p{L}/u;
const sentenceEnd = /[.!?…;\n\r]/;

const invisible = /[\p{M}\u00AD\u200B-\u200D\u2060]/u;

function normalise(raw: string): string {
  const chars: string[] = [];
  for (const char of raw.toLowerCase()) {
    if (char === '\u0306' && chars.at(-1) === 'и')
      chars[chars.length - 1] = 'й'; // и + combining breve
    else if (!invisible.test(char)) chars.push(char === 'ё' || char === 'ë' ? 'е' : char);
  }
  const out = chars.join('');
  // Map look-alikes only when every Latin letter in the token has a Cyrillic twin: «xyй», «cyka»
  // and «пuзда» are obfuscations, «text» or «blyad» are not Russian words written in Cyrillic.
  let latin = false;
  for (const char of out) {
    if (char >= 'a' && char <= 'z') {
      if (!(char in lookAlikes)) return out;
      latin = true;
    }
  }
  const digits = /[036]/.test(out);
  if (!latin && !digits) return out;
  let mapped = '';
  for (const char of out) mapped += lookAlikes[char] ?? char;
  return mapped;
}

function collapseRepeats(word: string): string {
  let out = '';
  let previous = '';
  for (const char of word) {
    if (char !== previous) out += char;
    previous = char;
  }
  return out;
}

function isUpperCase(raw: string): boolean {
  return raw === raw.toUpperCase() && raw !== raw.toLowerCase();
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let sentence = 0;
  let guillemets = 0;
  let lowQuote = false;
  let curlyQuote = false;
  let straightQuote = false;
  let previousEnd = 0;
  for (const match of text.matchAll(tokenPattern)) {
    const raw = match[0];
    const start = match.index;
    if (!letterPattern.test(raw)) continue;
    const gap = text.slice(previousEnd, start);
    for (const char of gap) {
      if (char === '«') guillemets++;
      else if (char === '»') guillemets = Math.max(0, guillemets - 1);
      else if (char === '„') lowQuote = true;
      else if (char === '“') {
        if (lowQuote) lowQuote = false;
        else curlyQuote = true;
      } else if (char === '”') curlyQuote = false;
      else if (char === '"') straightQuote = !straightQuote;
      else if (sentenceEnd.test(char)) sentence++;
    }
    tokens.push({
      start,
      end: start + raw.length,
      raw,
      norm: normalise(raw),
      upper: isUpperCase(raw),
      acronymLike: isUpperCase(raw) && !raw.includes('Ё'),
      sentence,
      quoted: guillemets > 0 || lowQuote || curlyQuote || straightQuote,
      gap,
    });
    previousEnd = start + raw.length;
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Obscene language

/** Whether the letters of `word` before `index` (where a root starts) are none or one to three prefixes in a row. */
function isPrefixChain(word: string, index: number): boolean {
  if (index === 0) return true;
  if (index > 16) return false;
  const head = word.slice(0, index);
  // parts[k]: the fewest prefixes that head.slice(0, k) splits into (Infinity: it does not).
  const parts: number[] = new Array(head.length + 1).fill(Number.POSITIVE_INFINITY);
  parts[0] = 0;
  for (let i = 0; i < head.length; i++) {
    if (parts[i]! >= 3) continue;
    for (let j = i + 1; j <= Math.min(head.length, i + 5); j++) {
      if (prefixes.has(head.slice(i, j))) parts[j] = Math.min(parts[j]!, parts[i]! + 1);
    }
  }
  return parts[head.length]! <= 3;
}

function* occurrences(word: string, root: string): Generator<number> {
  for (let index = word.indexOf(root); index !== -1; index = word.indexOf(root, index + 1)) yield index;
}

const afterMud = /ак|ач|ил|ищ|[ао]звон|[ао]х/y;
const afterPid = /ор|ар|р/y;

/** A sticky regular expression tested at one position, without copying the rest of the word. */
function matchesAt(pattern: RegExp, word: string, index: number): boolean {
  pattern.lastIndex = index;
  return pattern.test(word);
}

function isObsceneWord(word: string, acronymLike: boolean): boolean {
  if (word.includes('пизд') || word.includes('пизж')) return true;
  for (const i of occurrences(word, 'ху')) {
    // хуй, хуе(вый), хуя(рить), хую, хуи(ло) — «страхуй», «застрахуем» fail the prefix rule.
    if ('йеяюи'.includes(word[i + 2] ?? '-') && isPrefixChain(word, i)) return true;
  }
  for (const i of occurrences(word, 'еб')) {
    if (i === 0) {
      // Short words in capitals are abbreviations: ЕБС (Единая биометрическая система).
      if (acronymLike && word.length <= 3) continue;
      if (notYob.some((stem) => word.startsWith(stem))) continue;
      const next = word[2];
      if (next === undefined || afterInitialYob.has(next)) return true;
    } else if (isPrefixChain(word, i)) {
      // заебал, наебать, уебок, выебон, съебаться, долбоеб — but not небо (н-), себе (с-),
      // хлебать (хл-), учебник (уч-), поребрик (пор-), вебинар (в-).
      return true;
    }
  }
  for (const i of occurrences(word, 'бля')) {
    if (!isPrefixChain(word, i)) continue; // корабля, рубля, оскорблять, колебля, сабля
    const next = word[i + 3];
    if (i === 0) {
      if (next === undefined || next === 'д' || next === 'т') return true; // бля, блядь, блять (not бляха, бляшка)
    } else if (next === 'д') return true; // выблядок, поблядушка (not уподоблять, аблятив)
  }
  for (const i of occurrences(word, 'муд')) {
    if (isPrefixChain(word, i) && matchesAt(afterMud, word, i + 3)) return true; // not мудрый, Мудьюга
  }
  for (const i of occurrences(word, 'пид')) {
    if (isPrefixChain(word, i) && matchesAt(afterPid, word, i + 3)) return true; // not спидометр, эпидемия
  }
  for (const i of occurrences(word, 'залуп')) {
    if (isPrefixChain(word, i)) return true;
  }
  return sukaForms.has(word) || mandaForms.has(word) || word.startsWith('мандавош');
}

function isObscene(norm: string, acronymLike: boolean): boolean {
  if (isObsceneWord(norm, acronymLike)) return true;
  const collapsed = collapseRepeats(norm);
  return collapsed !== norm && isObsceneWord(collapsed, acronymLike);
}

const spacedGap = /^[ .*_-]{1,3}$/;
const initialsGap = /^\. +$/;

function findObscene(text: string, tokens: Token[]): LanguageFinding[] {
  const findings: LanguageFinding[] = [];
  const finding = (first: Token, last: Token): LanguageFinding => ({
    kind: 'obscene',
    fragment: text.slice(first.start, last.end),
    start: first.start,
    end: last.end,
  });
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.norm.length === 1) {
      // A run of single letters, «х у й» or «б.л.я.д.ь»: try the longest word at each letter.
      let runEnd = i + 1;
      const limit = Math.min(tokens.length, i + 12);
      while (runEnd < limit && tokens[runEnd]!.norm.length === 1 && spacedGap.test(tokens[runEnd]!.gap)) runEnd++;
      let matchedEnd = -1;
      if (runEnd - i >= 3) {
        for (let last = runEnd - 1; last >= i + 2; last--) {
          const run = tokens.slice(i, last + 1);
          // «А. Б. В.» are initials.
          if (run.every((t) => t.upper) && run.slice(1).every((t) => initialsGap.test(t.gap))) continue;
          if (
            isObscene(
              run.map((t) => t.norm).join(''),
              run.every((t) => t.acronymLike),
            )
          ) {
            matchedEnd = last;
            break;
          }
        }
      }
      if (matchedEnd !== -1) {
        findings.push(finding(token, tokens[matchedEnd]!));
        i = matchedEnd;
      }
      continue;
    }
    if (isObscene(token.norm, token.acronymLike)) findings.push(finding(token, token));
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Threats

interface Span {
  first: number;
  last: number;
}

class ThreatScanner {
  /** Sentences that report someone else's words. */
  private readonly reportingSentences = new Set<number>();

  constructor(private readonly tokens: Token[]) {
    for (const token of tokens) if (reportedSpeech.test(token.norm)) this.reportingSentences.add(token.sentence);
  }

  private at(index: number): Token | undefined {
    return this.tokens[index];
  }

  private norm(index: number): string {
    return this.tokens[index]?.norm ?? '';
  }

  private sameSentence(a: number, b: number): boolean {
    const x = this.tokens[a];
    const y = this.tokens[b];
    return x !== undefined && y !== undefined && x.sentence === y.sentence;
  }

  /** Token indices within `before` tokens before and `after` tokens after `index`, in its sentence. */
  private *around(index: number, before: number, after: number): Generator<number> {
    for (let j = index - before; j <= index + after; j++) if (j !== index && j >= 0 && this.sameSentence(index, j)) yield j;
  }

  private findTarget(index: number, targets: Set<string>): number | undefined {
    for (const j of this.around(index, 3, 4)) {
      if (!targets.has(this.norm(j))) continue;
      if (ownPossessives.has(this.norm(j - 1)) || ownPossessives.has(this.norm(j - 2))) continue;
      return j;
    }
    return undefined;
  }

  /** The span of a first-person violent verb with what it needs around it, or undefined. */
  private violentVerb(i: number): Span | undefined {
    const word = this.norm(i);
    if (this.norm(i - 1) === 'не' && this.sameSentence(i - 1, i)) return undefined;
    if (killVerbs.has(word)) {
      if (timeNouns.has(this.norm(i + 1))) return undefined;
      for (const j of this.around(i, 2, 2)) if (this.norm(j) === 'себя') return undefined;
      return { first: i, last: i };
    }
    let target: number | undefined;
    if (personVerbs.has(word)) target = this.findTarget(i, personTargets);
    else if (bodyVerbs.has(word)) {
      target = this.findTarget(i, personTargets) ?? this.findTarget(i, bodyTargets);
      // «Сломаю голову» is puzzling over something.
      if (target !== undefined && word.startsWith('слом') && this.norm(target) === 'голову') target = undefined;
    } else if (propertyVerbs.has(word)) target = this.findTarget(i, personTargets) ?? this.findTarget(i, propertyTargets);
    else return undefined;
    return target === undefined ? undefined : { first: Math.min(i, target), last: Math.max(i, target) };
  }

  private setPhrase(i: number): Span | undefined {
    const word = this.norm(i);
    const next = this.norm(i + 1);
    // вам не жить, тебе не жить, вам всем не жить, не жить вам
    if (word === 'не' && next === 'жить' && this.sameSentence(i, i + 1)) {
      for (let j = i - 1; j >= i - 2; j--) {
        if (!this.sameSentence(i, j)) break;
        if (this.norm(j) === 'вам' || this.norm(j) === 'тебе') return { first: j, last: i + 1 };
      }
      const after = this.norm(i + 2);
      if ((after === 'вам' || after === 'тебе') && this.sameSentence(i, i + 2)) return { first: i, last: i + 2 };
    }
    // (мы) знаем, где живут ваши дети; я знаю, где ты живёшь
    if ((word === 'знаю' || word === 'знаем') && this.norm(i - 1) !== 'не') {
      for (let g = i + 1; g <= i + 2; g++) {
        if (this.norm(g) !== 'где' || !this.sameSentence(i, g)) continue;
        for (let v = g + 1; v <= g + 5 && this.sameSentence(i, v); v++) {
          if (secondPersonLives.has(this.norm(v))) return { first: i, last: v };
          if (!thirdPersonLives.has(this.norm(v))) continue;
          for (let p = g + 1; p <= v + 3 && this.sameSentence(i, p); p++) {
            const possessive = this.norm(p);
            if ((possessive.startsWith('ваш') || possessive.startsWith('тво')) && familyNouns.has(this.norm(p + 1))) {
              return { first: i, last: Math.max(v, p + 1) };
            }
          }
        }
      }
    }
    // пожалеете, что родились; пожалеете, если … (a first-person violent verb: убью, сожгу ваш дом).
    // Not «пожалеете» with bloodshed in general: «пожалеете, когда здесь прольётся кровь» is how
    // citizens warn about a dangerous crossing.
    if (word === 'пожалеете' || word === 'пожалеешь') {
      for (let j = i + 1; j <= i + 4 && this.sameSentence(i, j); j++) {
        if (/^родил/.test(this.norm(j)) || (this.norm(j) === 'на' && this.norm(j + 1) === 'свет')) return { first: i, last: j };
      }
      for (const j of this.around(i, 12, 12)) {
        const violence = this.violentVerb(j);
        if (violence) return { first: Math.min(i, violence.first), last: Math.max(i, violence.last) };
      }
    }
    // кровью умоетесь / умоетесь кровью
    if (word === 'кровью' && /^умоет|^умоеш/.test(next) && this.sameSentence(i, i + 1)) return { first: i, last: i + 1 };
    if (/^умоет|^умоеш/.test(word) && next === 'кровью' && this.sameSentence(i, i + 1)) return { first: i, last: i + 1 };
    // ты труп, вы уже трупы, ты не жилец
    if (word === 'ты' || word === 'вы') {
      let j = i + 1;
      if (this.norm(j) === 'уже') j++;
      if (this.sameSentence(i, j) && /^(?:труп|трупы|покойник|покойники)$/.test(this.norm(j))) return { first: i, last: j };
      if (this.norm(j) === 'не' && /^жил(?:ец|ьцы)$/.test(this.norm(j + 1)) && this.sameSentence(i, j + 1)) return { first: i, last: j + 1 };
    }
    // живым не уйдёшь
    if (/^живы(?:м|ми)$|^живой$/.test(word) && next === 'не' && /^(?:уйдешь|уйдете|выйдешь|выйдете)$/.test(this.norm(i + 2)) && this.sameSentence(i, i + 2)) {
      return { first: i, last: i + 2 };
    }
    // пустим красного петуха
    if (word === 'красного' && next === 'петуха') {
      for (let j = i - 1; j >= i - 2; j--) {
        if (/^(?:пущу|пустим|подпущу|подпустим)$/.test(this.norm(j)) && this.sameSentence(i, j)) return { first: j, last: i + 1 };
      }
    }
    // ходи и оглядывайся
    if (/^оглядывай(?:ся|тесь)$/.test(word)) {
      for (let j = i - 1; j >= i - 2; j--) {
        if (/^ходи(?:те)?$/.test(this.norm(j)) && this.sameSentence(i, j)) return { first: j, last: i };
      }
    }
    return undefined;
  }

  private reported(span: Span): boolean {
    const first = this.at(span.first)!;
    return first.quoted || this.at(span.last)!.quoted || this.reportingSentences.has(first.sentence);
  }

  scan(text: string): LanguageFinding[] {
    const findings: LanguageFinding[] = [];
    let coveredUntil = -1;
    for (let i = 0; i < this.tokens.length; i++) {
      const span = this.setPhrase(i) ?? this.violentVerb(i);
      if (!span || this.reported(span)) continue;
      const start = this.tokens[span.first]!.start;
      const end = this.tokens[span.last]!.end;
      const previous = findings.at(-1);
      if (previous && start < coveredUntil) {
        // Overlapping matches (пожалеете … убью, and убью itself) become one finding.
        previous.start = Math.min(previous.start, start);
        previous.end = Math.max(previous.end, end);
        previous.fragment = text.slice(previous.start, previous.end);
      } else {
        findings.push({ kind: 'threat', fragment: text.slice(start, end), start, end });
      }
      coveredUntil = Math.max(coveredUntil, end);
    }
    return findings;
  }
}

/**
 * Passages that may let the addressee leave the appeal unanswered under 59-FZ Art. 11 part 3:
 * obscene language and threats to an official's life, health or property (see the module
 * comment for what is and is not recognised). Findings are sorted by position; `fragment` is
 * `text.slice(start, end)`.
 */
export function findProhibitedLanguage(text: string): LanguageFinding[] {
  const tokens = tokenize(text);
  const findings = [...findObscene(text, tokens), ...new ThreatScanner(tokens).scan(text)];
  return findings.sort((a, b) => a.start - b.start || a.end - b.end);
}
