/**
 * The collective appeal as a PDF letter to the addressee (ГОСТ Р 7.0.97-2016 style, A4): addressee at the top right,
 * date and number at the left, the frozen text, the 59-ФЗ closing paragraph and, as an annex, the numbered list of
 * signatories with the table header repeated on every page. Every page footer carries the revision, the SHA-256 of the
 * text and the public page where anyone can check it.
 *
 * Rendered by pdfmake 0.3 with embedded TrueType fonts: PT Serif (Paratype, made for Cyrillic), and DejaVu Serif only for
 * the characters PT Serif does not have (arrows, thin spaces, rarer scripts), so that nothing a citizen typed silently
 * disappears. The font files are read once per process into pdfmake's virtual file system.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import pdfmake, { type Content, type TableCell } from 'pdfmake';

export interface AppealSignatory {
  fullName: string;
  postalAddress: string;
  signedAt: Date;
}

export interface AppealPdfInput {
  /** Shown as the appeal number, e.g. «№ 17». */
  appealId: number;
  addressee: { name: string; postalAddress: string | null; email: string | null };
  /** Date of the letter; printed in Moscow time. */
  date: Date;
  /** Subject of the appeal. */
  title: string;
  /** The frozen appeal text: plain text, paragraphs separated by blank lines. */
  text: string;
  revisionNumber: number;
  /** Hex SHA-256 of `text` (UTF-8). Checked against `text`: the PDF must never claim a hash of another text. */
  textSha256: string;
  /** Public page of the problem. */
  problemUrl: string;
  /** Public page of the appeal, where anyone can check the text by its hash. */
  appealUrl: string;
  /** In signing order. */
  signatories: AppealSignatory[];
}

/** @types/pdfmake re-exports only some of its types from the package root. */
type TDocumentDefinitions = Parameters<typeof pdfmake.createPdf>[0];

/** A4 page geometry, in points. */
const mm = (value: number) => (value * 72) / 25.4;
const MARGIN_LEFT = mm(30);
const MARGIN = mm(20);
const CONTENT_WIDTH = mm(210) - MARGIN_LEFT - MARGIN;
/** First-line indent of a paragraph. */
const INDENT = mm(12.5);

// ---------------------------------------------------------------------------------------------------------------------
// Fonts

const PRIMARY = 'DemocratorPTSerif';
const FALLBACK = 'DemocratorDejaVuSerif';

const requireHere = createRequire(import.meta.url);
const fontFiles = {
  [PRIMARY]: {
    normal: '@expo-google-fonts/pt-serif/400Regular/PTSerif_400Regular.ttf',
    bold: '@expo-google-fonts/pt-serif/700Bold/PTSerif_700Bold.ttf',
    italics: '@expo-google-fonts/pt-serif/400Regular_Italic/PTSerif_400Regular_Italic.ttf',
    bolditalics: '@expo-google-fonts/pt-serif/700Bold_Italic/PTSerif_700Bold_Italic.ttf',
  },
  [FALLBACK]: {
    normal: 'dejavu-fonts-ttf/ttf/DejaVuSerif.ttf',
    bold: 'dejavu-fonts-ttf/ttf/DejaVuSerif-Bold.ttf',
    italics: 'dejavu-fonts-ttf/ttf/DejaVuSerif-Italic.ttf',
    bolditalics: 'dejavu-fonts-ttf/ttf/DejaVuSerif-BoldItalic.ttf',
  },
} as const;
type Face = keyof (typeof fontFiles)[typeof PRIMARY];
const faces: Face[] = ['normal', 'bold', 'italics', 'bolditalics'];

/** pdfmake's server build keeps an in-memory file system that font names are looked up in before the disk. */
interface VirtualFileSystem {
  writeFileSync(name: string, content: Buffer): void;
}

interface Coverage {
  /** Code points every PT Serif face can draw. */
  primary: Set<number>;
  /** Code points every DejaVu Serif face can draw. */
  fallback: Set<number>;
}

let fontsReady: Promise<{ coverage: Coverage; families: Record<string, Record<Face, string>> }> | null = null;

