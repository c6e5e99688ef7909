/**
 * The collective appeal as a PDF letter to the addressee (ГОСТ Р 7.0.97-2016 style, A4): addressee at the top right,
 * date and number at the left, the frozen text, the 59-ФЗ closing paragraph and, as an annex, the numbered list of
 * signatories with the table header repeated on every page. Every page footer carries the revision, the SHA-256 of the
 * text and the public page where anyone can check it.
 *
 * This module builds the pdfmake document definition; core/pdf sets it with the platform's fonts, in a worker thread
 * (`renderPdfOffThread(appealLetter, input)`).
 */
import { createHash } from 'node:crypto';
import {
  type Content,
  type Coverage,
  clean,
  definePdfDocument,
  inlines,
  justifiedParagraph,
  loadFonts,
  mm,
  PRIMARY_FONT,
  paragraphs,
  type TDocumentDefinitions,
  textOf,
} from '../../core/pdf/pdf.ts';
import { arraySource, type RowSource, renderWithStreamedTable, type StreamedTable } from '../../core/pdf/pdf-table-stream.ts';

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
  /**
   * In signing order. The addressee's letter: every signatory. The author's copy: those who consented to give him their
   * data. Omitted when the signatories are read in batches while the letter renders (`signatoryCount` and a row source).
   */
  signatories?: AppealSignatory[] | undefined;
  /** How many signatories the row source yields, when `signatories` is omitted. */
  signatoryCount?: number | undefined;
  /**
   * The author's copy only: the author as the initiator of the collective appeal, who sends it himself and signs it.
   * A missing address is left as a line to fill in by hand.
   */
  initiator?: { fullName: string; postalAddress: string | null } | undefined;
  /**
   * The author's copy only: signatures that are not listed because their signers did not consent to give the author
   * their data — how many, and the public names («Иван П.») of those who agreed to be named publicly.
   */
  unlisted?: { count: number; publicNames: string[]; publicNamesCount?: number | undefined } | undefined;
  /** An escalated appeal: the earlier appeals of its chain, oldest first, and what came of each. */
  chain?: ChainEntry[] | undefined;
}

export interface ChainEntry {
  appealId: number;
  organization: string;
  sentAt: Date | null;
  answeredAt: Date | null;
  outcome: 'resolved' | 'partly' | 'unresolved' | 'unanswered' | null;
  closed: boolean;
  url: string;
}

const outcomeWords: Record<'resolved' | 'partly' | 'unresolved', string> = {
  resolved: 'проблема решена',
  partly: 'проблема решена частично',
  unresolved: 'проблема не решена',
};

/** One earlier appeal of the chain in a sentence: where it went, and its answer and verdict (or that none came). */
export function chainSentence(entry: ChainEntry): string {
  const sent = entry.sentAt ? ` от ${formatLetterDate(entry.sentAt)}` : '';
  const head = `Ранее по этой проблеме обращение № ${entry.appealId}${sent} было направлено адресату: ${entry.organization}.`;
  let result: string;
  if (entry.answeredAt) {
    const verdict =
      entry.outcome && entry.outcome !== 'unanswered'
        ? `по итогам оценки ответа подписавшими ${outcomeWords[entry.outcome]}`
        : entry.closed
          ? 'ответ подписавшими не оценён'
          : 'ответ оценивается подписавшими';
    result = `Ответ получен ${formatLetterDate(entry.answeredAt)}; ${verdict}.`;
  } else result = entry.outcome === 'unanswered' ? 'Ответ не получен и после истечения установленного срока.' : 'Ответ в установленный срок не получен.';
  return `${head} ${result} Обращение и ответ: ${entry.url}`;
}

/** Public names written out in the author's copy; beyond this, the appeal's page has them all. */
export const PUBLIC_NAMES_IN_COPY = 500;

/** A4 page geometry, in points. */
const MARGIN_LEFT = mm(30);
const MARGIN = mm(20);
const CONTENT_WIDTH = mm(210) - MARGIN_LEFT - MARGIN;
/** First-line indent of a paragraph. */
const INDENT = mm(12.5);

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

/** How many signatories the letter lists. */
function signatoryCount(input: AppealPdfInput): number {
  return input.signatories?.length ?? input.signatoryCount ?? 0;
}

/**
 * The letter's document definition, up to the heading of the annex; the list of signatories itself is set page by page
 * (`renderAppealLetter`) on the `annexPages` pages that the footers count.
 */
