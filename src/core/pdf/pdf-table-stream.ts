/**
 * A pdfmake document followed by a table of any length that is set page by page, in memory that does not grow with
 * the number of rows: the letter of an appeal with 100,000 signatories. pdfmake lays out a whole document before it
 * writes a byte (a table of 100,000 rows took 45–50 s and 3 GB); here pdfmake sets only the document before the table,
 * and the table's rows are laid out with pdfmake's own text machinery (the same inlines, line breaks, baselines and
 * rules as a pdfmake table with `dontBreakRows` and a repeated header row) and drawn on the same pdfkit document, one
 * page at a time, while the bytes flow out. Each page repeats the footer pdfmake laid out for the document's last page,
 * with its page number rewritten.
 *
 * The footer says «стр. N из M», so the number of pages is known before the first page is written: the rows are read
 * twice, once to paginate (measuring only) and once to draw. Reading them is the caller's affair (`RowSource`: a
 * keyset-paginated query, an array), so that no pass holds them all.
 */
import { createRequire } from 'node:module';
import pdfmake from 'pdfmake';
import { type Inline, loadFonts, type RowSource, type TDocumentDefinitions } from './pdf.ts';

export type { RowSource };

/** A source over rows already in memory (tests, small documents), in batches of `size`. */
export function arraySource<Row>(rows: Row[], size = 1000): RowSource<Row> {
  return {
    async *batches() {
      for (let at = 0; at < rows.length; at += size) yield rows.slice(at, at + size);
    },
  };
}

type Alignment = 'left' | 'center' | 'right';
export type CellText = string | Inline[];

export interface StreamedTable<Row> {
  /** Column widths of the text, in points, without padding and rules. */
  widths: number[];
  alignments: Alignment[];
  header: string[];
  /** Style names (of the definition's `styles`) and overrides as pdfmake applies them to a header cell. */
  headerStyle: string;
  fontSize: number;
  lineHeight: number;
  padding: { left: number; right: number; top: number; bottom: number };
  ruleWidth: number;
  rows: RowSource<Row>;
  cells(row: Row, index: number): CellText[];
  /**
   * Space between the definition's last line (the heading above the table, on the page the definition ends on) and
   * the table; on every other page the table starts at the top margin.
   */
  gap: number;
}

// pdfmake's internals: the classes its layout and renderer are made of. Not part of its typed API, so typed here as far
// as this module uses them.
interface PdfKitFont {
  ascender: number;
  widthOfString(text: string, size: number, features?: unknown): number;
  lineHeight(size: number): number;
}
interface GlyphRun {
  advanceWidth: number;
}
interface LayoutCaching {
  layoutCache?: object | undefined;
  layoutCached(text: string): GlyphRun;
  layoutRun(text: string): GlyphRun;
}
interface TextInline {
  text: string;
  width: number;
  height: number;
  font: PdfKitFont;
  fontSize: number;
  alignment: Alignment;
  noWrap?: boolean;
  noNewLine?: boolean;
  lineEnd?: boolean;
  leadingCut?: number;
  trailingCut?: number;
  characterSpacing?: number;
  x?: number;
  link?: string | null;
}
interface PdfLine {
  x?: number;
  y?: number;
  inlines: TextInline[];
  maxWidth: number;
  hasEnoughSpaceForInline(inline: TextInline, next: TextInline[]): boolean;
  addInline(inline: TextInline): void;
  getWidth(): number;
  getHeight(): number;
  getAvailableWidth(): number;
  lastLineInParagraph?: boolean;
}
interface PdfKitDocument extends NodeJS.ReadableStream {
  fontCache: Record<string, Record<string, PdfKitFont & LayoutCaching>>;
  addPage(options: { size: [number, number] }): void;
  end(): void;
  provideFont(family: string, bold: boolean, italics: boolean): PdfKitFont;
  _pdfMakePages: { pageSize: { width: number; height: number }; pageMargins: { bottom: number }; items: { type: string; item: PageItem }[] }[];
}
type PageItem = PdfLine | { type: 'line'; x1: number; y1: number; x2: number; y2: number; lineWidth: number; lineColor?: string };
interface StyleStack {
  push(style: unknown): void;
}
interface Renderer {
  renderLine(line: PdfLine, x: number, y: number): void;
  renderVector(vector: unknown): void;
}

