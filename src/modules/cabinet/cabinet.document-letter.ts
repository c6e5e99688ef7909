/**
 * A document an organization issues on its letterhead about a problem (issue 12) — a deputy's inquiry (депутатский
 * запрос), a party's letter — as a PDF: the letterhead's top, the date and number, the addressee, the title, the text
 * (the comment Markdown subset), the citizens' support (how many signed the problem's appeals, how many of them agreed
 * to be named), the signature block, and an annex naming them as the public list does («Иван П.», their municipality:
 * never an address, never a full name). Every page carries the SHA-256 of the text and the document's public page,
 * where anyone can compare it. The annex is set page by page as its rows are read (core/pdf/pdf-table-stream.ts), so a
 * problem with a million supporters does not need them in memory.
 */
import { createHash } from 'node:crypto';
import {
  type Content,
  type Coverage,
  clean,
  definePdfDocument,
  inlines,
  loadFonts,
  mm,
  PRIMARY_FONT,
  type RowSource,
  type TDocumentDefinitions,
  textOf,
} from '../../core/pdf/pdf.ts';
import { markdownContent } from '../../core/pdf/pdf-markdown.ts';
import { arraySource, renderWithStreamedTable, type StreamedTable } from '../../core/pdf/pdf-table-stream.ts';
import { formatLetterDate, peopleCount } from '../appeals/appeals.letter.ts';
import type { NamedSupporter } from '../appeals/appeals.queries.ts';
import {
  CONTENT_WIDTH,
  INDENT,
  type LetterheadPrint,
  letterheadTop,
  MARGIN,
  MARGIN_LEFT,
  signatureBlock,
  verificationFooter,
} from './cabinet.answer-letter.ts';

export interface DocumentLetterInput {
  letterhead: LetterheadPrint;
  documentId: number;
  outgoingNumber: string | null;
  date: Date;
  /** To whom, one line per line as the letter prints it («Главе города Твери», «А. А. Огонькову»). */
  addressee: string;
  title: string;
  /** The comment Markdown subset. */
  text: string;
  /** Hex SHA-256 of `text`: checked, so the PDF never claims the hash of another text. */
  textSha256: string;
  problem: { id: number; title: string; url: string };
  /** Signatures of the problem's appeals. */
  signatures: number;
  /** How many of their signers agreed to be named: the annex's rows. */
  named: number;
  documentUrl: string;
  /** Without rows: these (tests, small documents). */
  supporters?: NamedSupporter[];
}

const ANNEX_GAP = 8;

/** 1 234 567, grouped as Russian prints numbers (no-break spaces). */
function groupDigits(count: number): string {
  return new Intl.NumberFormat('ru-RU').format(count).replace(/\s/g, '\u00a0');
}

/** «1 человека», «2 человек», «21 человека», «11 человек»: after «имена». */
function genitivePeople(count: number): string {
  return `${count} ${count % 10 === 1 && count % 100 !== 11 ? 'человека' : 'человек'}`;
}

function supportParagraph(input: DocumentLetterInput, coverage: Coverage): Content {
  const title = clean(input.problem.title).replace(/\s+/g, ' ');
  // No verb agrees with a number (or a person's gender): «подписей — 52», «имена 21 человека».
  const signed =
    input.signatures > 0
      ? `Решения проблемы «${title}» граждане добиваются коллективно: о ней на платформе Democrator составлены коллективные обращения, подписей под ними —\u00a0${groupDigits(input.signatures)}.` +
        (input.named > 0 ? ` Имена ${genitivePeople(input.named).replace(' ', '\u00a0')} из подписавших приведены в приложении с их согласия.` : '')
      : `Проблема «${title}» опубликована гражданами на платформе Democrator.`;
  return {
    text: [
      ...inlines(`${signed} Описание проблемы и её история: `, coverage),
      ...inlines(clean(input.problem.url), coverage, { link: input.problem.url }),
      { text: '.' },
    ],
    alignment: 'left',
    leadingIndent: INDENT,
    margin: [0, 8, 0, 4],
  };
}