export async function appealLetterDefinition(input: AppealPdfInput, annexPages = 0): Promise<TDocumentDefinitions> {
  const hash = createHash('sha256').update(input.text, 'utf8').digest('hex');
  if (hash !== input.textSha256.toLowerCase()) {
    throw new Error(`Appeal ${input.appealId}: textSha256 ${input.textSha256} is not the SHA-256 of its text (${hash})`);
  }
  const coverage = await loadFonts();
  const text = (value: string) => textOf(value, coverage);
  const link = (url: string) => inlines(clean(url), coverage, { link: url });

  const id = input.appealId;
  const letterDate = formatLetterDate(input.date);
  const count = signatoryCount(input);
  const { addressee } = input;

  const addresseeBlock: Content[] = [{ text: text(addressee.name) }];
  if (addressee.postalAddress) addresseeBlock.push({ text: text(addressee.postalAddress), margin: [0, 4, 0, 0] });
  if (addressee.email) addresseeBlock.push({ text: text(addressee.email), margin: [0, addressee.postalAddress ? 2 : 4, 0, 0] });

  const { initiator } = input;
  const reply = initiator
    ? `Ответ на обращение просим направить инициатору по почтовому адресу, указанному ниже${count > 0 ? ', и каждому из подписавших по почтовому адресу, указанному в прилагаемом списке' : ''}.`
    : count > 0
      ? 'Ответ на обращение просим направить каждому из подписавших по почтовому адресу, указанному в прилагаемом списке, ' +
        'либо через платформу Democrator, с которой направлено настоящее обращение.'
      : 'Ответ на обращение просим направить через платформу Democrator, с которой направлено настоящее обращение.';
  const closing = justifiedParagraph(
    `Обращение является коллективным${count > 0 ? ': его подписали граждане, перечисленные в приложении' : ''} (часть\u00a01 статьи\u00a02 ` +
      `Федерального закона от 02.05.2006 №\u00a059-ФЗ «О порядке рассмотрения обращений граждан Российской Федерации»). ${reply}`,
    coverage,
    INDENT,
    8,
  );
  const unlisted = input.unlisted && input.unlisted.count > 0 ? input.unlisted : null;

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
    ...paragraphs(input.text).map((p) => justifiedParagraph(p, coverage, INDENT)),
    ...(input.chain ?? []).map((entry) => justifiedParagraph(chainSentence(entry), coverage, INDENT, 8)),
    closing,
    { text: ['Описание проблемы: ', ...link(input.problemUrl)], leadingIndent: INDENT },
  ];
  if (unlisted) content.push(justifiedParagraph(unlistedParagraph(unlisted), coverage, INDENT, 8));

  // The annex is mentioned after the text and before the signature (ГОСТ Р 7.0.97-2016).
  if (count > 0) content.push({ text: `Приложение: список подписавших — ${peopleCount(count)}`, margin: [0, 14, 0, 0] });
  if (initiator) content.push(initiatorBlock(initiator, letterDate, coverage));
  if (count > 0) {
    content.push(
      {
        text: `Приложение\nк коллективному обращению\nот ${letterDate} № ${id}`,
        fontSize: 11,
        margin: [mm(95), 0, 0, 14],
        pageBreak: 'before',
      },
      { text: 'Список граждан, подписавших коллективное обращение', style: 'heading', margin: [0, 0, 0, ANNEX_GAP] },
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
    defaultStyle: { font: PRIMARY_FONT, fontSize: 12, lineHeight: 1.15 },
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
              // The annex's first page is pdfmake's last (it holds the heading); the others follow it.
              { width: 60, text: `стр. ${currentPage} из ${pageCount + Math.max(annexPages - 1, 0)}`, fontSize: 8, alignment: 'right' },
            ],
            columnGap: 8,
          },
        ],
      };
    },
  };

  return definition;
}

/**
 * Renders the letter: pdfmake sets it up to the annex's heading, then the annex's table of signatories is set page by
 * page as they are read from `rows` (twice: to count the pages, then to draw them), so that neither the rows nor the
 * laid-out table are ever all in memory. Without `rows`, the input's `signatories` are listed.
 */
export async function renderAppealLetter(input: AppealPdfInput, rows?: RowSource<AppealSignatory>): Promise<Buffer> {
  const source = rows ?? arraySource(input.signatories ?? []);
  const coverage = await loadFonts();
  return renderWithStreamedTable(
    (annexPages) => appealLetterDefinition(input, annexPages),
    signatoryCount(input) > 0 ? signatoryTable(source, coverage) : null,
  );
}