const requirePdfmake = createRequire(createRequire(import.meta.url).resolve('pdfmake'));
const internal = <T>(name: string): T => (requirePdfmake(`./${name}.js`) as { default: T }).default;
const TextInlines = internal<new (doc: PdfKitDocument | null) => { buildInlines(text: unknown, stack: StyleStack): { items: TextInline[] } }>('TextInlines');
const StyleContextStack = internal<new (styles: unknown, defaultStyle: unknown) => StyleStack>('StyleContextStack');
const Line = internal<new (maxWidth: number) => PdfLine>('Line');
const PdfRenderer = internal<new (doc: PdfKitDocument) => Renderer>('Renderer');
const LineBreaker = requirePdfmake('linebreak') as new (text: string) => { nextBreak(): { position: number; required: boolean } | null };

const LEADING = /^\s+/;
const TRAILING = /\s+$/;

/**
 * pdfmake's words of a plain string in one style (TextBreaker.getBreaks and TextInlines.measure), without its style
 * lookups, which cost more than the rest of a row: a cell of the table has one style throughout.
 */
function plainInlines(text: string, font: PdfKitFont, fontSize: number, lineHeight: number, alignment: Alignment): TextInline[] {
  const words: { text: string; lineEnd?: boolean }[] = [];
  if (text.length === 0) words.push({ text: '' });
  else {
    const breaker = new LineBreaker(text);
    let last = 0;
    for (let bk = breaker.nextBreak(); bk; bk = breaker.nextBreak()) {
      const word = text.slice(last, bk.position);
      if (bk.required || /\r?\n$|\r$/.test(word)) words.push({ text: word.replace(/\r?\n$|\r$/, ''), lineEnd: true });
      else words.push({ text: word });
      last = bk.position;
    }
  }
  const height = font.lineHeight(fontSize) * lineHeight;
  return words.map((word) => {
    const leading = word.text.match(LEADING);
    const trailing = word.text.match(TRAILING);
    const inline: TextInline = {
      text: word.text,
      font,
      alignment,
      fontSize,
      characterSpacing: 0,
      width: font.widthOfString(word.text, fontSize),
      height,
      leadingCut: leading ? font.widthOfString(leading[0], fontSize) : 0,
      trailingCut: trailing ? font.widthOfString(trailing[0], fontSize) : 0,
    };
    if (word.lineEnd) inline.lineEnd = true;
    return Object.assign(inline, PLAIN_STYLE);
  });
}

/** The style properties pdfmake's renderer reads from an inline, as pdfmake defaults them. */
const PLAIN_STYLE = {
  fontFeatures: null,
  color: 'black',
  decoration: null,
  decorationColor: null,
  decorationStyle: null,
  decorationThickness: null,
  background: null,
  link: null,
  linkToPage: null,
  linkToDestination: null,
  noWrap: null,
  opacity: 1,
  sup: false,
  sub: false,
};

/** Word layouts kept per font face: the words rows repeat (given names, streets, «кв.») stay, unique ones pass. */
const LAYOUTS_KEPT = 5_000;
const layoutsByFace = new Map<string, Map<string, GlyphRun>>();
const bounded = new WeakSet<object>();

/**
 * pdfkit keeps the glyph layout of every word it sets for the life of the document: with 100,000 signatories that is
 * hundreds of thousands of distinct words (names, numbers, addresses) and gigabytes. Instead the document's fonts share
 * one bounded cache per face, across documents and across the measuring and drawing passes (glyph ids are the font
 * file's, the same in every document that embeds it).
 */
function boundLayoutCaches(document: PdfKitDocument): void {
  for (const [family, faces] of Object.entries(document.fontCache)) {
    for (const [face, font] of Object.entries(faces)) {
      if (bounded.has(font)) continue;
      bounded.add(font);
      const key = `${family}/${face}`;
      let layouts = layoutsByFace.get(key);
      if (!layouts) {
        layouts = new Map();
        layoutsByFace.set(key, layouts);
      }
      const kept = layouts;
      font.layoutCache = undefined;
      font.layoutCached = (text: string) => {
        let run = kept.get(text);
        if (!run) {
          run = font.layoutRun(text);
          if (kept.size >= LAYOUTS_KEPT) kept.delete(kept.keys().next().value!);
          kept.set(text, run);
        }
        return run;
      };
    }
  }
}