/** Reads the fonts once per process and registers them with pdfmake (again, should another module have replaced them). */
async function loadFonts(): Promise<Coverage> {
  fontsReady ??= (async () => {
    const vfs = (pdfmake as unknown as { virtualfs: VirtualFileSystem }).virtualfs;
    const coverage: Partial<Record<keyof typeof fontFiles, Set<number>>> = {};
    const families: Record<string, Record<Face, string>> = {};
    for (const family of [PRIMARY, FALLBACK] as const) {
      const names = {} as Record<Face, string>;
      for (const face of faces) {
        const data = await readFile(requireHere.resolve(fontFiles[family][face]));
        const name = `democrator-fonts/${family}-${face}.ttf`;
        vfs.writeFileSync(name, data);
        names[face] = name;
        const covered = cmapCoverage(data);
        const previous = coverage[family];
        coverage[family] = previous ? new Set([...previous].filter((c) => covered.has(c))) : covered;
      }
      families[family] = names;
    }
    // We need no external resources: without a policy pdfmake would warn on every document, and a policy that allows
    // nothing is the safe default. A policy another module set is left alone.
    const policies = pdfmake as unknown as { urlAccessPolicy?: unknown; localAccessPolicy?: unknown };
    if (policies.urlAccessPolicy === undefined) pdfmake.setUrlAccessPolicy(() => false);
    if (policies.localAccessPolicy === undefined) pdfmake.setLocalAccessPolicy(() => false);
    return { coverage: { primary: coverage[PRIMARY]!, fallback: coverage[FALLBACK]! }, families };
  })();
  fontsReady.catch(() => {
    fontsReady = null;
  });
  const { coverage, families } = await fontsReady;
  // pdfmake is one shared instance: setFonts() elsewhere would drop our families.
  if (!pdfmake.fonts?.[PRIMARY] || !pdfmake.fonts[FALLBACK]) pdfmake.addFonts(families);
  return coverage;
}

/** The code points a TrueType font maps to a glyph (cmap subtable format 12, else format 4). */
function cmapCoverage(font: Buffer): Set<number> {
  const covered = new Set<number>();
  const numTables = font.readUInt16BE(4);
  let cmap = -1;
  for (let i = 0; i < numTables; i++) {
    const record = 12 + i * 16;
    if (font.toString('latin1', record, record + 4) === 'cmap') cmap = font.readUInt32BE(record + 8);
  }
  if (cmap < 0) return covered;
  const subtables: { platform: number; encoding: number; offset: number }[] = [];
  const count = font.readUInt16BE(cmap + 2);
  for (let i = 0; i < count; i++) {
    const record = cmap + 4 + i * 8;
    subtables.push({ platform: font.readUInt16BE(record), encoding: font.readUInt16BE(record + 2), offset: cmap + font.readUInt32BE(record + 4) });
  }
  const unicode = (s: { platform: number; encoding: number }) => s.platform === 0 || (s.platform === 3 && (s.encoding === 1 || s.encoding === 10));
  const full = subtables.find((s) => unicode(s) && font.readUInt16BE(s.offset) === 12);
  if (full) {
    const groups = font.readUInt32BE(full.offset + 12);
    for (let g = 0; g < groups; g++) {
      const at = full.offset + 16 + g * 12;
      const start = font.readUInt32BE(at);
      const end = font.readUInt32BE(at + 4);
      const glyph = font.readUInt32BE(at + 8);
      for (let c = start; c <= end; c++) if (glyph + (c - start) !== 0) covered.add(c);
    }
    return covered;
  }
  const bmp = subtables.find((s) => unicode(s) && font.readUInt16BE(s.offset) === 4);
  if (!bmp) return covered;
  const segments = font.readUInt16BE(bmp.offset + 6) / 2;
  const ends = bmp.offset + 14;
  const starts = ends + segments * 2 + 2;
  const deltas = starts + segments * 2;
  const rangeOffsets = deltas + segments * 2;
  for (let s = 0; s < segments; s++) {
    const end = font.readUInt16BE(ends + s * 2);
    const start = font.readUInt16BE(starts + s * 2);
    const delta = font.readUInt16BE(deltas + s * 2);
    const rangeOffsetAt = rangeOffsets + s * 2;
    const rangeOffset = font.readUInt16BE(rangeOffsetAt);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (rangeOffset === 0) glyph = (c + delta) & 0xffff;
      else {
        const raw = font.readUInt16BE(rangeOffsetAt + rangeOffset + (c - start) * 2);
        glyph = raw === 0 ? 0 : (raw + delta) & 0xffff;
      }
      if (glyph !== 0) covered.add(c);
    }
  }
  return covered;
}

