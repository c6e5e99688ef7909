/**
 * An organization's answer as a PDF on its letterhead (issue 12): the logo and header lines on top, the outgoing number
 * and date, the addressee line (the collective appeal, on behalf of its signers — never their addresses), the answer's
 * text (the Markdown subset answers are written in, set as paragraphs, lists, quotes and emphasis), the signature
 * block, and on every page the SHA-256 of the answer text as stored and the appeal's public page, as appeal letters
 * carry. Rendered by `renderPdfOffThread` in the job that publishing queues (cabinet.answer-pdf.ts).
 */
import { createHash } from 'node:crypto';
import { type Content, type Coverage, clean, definePdfDocument, inlines, loadFonts, mm, PRIMARY_FONT, renderPdf, textOf } from '../../core/pdf/pdf.ts';
import { markdownContent } from '../../core/pdf/pdf-markdown.ts';
import { formatLetterDate, peopleCount } from '../appeals/appeals.letter.ts';

export interface AnswerLetterInput {
  letterhead: {
    headerLines: string[];
    signaturePosition: string;
    signatureName: string;
    /** `data:image/png;base64,…` (a string survives the worker's structured clone as it is). */
    logoDataUrl: string | null;
    logoWidth: number;
    logoHeight: number;
  };
  outgoingNumber: string | null;
  date: Date;
  appealId: number;
  appealTitle: string;
  signatureCount: number;
  /** The answer's text as published: the comment Markdown subset (paragraphs at blank lines, lists, emphasis, links). */
  text: string;
  /** Hex SHA-256 of `text`: checked, so the PDF never claims the hash of another text. */
  textSha256: string;
  appealUrl: string;
}

export const MARGIN_LEFT = mm(30);
export const MARGIN = mm(20);
export const INDENT = mm(12.5);
const LOGO_HEIGHT = mm(20);
export const CONTENT_WIDTH = mm(210) - MARGIN_LEFT - MARGIN;

export async function renderAnswerLetter(input: AnswerLetterInput): Promise<Buffer> {
  const hash = createHash('sha256').update(input.text, 'utf8').digest('hex');
  if (hash !== input.textSha256.toLowerCase()) throw new Error(`Answer to appeal ${input.appealId}: textSha256 is not the SHA-256 of its text`);
  const coverage = await loadFonts();
  const text = (value: string) => textOf(value, coverage);
  const { letterhead } = input;
  const header = letterheadTop(letterhead, coverage);
  const date = formatLetterDate(input.date);
  const content: Content[] = [
    ...header,
    {
      columns: [
        { width: '*', stack: [{ text: date }, { text: text(`№ ${input.outgoingNumber?.trim() || '—'}`), margin: [0, 4, 0, 0] }] },
        {
          width: mm(80),
          text: text(
            `На коллективное обращение № ${input.appealId} «${clean(input.appealTitle).replace(/\s+/g, ' ')}» — подписавшим его (${peopleCount(input.signatureCount)})`,
          ),
        },
      ],
      columnGap: mm(10),
      margin: [0, 0, 0, 16],
    },
    ...markdownContent(input.text, coverage, INDENT),
  ];
  content.push(...signatureBlock(letterhead, coverage));
  return renderPdf({
    pageSize: 'A4',
    pageMargins: [MARGIN_LEFT, MARGIN, MARGIN, mm(22)],
    language: 'ru-RU',
    info: {
      title: `Ответ на коллективное обращение № ${input.appealId}`,
      subject: `SHA-256 текста ответа ${hash}`,
      author: 'Democrator',
      creator: 'Democrator',
    },
    defaultStyle: { font: PRIMARY_FONT, fontSize: 12, lineHeight: 1.15 },
    content,
    footer: verificationFooter({ line: 'SHA-256 текста ответа: ', hash, url: input.appealUrl, coverage }),
  });
}

export type LetterheadPrint = AnswerLetterInput['letterhead'];

/** The top of a page on the letterhead: the logo, the header lines (the first one larger, in bold), a rule. */
export function letterheadTop(letterhead: LetterheadPrint, coverage: Coverage): Content[] {
  const text = (value: string) => textOf(value, coverage);
  const header: Content[] = [];
  if (letterhead.logoDataUrl && letterhead.logoHeight > 0) {
    const width = Math.min(mm(60), (LOGO_HEIGHT * letterhead.logoWidth) / letterhead.logoHeight);
    header.push({ image: letterhead.logoDataUrl, width, alignment: 'center', margin: [0, 0, 0, 6] });
  }
  for (const [index, line] of letterhead.headerLines.entries()) {
    header.push({ text: text(line), alignment: 'center', bold: index === 0, fontSize: index === 0 ? 13 : 10, margin: [0, index === 0 ? 0 : 1, 0, 0] });
  }
  header.push({ canvas: [{ type: 'line', x1: 0, y1: 4, x2: CONTENT_WIDTH, y2: 4, lineWidth: 1 }], margin: [0, 0, 0, 10] });
  return header;
}

/** The signature block: the position on the left, the name on the right; nothing when the letterhead has none. */
export function signatureBlock(letterhead: LetterheadPrint, coverage: Coverage): Content[] {
  if (!letterhead.signaturePosition) return [];
  return [
    {
      columns: [
        { width: '*', text: textOf(letterhead.signaturePosition, coverage) },
        { width: 'auto', text: textOf(letterhead.signatureName, coverage), alignment: 'right' },
      ],
      margin: [0, 24, 0, 0],
      unbreakable: true,
    },
  ];
}

/**
 * Every page's footer on the letterhead: the text's SHA-256 and where to check it, beside «стр. N из M» (`extraPages`:
 * pages a streamed annex adds after pdfmake's last, whose first page pdfmake sets).
 */
export function verificationFooter(options: { line: string; hash: string; url: string; coverage: Coverage; extraPages?: number }) {
  return (currentPage: number, pageCount: number, pageSize: { width: number }): Content => {
    const width = pageSize.width - MARGIN_LEFT - MARGIN;
    return {
      margin: [MARGIN_LEFT, 10, MARGIN, 0],
      fontSize: 7,
      stack: [
        { canvas: [{ type: 'line', x1: 0, y1: 0, x2: width, y2: 0, lineWidth: 0.5 }] },
        { text: [options.line, { text: options.hash, noWrap: true }, '.'], margin: [0, 3, 0, 0] },
        {
          columns: [
            { width: width - 68, text: ['Проверка: ', ...inlines(clean(options.url), options.coverage, { link: options.url })] },
            { width: 60, text: `стр. ${currentPage} из ${pageCount + Math.max((options.extraPages ?? 0) - 1, 0)}`, fontSize: 8, alignment: 'right' },
          ],
          columnGap: 8,
        },
      ],
    };
  };
}

/** The answer letter as a document kind: `renderPdfOffThread(answerLetter, input)` renders it in a worker thread. */
export const answerLetter = definePdfDocument<AnswerLetterInput>(import.meta.url, 'answerLetter', renderAnswerLetter);