/** pdfmake's line breaking (LayoutBuilder.buildNextLine): whole words while they fit, a word wider than the line cut. */
function nextLine(inlines: TextInline[], width: number, widthOf: (text: string, inline: TextInline) => number): PdfLine {
  const line = new Line(width);
  let forceContinue = false;
  while (inlines.length > 0 && (line.hasEnoughSpaceForInline(inlines[0]!, inlines.slice(1)) || forceContinue)) {
    let hardWrap = false;
    const inline = inlines.shift()!;
    if (!inline.noWrap && inline.text.length > 1 && inline.width > line.getAvailableWidth()) {
      let [low, high, best] = [1, inline.text.length, 1];
      while (low <= high) {
        const mid = Math.floor((low + high) / 2);
        if (widthOf(inline.text.substring(0, mid), inline) <= line.getAvailableWidth()) {
          best = mid;
          low = mid + 1;
        } else high = mid - 1;
      }
      if (best < inline.text.length) {
        const rest: TextInline = Object.assign(Object.create(Object.getPrototypeOf(inline) as object) as TextInline, inline);
        rest.text = inline.text.substring(best);
        inline.text = inline.text.substring(0, best);
        rest.width = widthOf(rest.text, rest);
        inline.width = widthOf(inline.text, inline);
        inlines.unshift(rest);
        hardWrap = true;
      }
    }
    line.addInline(inline);
    forceContinue = Boolean(inline.noNewLine) && !hardWrap;
  }
  line.lastLineInParagraph = inlines.length === 0;
  return line;
}

interface LaidOutRow {
  /** Lines of each cell, aligned within the cell (line.x). */
  cells: PdfLine[][];
  /** From the rule above the row to the rule below it. */
  height: number;
}

/** Sets the rows of a table: the same cells pdfmake would lay out, measured with the fonts of `fontDocument`. */
class TableSetter<Row> {
  private readonly textInlines: InstanceType<typeof TextInlines>;
  private readonly widthOf = (text: string, inline: TextInline) =>
    inline.font.widthOfString(text, inline.fontSize) + (inline.characterSpacing ?? 0) * (text.length - 1);

  private readonly table: StreamedTable<Row>;
  private readonly definition: TDocumentDefinitions;
  private readonly fontDocument: PdfKitDocument;
  private readonly font: PdfKitFont;

  constructor(table: StreamedTable<Row>, definition: TDocumentDefinitions, fontDocument: PdfKitDocument) {
    this.table = table;
    this.definition = definition;
    this.fontDocument = fontDocument;
    this.textInlines = new TextInlines(fontDocument);
    const family = (definition.defaultStyle as { font?: string } | undefined)?.font;
    if (!family) throw new Error('A document with a streamed table names its font in defaultStyle');
    this.font = fontDocument.provideFont(family, false, false);
    boundLayoutCaches(fontDocument);
  }

  /** Bounds the caches of the faces provided since (a bold header, a fallback font for a rare character). */
  boundLayouts(): void {
    boundLayoutCaches(this.fontDocument);
  }

  row(cells: CellText[], header: boolean): LaidOutRow {
    const { table } = this;
    const laid: PdfLine[][] = [];
    let content = 0;
    cells.forEach((text, column) => {
      let inlines: TextInline[];
      if (typeof text === 'string' && !header) inlines = plainInlines(text, this.font, table.fontSize, table.lineHeight, table.alignments[column]!);
      else {
        const stack = new StyleContextStack(this.definition.styles ?? {}, this.definition.defaultStyle ?? {});
        stack.push({ fontSize: table.fontSize, lineHeight: table.lineHeight });
        stack.push(header ? table.headerStyle : { alignment: table.alignments[column] });
        inlines = this.textInlines.buildInlines(text, stack).items;
      }
      const width = table.widths[column]!;
      const lines: PdfLine[] = [];
      let height = 0;
      while (inlines.length > 0) {
        const line = nextLine(inlines, width, this.widthOf);
        const alignment = line.inlines[0]?.alignment;
        const slack = width - line.getWidth();
        line.x = alignment === 'right' ? slack : alignment === 'center' ? slack / 2 : 0;
        line.y = height;
        height += line.getHeight();
        lines.push(line);
      }
      laid.push(lines);
      content = Math.max(content, height);
    });
    return { cells: laid, height: table.ruleWidth + table.padding.top + content + table.padding.bottom };
  }
}

/**
 * Pages of the table: `onPage(first)` when a page begins (the header row is then drawn by the caller), `onRow` for each
 * row with its top. The same function paginates (measuring) and draws, so both passes break pages at the same rows.
 */
async function paginate<Row>(
  table: StreamedTable<Row>,
  setter: TableSetter<Row>,
  geometry: { first: number; top: number; bottom: number },
  draw: { page(index: number, header: LaidOutRow, top: number): void; row(row: LaidOutRow, top: number): void } | null,
): Promise<number> {
  const header = setter.row(table.header, true);
  setter.boundLayouts();
  let pages = 1;
  let top = geometry.first;
  draw?.page(0, header, top);
  top += header.height;
  let index = 0;
  for await (const batch of table.rows.batches()) {
    for (const row of batch) {
      const laid = setter.row(table.cells(row, index), false);
      index += 1;
      // dontBreakRows: a row that does not fit goes whole to the next page, under the header repeated there.
      if (top + laid.height > geometry.bottom) {
        draw?.page(pages, header, geometry.top);
        pages += 1;
        setter.boundLayouts();
        // A page is a few milliseconds of CPU: let the thread answer between pages (the rows' port, or requests when
        // documents render in the calling thread).
        await new Promise((resolve) => setImmediate(resolve));
        top = geometry.top + header.height;
      }
      draw?.row(laid, top);
      top += laid.height;
    }
  }
  return pages;
}