// ---------------------------------------------------------------------------------------------------------------------
// Text helpers

interface InlineStyle {
  link?: string;
  noWrap?: boolean;
}
type Inline = InlineStyle & { text: string; font?: string };

/**
 * Line breaks normalised to \n, tabs to spaces; other control and invisible format characters (soft hyphens, zero-width
 * spaces, byte order marks) dropped: they have no place in a printed letter, and a soft hyphen would print as a hyphen.
 */
function clean(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .replace(/[^\n\P{Cc}]|\p{Cf}/gu, '');
}

/** Text as pdfmake inlines: runs of characters PT Serif lacks (but DejaVu Serif has) are set in DejaVu Serif. */
function inlines(text: string, coverage: Coverage, extra: InlineStyle = {}): Inline[] {
  const runs: Inline[] = [];
  let run = '';
  let runFallback = false;
  const push = () => {
    if (run !== '') runs.push({ text: run, ...extra, ...(runFallback ? { font: FALLBACK } : {}) });
    run = '';
  };
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const fallback = code > 0x20 && !coverage.primary.has(code) && coverage.fallback.has(code);
    if (fallback !== runFallback) {
      push();
      runFallback = fallback;
    }
    run += char;
  }
  push();
  return runs;
}

/** Cleaned text for a pdfmake `text`: the plain string when PT Serif has every character (cheaper for pdfmake), else runs. */
function textOf(text: string, coverage: Coverage): string | Inline[] {
  const cleaned = clean(text);
  for (const char of cleaned) {
    const code = char.codePointAt(0)!;
    if (code > 0x20 && !coverage.primary.has(code)) return inlines(cleaned, coverage);
  }
  return cleaned;
}

const moscowDate = new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow', day: 'numeric', month: 'long', year: 'numeric' });
const moscowShortDate = new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow', day: '2-digit', month: '2-digit', year: 'numeric' });
const plural = new Intl.PluralRules('ru-RU');

/** «27 ноября 2026 г.» in Moscow time. */
export function formatLetterDate(date: Date): string {
  return moscowDate.format(date).replace(/\s/g, ' ');
}

/** «1 человек», «2 человека», «5 человек», «21 человек», «22 человека». */
export function peopleCount(count: number): string {
  return `${count} ${plural.select(count) === 'few' ? 'человека' : 'человек'}`;
}

/** Paragraphs separated by blank lines; line breaks inside a paragraph are kept, surrounding blanks trimmed. */
function paragraphs(text: string): string[] {
  return clean(text)
    .split(/\n[ \u00a0]*\n/)
    .map((p) =>
      p
        .split('\n')
        .map((line) => line.trimEnd())
        .join('\n')
        .replace(/^\s+|\s+$/g, ''),
    )
    .filter((p) => p !== '');
}

/**
 * Words no longer than this are kept whole: even in the widest capitals at 12 pt they fit a line with its indent.
 * Longer ones (URLs, run-together words) may break inside, at a slash or a hyphen, or anywhere if they must.
 */
const LONG_WORD = 30;

/**
 * A justified paragraph. pdfmake spreads a justified line's slack evenly over all its inline pieces, and it cuts text
 * into pieces at every break opportunity, after hyphens and slashes too («59- ФЗ»). So each space-separated word goes
 * in as one unbreakable piece, and the slack lands only between words. A paragraph with a word too long to keep whole
 * is set flush left instead, so that the pieces of a URL are not pulled apart.
 */