function definition(input: DocumentLetterInput, annexPages: number, coverage: Coverage, hash: string): TDocumentDefinitions {
  const text = (value: string) => textOf(value, coverage);
  const date = formatLetterDate(input.date);
  const number = input.outgoingNumber?.trim() || String(input.documentId);
  const content: Content[] = [
    ...letterheadTop(input.letterhead, coverage),
    {
      columns: [
        { width: '*', stack: [{ text: date }, { text: text(`№ ${number}`), margin: [0, 4, 0, 0] }] },
        { width: mm(80), text: text(input.addressee.replace(/\r\n?/g, '\n').trim()) },
      ],
      columnGap: mm(10),
      margin: [0, 0, 0, 14],
    },
    { text: text(input.title.replace(/\s+/g, ' ').trim()), bold: true, alignment: 'center', margin: [0, 0, 0, 12] },
    ...markdownContent(input.text, coverage, INDENT),
    supportParagraph(input, coverage),
  ];
  if (input.named > 0)
    content.push({
      text: `Приложение: список подписавших, согласившихся на публикацию имени, —\u00a0${peopleCount(input.named).replace(' ', '\u00a0')}`,
      margin: [0, 14, 0, 0],
    });
  content.push(...signatureBlock(input.letterhead, coverage));
  if (input.named > 0) {
    content.push(
      { text: `Приложение\nк документу от ${date} №\u00a0${number}`, fontSize: 11, margin: [mm(95), 0, 0, 14], pageBreak: 'before' },
      {
        text: 'Граждане, подписавшие коллективные обращения о проблеме и согласившиеся на публикацию имени',
        bold: true,
        fontSize: 13,
        alignment: 'center',
        margin: [0, 0, 0, ANNEX_GAP],
      },
    );
  }
  return {
    pageSize: 'A4',
    pageMargins: [MARGIN_LEFT, MARGIN, MARGIN, mm(22)],
    language: 'ru-RU',
    info: {
      title: clean(input.title).replace(/\s+/g, ' '),
      subject: `Документ № ${input.documentId}, SHA-256 текста ${hash}`,
      author: 'Democrator',
      creator: 'Democrator',
      creationDate: input.date,
    },
    defaultStyle: { font: PRIMARY_FONT, fontSize: 12, lineHeight: 1.15 },
    styles: { tableHeader: { fontSize: 10, bold: true, alignment: 'center' } },
    content,
    footer: verificationFooter({ line: `Документ № ${input.documentId}. SHA-256 текста: `, hash, url: input.documentUrl, coverage, extraPages: annexPages }),
  };
}

function supporterTable(rows: RowSource<NamedSupporter>, coverage: Coverage): StreamedTable<NamedSupporter> {
  // Fixed widths (a star column would widen to fit an unbreakable word): text plus 4 pt padding a side and four rules.
  const rest = CONTENT_WIDTH - mm(14) - 3 * 8 - 4 * 0.5;
  return {
    widths: [mm(14), rest * 0.45, rest * 0.55],
    alignments: ['right', 'left', 'left'],
    header: ['№', 'Имя', 'Муниципальное образование'],
    headerStyle: 'tableHeader',
    fontSize: 10,
    lineHeight: 1.05,
    padding: { left: 4, right: 4, top: 2, bottom: 2 },
    ruleWidth: 0.5,
    gap: ANNEX_GAP,
    rows,
    cells: (supporter, index) => [
      String(index + 1),
      textOf(supporter.publicName.replace(/\s+/g, ' ').trim(), coverage),
      textOf(supporter.municipality ?? '—', coverage),
    ],
  };
}

export async function renderDocumentLetter(input: DocumentLetterInput, rows?: RowSource<NamedSupporter>): Promise<Buffer> {
  const hash = createHash('sha256').update(input.text, 'utf8').digest('hex');
  if (hash !== input.textSha256.toLowerCase()) throw new Error(`Document ${input.documentId}: textSha256 is not the SHA-256 of its text`);
  const coverage = await loadFonts();
  const source = rows ?? arraySource(input.supporters ?? []);
  return renderWithStreamedTable(
    async (annexPages) => definition(input, annexPages, coverage, hash),
    input.named > 0 ? supporterTable(source, coverage) : null,
  );
}

/** The document as a kind of PDF: `renderPdfOffThread(documentLetter, input, rows)` renders it in a worker thread. */
export const documentLetter = definePdfDocument<DocumentLetterInput, NamedSupporter>(import.meta.url, 'documentLetter', renderDocumentLetter);