/**
 * Renders `build(annexPages)` — the definition, told how many pages the table will take so that its footer can count
 * them — with pdfmake, then the table on the same document. The definition must end with the heading of the table on a
 * page of its own, and must have a footer whose last line ends with the page number («стр. N из M»).
 */
export async function renderWithStreamedTable<Row>(
  build: (tablePages: number) => Promise<TDocumentDefinitions>,
  table: StreamedTable<Row> | null,
): Promise<Buffer> {
  await loadFonts();
  if (!table) return pdfmake.createPdf(await build(0)).getBuffer();
  // First pdfmake lays out the document alone, to find where the table starts and to lend its fonts for measuring.
  const measureDefinition = await build(0);
  const measuring = await pdfKitDocument(measureDefinition);
  const measuredPages = measuring._pdfMakePages;
  const page = measuredPages.at(-1)!;
  const lastLine = page.items
    .flatMap(({ type, item }) => (type === 'line' ? [item as PdfLine] : []))
    .filter((line) => (line.y ?? 0) < page.pageSize.height - page.pageMargins.bottom)
    .at(-1);
  measuring._pdfMakePages = [];
  if (!lastLine) throw new Error('The document before a streamed table must end with a line of text');
  const margins = measureDefinition.pageMargins as [number, number, number, number];
  const geometry = {
    // pdfmake draws a table's top rule centred on the line where the table begins.
    first: (lastLine.y ?? 0) + lastLine.getHeight() + table.gap + table.ruleWidth / 2,
    top: margins[1] + table.ruleWidth / 2,
    bottom: page.pageSize.height - margins[3],
  };
  const tablePages = await paginate(table, new TableSetter(table, measureDefinition, measuring), geometry, null);

  const definition = await build(tablePages);
  const document = await pdfKitDocument(definition);
  // Read as it is written, page by page: a readable stream nobody reads keeps every small buffer pdfkit pushed.
  const output = new ByteSink();
  const drain = () => {
    for (let chunk = document.read() as Buffer | null; chunk !== null; chunk = document.read() as Buffer | null) output.write(chunk);
  };
  const ended = new Promise<void>((resolve, reject) => {
    document.on('end', resolve);
    document.on('error', reject);
    document.on('readable', drain);
  });

  const laidOut = document._pdfMakePages;
  const lastPage = laidOut.at(-1)!;
  const pagesBefore = laidOut.length;
  const footerTop = lastPage.pageSize.height - lastPage.pageMargins.bottom;
  // The footer's items on the last page pdfmake set: lines and rules below the bottom margin.
  const footer = lastPage.items.filter(({ item }) => ('inlines' in item ? (item.y ?? 0) : 'y1' in item ? item.y1 : 0) >= footerTop);
  // pdfmake keeps every page it laid out on the document; they are rendered, so let them go.
  document._pdfMakePages = [];
  const renderer = new PdfRenderer(document);
  const setter = new TableSetter(table, definition, document);
  const columnLefts: number[] = [];
  let x = margins[0];
  for (const width of table.widths) {
    columnLefts.push(x);
    x += width + table.padding.left + table.padding.right + table.ruleWidth;
  }
  const tableRight = x;
  const rules = (y: number) => {
    for (let column = 0; column < columnLefts.length; column++) rule(columnLefts[column]!, y, columnLefts[column + 1] ?? tableRight, y);
  };
  const rule = (x1: number, y1: number, x2: number, y2: number) =>
    renderer.renderVector({ type: 'line', x1, y1, x2, y2, lineWidth: table.ruleWidth, lineColor: 'black' });
  const drawRow = (row: LaidOutRow, top: number, first: boolean) => {
    const half = table.ruleWidth / 2;
    if (first) rules(top);
    row.cells.forEach((lines, column) => {
      const left = columnLefts[column]! + table.ruleWidth + table.padding.left;
      for (const line of lines) renderer.renderLine(merged(line), left + (line.x ?? 0), top + table.ruleWidth / 2 + table.padding.top + (line.y ?? 0));
    });
    const bottom = top + row.height;
    for (const left of [...columnLefts, tableRight]) rule(left + half, top - half, left + half, bottom + half);
    rules(bottom);
  };
  const total = pagesBefore + tablePages - 1;
  const drawFooter = (pageNumber: number) => {
    // The table's first page is the definition's last, whose footer pdfmake drew.
    if (pageNumber === pagesBefore) return;
    for (const { type, item } of footer) {
      if (type === 'vector') renderer.renderVector(item);
      else if (type === 'line') renderer.renderLine(pageNumbered(item as PdfLine, pageNumber, total), (item as PdfLine).x ?? 0, (item as PdfLine).y ?? 0);
    }
  };
  let pageNumber = pagesBefore;
  await paginate(table, setter, geometry, {
    page(index, header, top) {
      if (index > 0) {
        drawFooter(pageNumber);
        pageNumber += 1;
        document.addPage({ size: [lastPage.pageSize.width, lastPage.pageSize.height] });
        drain();
      }
      drawRow(header, top, true);
    },
    row(row, top) {
      drawRow(row, top, false);
    },
  });
  if (pageNumber !== total) throw new Error(`The table took ${pageNumber - pagesBefore + 1} pages, measured ${tablePages}`);
  drawFooter(pageNumber);
  document.end();
  await ended;
  return output.bytes();
}