function justifiedParagraph(paragraph: string, coverage: Coverage, spaceBefore = 0): Content {
  const items: Inline[] = [];
  let long = false;
  const lines = paragraph.split('\n');
  lines.forEach((line, index) => {
    for (const word of line.match(/[^ ]+ */g) ?? []) {
      if (word.trimEnd().length > LONG_WORD) {
        long = true;
        items.push(...inlines(word, coverage));
      } else {
        items.push(...inlines(word, coverage, { noWrap: true }));
      }
    }
    if (index < lines.length - 1) items.push({ text: '\n' });
  });
  const firstWord = paragraph.match(/^[^ \n]*/)![0];
  return {
    text: items,
    alignment: long ? 'left' : 'justify',
    // pdfmake does not count the indent when it has to break a word longer than the line.
    leadingIndent: firstWord.length > LONG_WORD ? 0 : INDENT,
    margin: [0, spaceBefore, 0, 4],
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Layout

/** Renders the appeal letter with its list of signatories. */
export async function renderAppealPdf(input: AppealPdfInput): Promise<Buffer> {
  const hash = createHash('sha256').update(input.text, 'utf8').digest('hex');
  if (hash !== input.textSha256.toLowerCase()) {
    throw new Error(`Appeal ${input.appealId}: textSha256 ${input.textSha256} is not the SHA-256 of its text (${hash})`);
  }
  const coverage = await loadFonts();
  const text = (value: string) => textOf(value, coverage);
  const link = (url: string) => inlines(clean(url), coverage, { link: url });

  const id = input.appealId;
  const letterDate = formatLetterDate(input.date);
  const count = input.signatories.length;
  const { addressee } = input;

  const addresseeBlock: Content[] = [{ text: text(addressee.name) }];
  if (addressee.postalAddress) addresseeBlock.push({ text: text(addressee.postalAddress), margin: [0, 4, 0, 0] });
  if (addressee.email) addresseeBlock.push({ text: text(addressee.email), margin: [0, addressee.postalAddress ? 2 : 4, 0, 0] });

  const reply =
    count > 0
      ? 'Ответ на обращение просим направить каждому из подписавших по почтовому адресу, указанному в прилагаемом списке, ' +
        'либо через платформу Democrator, с которой направлено настоящее обращение.'
      : 'Ответ на обращение просим направить через платформу Democrator, с которой направлено настоящее обращение.';
  const closing = justifiedParagraph(
    `Обращение является коллективным${count > 0 ? ': его подписали граждане, перечисленные в приложении' : ''} (часть\u00a01 статьи\u00a02 ` +
      `Федерального закона от 02.05.2006 №\u00a059-ФЗ «О порядке рассмотрения обращений граждан Российской Федерации»). ${reply}`,
    coverage,
    8,
  );

  const content: Content[] = [
    {
      columns: [
        { width: '*', stack: [{ text: letterDate }, { text: `№ ${id}`, margin: [0, 4, 0, 0] }] },
        { width: mm(80), stack: addresseeBlock },
      ],
      columnGap: mm(10),
    },
    { text: 'Коллективное обращение', style: 'heading', margin: [0, mm(14), 0, 4] },
    { text: text(input.title), style: 'title', margin: [0, 0, 0, 14] },
    ...paragraphs(input.text).map((p) => justifiedParagraph(p, coverage)),
    closing,
    { text: ['Описание проблемы: ', ...link(input.problemUrl)], leadingIndent: INDENT },
  ];

  if (count > 0) {
    content.push(
      { text: `Приложение: список подписавших — ${peopleCount(count)}`, margin: [0, 14, 0, 0] },
      {
        text: `Приложение\nк коллективному обращению\nот ${letterDate} № ${id}`,
        fontSize: 11,
        margin: [mm(95), 0, 0, 14],
        pageBreak: 'before',
      },
      { text: 'Список граждан, подписавших коллективное обращение', style: 'heading', margin: [0, 0, 0, 10] },
      signatoryTable(input.signatories, coverage),
    );
  }

  // The footer is drawn inside the bottom margin, and pdfmake silently drops a footer that does not fit there: a line with
  // the revision and the hash, then the check URL (about 85 characters a line, at worst) beside the page number. An
  // unusually long URL gets a taller margin.
  const footerLines = 1 + Math.ceil(('Проверка: '.length + input.appealUrl.length) / 85);
  const bottomMargin = Math.max(MARGIN, 18 + footerLines * 10.5);

  const definition: TDocumentDefinitions = {
    pageSize: 'A4',
    pageMargins: [MARGIN_LEFT, MARGIN, MARGIN, bottomMargin],
    language: 'ru-RU',
    info: {
      title: `Коллективное обращение № ${id}: ${clean(input.title).replace(/\s+/g, ' ')}`,
      subject: `Коллективное обращение № ${id}, редакция ${input.revisionNumber}, SHA-256 текста ${hash}`,
      author: 'Democrator',
      creator: 'Democrator',
      producer: 'Democrator (pdfmake)',
      creationDate: input.date,
    },
    defaultStyle: { font: PRIMARY, fontSize: 12, lineHeight: 1.15 },
    styles: {
      heading: { fontSize: 13, bold: true, alignment: 'center' },
      title: { fontSize: 12, bold: true, alignment: 'center' },
      tableHeader: { fontSize: 10, bold: true, alignment: 'center' },
    },
    content,
    footer: (currentPage, pageCount, pageSize) => {
      const width = pageSize.width - MARGIN_LEFT - MARGIN;
      return {
        margin: [MARGIN_LEFT, 10, MARGIN, 0],
        fontSize: 7,
        lineHeight: 1.1,
        stack: [
          { canvas: [{ type: 'line', x1: 0, y1: 0, x2: width, y2: 0, lineWidth: 0.5 }] },
          { text: [`Обращение № ${id}, редакция ${input.revisionNumber}. SHA-256 текста: `, { text: hash, noWrap: true }, '.'], margin: [0, 3, 0, 0] },
          {
            // Fixed widths: a star column would widen to fit an unbreakable URL instead of breaking it.
            columns: [
              { width: width - 68, text: ['Проверка: ', ...link(input.appealUrl)] },
              { width: 60, text: `стр. ${currentPage} из ${pageCount}`, fontSize: 8, alignment: 'right' },
            ],
            columnGap: 8,
          },
        ],
      };
    },
  };

  return pdfmake.createPdf(definition).getBuffer();
}

/** The annex: a numbered table of signatories whose header row repeats on every page; a row never splits across pages. */
function signatoryTable(signatories: AppealSignatory[], coverage: Coverage): Content {
  const header: TableCell[] = [
    { text: '№', style: 'tableHeader' },
    { text: 'Фамилия, имя, отчество', style: 'tableHeader' },
    { text: 'Почтовый адрес', style: 'tableHeader' },
    { text: 'Дата подписи', style: 'tableHeader' },
  ];
  const body: TableCell[][] = [header];
  signatories.forEach((signatory, index) => {
    body.push([
      { text: String(index + 1), alignment: 'right' },
      { text: textOf(signatory.fullName.replace(/\s+/g, ' ').trim(), coverage) },
      { text: textOf(signatory.postalAddress.trim().replace(/\s*\n\s*/g, ', '), coverage) },
      { text: moscowShortDate.format(signatory.signedAt), alignment: 'center' },
    ]);
  });
  // All widths fixed: a star column would widen past the margin to fit an unbreakable word instead of breaking it.
  // The column contents plus 4 pt padding on either side of each column and five 0.5 pt rules make the text width.
  const addressWidth = CONTENT_WIDTH - mm(10 + 48 + 21) - 4 * 8 - 5 * 0.5;
  return {
    table: { headerRows: 1, dontBreakRows: true, widths: [mm(10), mm(48), addressWidth, mm(21)], body },
    layout: {
      hLineWidth: () => 0.5,
      vLineWidth: () => 0.5,
      paddingLeft: () => 4,
      paddingRight: () => 4,
      paddingTop: () => 2,
      paddingBottom: () => 2,
    },
    fontSize: 10,
    lineHeight: 1.05,
  };
}