/** The appeal letter as a document kind: `renderPdfOffThread(appealLetter, input, rows)` renders it in a worker thread. */
export const appealLetter = definePdfDocument<AppealPdfInput, AppealSignatory>(import.meta.url, 'appealLetter', renderAppealLetter);

/** Renders the appeal letter with its list of signatories, in the calling thread. */
export function renderAppealPdf(input: AppealPdfInput): Promise<Buffer> {
  return renderAppealLetter(input);
}

/**
 * Signatures the author's copy does not list: counted, and named as the public list names them. They support the appeal
 * but are no signatories of this letter (59-FZ Art. 7 wants a name and an address): the page shows them all.
 */
function unlistedParagraph(unlisted: { count: number; publicNames: string[]; publicNamesCount?: number | undefined }): string {
  const named = unlisted.publicNames.slice(0, PUBLIC_NAMES_IN_COPY);
  const one = plural.select(unlisted.count) === 'one';
  let text =
    `Кроме того, обращение на платформе Democrator ${one ? 'подписал' : 'подписали'} ещё ${peopleCount(unlisted.count)}, ` +
    `${one ? 'не давший' : 'не давших'} согласия передать свои фамилию, имя, отчество и почтовый адрес автору обращения; ` +
    `в приложение ${one ? 'эта подпись не включена' : 'эти подписи не включены'}.`;
  if (named.length > 0) {
    // The caller may pass only the first names and say how many there are.
    const rest = (unlisted.publicNamesCount ?? unlisted.publicNames.length) - named.length;
    // A public name ends with its initial's dot («Иван П.»): no second one.
    const list = `${named.join(', ')}${rest > 0 ? ` и ещё ${peopleCount(rest)}` : ''}`;
    text += ` Публичные имена: ${list}${list.endsWith('.') ? '' : '.'}`;
  }
  return `${text} Число подписей можно проверить на странице обращения, указанной внизу каждой страницы.`;
}

/** The initiator's name, the address for the answer (a line to fill in when the profile has none) and a place to sign. */
function initiatorBlock(initiator: { fullName: string; postalAddress: string | null }, letterDate: string, coverage: Coverage): Content {
  const line = '_'.repeat(40);
  return {
    margin: [0, 14, 0, 0],
    unbreakable: true,
    stack: [
      { text: ['Инициатор коллективного обращения: ', { text: textOf(initiator.fullName.replace(/\s+/g, ' ').trim(), coverage), bold: true }] },
      {
        text: [
          'Почтовый адрес для ответа: ',
          initiator.postalAddress ? { text: textOf(initiator.postalAddress.trim().replace(/\s*\n\s*/g, ', '), coverage) } : line,
        ],
        margin: [0, 4, 0, 0],
      },
      {
        columns: [
          { width: '*', text: letterDate },
          { width: mm(80), text: `${'_'.repeat(20)} (подпись)`, alignment: 'right' },
        ],
        margin: [0, 18, 0, 0],
      },
    ],
  };
}

/** Space between the annex's heading and its table. */
const ANNEX_GAP = 10;

/** The annex: a numbered table of signatories whose header row repeats on every page; a row never splits across pages. */
function signatoryTable(rows: RowSource<AppealSignatory>, coverage: Coverage): StreamedTable<AppealSignatory> {
  // All widths fixed: a star column would widen past the margin to fit an unbreakable word instead of breaking it.
  // The column contents plus 4 pt padding on either side of each column and five 0.5 pt rules make the text width.
  const addressWidth = CONTENT_WIDTH - mm(10 + 48 + 21) - 4 * 8 - 5 * 0.5;
  return {
    widths: [mm(10), mm(48), addressWidth, mm(21)],
    alignments: ['right', 'left', 'left', 'center'],
    header: ['№', 'Фамилия, имя, отчество', 'Почтовый адрес', 'Дата подписи'],
    headerStyle: 'tableHeader',
    fontSize: 10,
    lineHeight: 1.05,
    padding: { left: 4, right: 4, top: 2, bottom: 2 },
    ruleWidth: 0.5,
    gap: ANNEX_GAP,
    rows,
    cells: (signatory, index) => [
      String(index + 1),
      textOf(signatory.fullName.replace(/\s+/g, ' ').trim(), coverage),
      textOf(signatory.postalAddress.trim().replace(/\s*\n\s*/g, ', '), coverage),
      moscowShortDate.format(signatory.signedAt),
    ],
  };
}