/**
 * The document's bytes, copied into blocks of a megabyte. pdfkit writes many small buffers cut from Node's shared
 * 8 KB pool; keeping them would keep their slabs, ten times the size of the document.
 */
class ByteSink {
  private readonly blocks: Buffer[] = [];
  private block = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.used === this.block.length) {
        this.blocks.push(this.block);
        this.block = Buffer.allocUnsafe(1 << 20);
        this.used = 0;
      }
      const copied = chunk.copy(this.block, this.used, at);
      this.used += copied;
      at += copied;
    }
  }

  bytes(): Buffer {
    return Buffer.concat([...this.blocks, this.block.subarray(0, this.used)]);
  }
}

/**
 * The line with its words in one piece per font: pdfmake writes each word by itself (a text object, its colour, its
 * opacity), which is most of the table's bytes and of pdfkit's time. pdfkit places a string's words by their advance
 * widths, as pdfmake placed them, so the page looks the same.
 */
function merged(line: PdfLine): PdfLine {
  const pieces: TextInline[] = [];
  for (const inline of line.inlines) {
    const last = pieces.at(-1);
    if (last && last.font === inline.font && last.fontSize === inline.fontSize && !inline.link && !last.link) {
      last.text += inline.text;
      last.width += inline.width;
    } else pieces.push({ ...inline });
  }
  const copy = Object.assign(Object.create(Object.getPrototypeOf(line) as object) as PdfLine, line);
  copy.inlines = pieces;
  return copy;
}

/** The pdfkit document pdfmake renders a definition into, not yet ended: it still takes pages. */
function pdfKitDocument(definition: TDocumentDefinitions): Promise<PdfKitDocument> {
  return (pdfmake.createPdf(definition) as unknown as { getStream(): Promise<PdfKitDocument> }).getStream();
}

/**
 * The footer line that ends with the page number, for another page: its last words («N из M») replaced and moved so
 * that the line still ends where it ended (it is set flush right). Other lines come back as they are.
 */
function pageNumbered(line: PdfLine, pageNumber: number, total: number): PdfLine {
  const words = line.inlines;
  const at = words.findIndex((inline) => inline.text.startsWith('стр.'));
  if (at < 0) return line;
  const numbered = Object.assign(Object.create(Object.getPrototypeOf(line) as object) as PdfLine, line);
  const first = words[at]!;
  const right = (first.x ?? 0) + words.slice(at).reduce((sum, inline) => sum + inline.width, 0) - (words.at(-1)!.trailingCut ?? 0);
  const texts = `стр. ${pageNumber} из ${total}`.match(/[^ ]+ */g)!;
  const replaced = texts.map((text) => {
    const inline: TextInline = Object.assign(Object.create(Object.getPrototypeOf(first) as object) as TextInline, first, { text });
    inline.width = first.font.widthOfString(text, first.fontSize);
    return inline;
  });
  const lastTrailing = first.font.widthOfString(texts.at(-1)!.slice(texts.at(-1)!.trimEnd().length), first.fontSize);
  let x = right - (replaced.reduce((sum, inline) => sum + inline.width, 0) - lastTrailing);
  for (const inline of replaced) {
    inline.x = x;
    x += inline.width;
  }
  numbered.inlines = [...words.slice(0, at), ...replaced];
  return numbered;
}
