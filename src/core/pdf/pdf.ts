/**
 * The PDF engine every document of the platform is set with: pdfmake 0.3 with embedded TrueType fonts, PT Serif
 * (Paratype, made for Cyrillic), and DejaVu Serif only for the characters PT Serif does not have (arrows, thin spaces,
 * rarer scripts), so that nothing a citizen typed silently disappears. The font files are read once per process into
 * pdfmake's virtual file system.
 *
 * Documents themselves (the 59-ФЗ appeal letter, later answers and letterheads) belong to their modules: each builds a
 * pdfmake document definition with the typesetting helpers below and declares itself with `definePdfDocument`, so that
 * `pdf-pool.ts` can render it in a worker thread without core knowing any of them.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import pdfmake, { type Content, type TableCell } from 'pdfmake';

export type { Content, TableCell };
/** @types/pdfmake re-exports only some of its types from the package root. */
export type TDocumentDefinitions = Parameters<typeof pdfmake.createPdf>[0];

/** Millimetres in points (A4 geometry is given in millimetres). */
export const mm = (value: number) => (value * 72) / 25.4;

// ---------------------------------------------------------------------------------------------------------------------
// Fonts

/** The font family a document's defaultStyle names; the fallback family is applied by the typesetting helpers. */
export const PRIMARY_FONT = 'DemocratorPTSerif';
const FALLBACK = 'DemocratorDejaVuSerif';

const requireHere = createRequire(import.meta.url);
const fontFiles = {
  [PRIMARY_FONT]: {
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
type Face = keyof (typeof fontFiles)[typeof PRIMARY_FONT];
const faces: Face[] = ['normal', 'bold', 'italics', 'bolditalics'];

/** pdfmake's server build keeps an in-memory file system that font names are looked up in before the disk. */
interface VirtualFileSystem {
  writeFileSync(name: string, content: Buffer): void;
}

export interface Coverage {
  /** Code points every PT Serif face can draw. */
  primary: Set<number>;
  /** Code points every DejaVu Serif face can draw. */
  fallback: Set<number>;
}

let fontsReady: Promise<{ coverage: Coverage; families: Record<string, Record<Face, string>> }> | null = null;

/** Reads the fonts once per process and registers them with pdfmake (again, should another module have replaced them). */
export async function loadFonts(): Promise<Coverage> {
  fontsReady ??= (async () => {
    const vfs = (pdfmake as unknown as { virtualfs: VirtualFileSystem }).virtualfs;
    const coverage: Partial<Record<keyof typeof fontFiles, Set<number>>> = {};
    const families: Record<string, Record<Face, string>> = {};
    for (const family of [PRIMARY_FONT, FALLBACK] as const) {
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
    return { coverage: { primary: coverage[PRIMARY_FONT]!, fallback: coverage[FALLBACK]! }, families };
  })();
  fontsReady.catch(() => {
    fontsReady = null;
  });
  const { coverage, families } = await fontsReady;
  // pdfmake is one shared instance: setFonts() elsewhere would drop our families.
  if (!pdfmake.fonts?.[PRIMARY_FONT] || !pdfmake.fonts[FALLBACK]) pdfmake.addFonts(families);
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

export interface InlineStyle {
  link?: string;
  noWrap?: boolean;
  bold?: boolean;
  italics?: boolean;
  decoration?: 'lineThrough';
}
export type Inline = InlineStyle & { text: string; font?: string };

/**
 * Line breaks normalised to \n, tabs to spaces; other control and invisible format characters (soft hyphens, zero-width
 * spaces, byte order marks) dropped: they have no place in a printed letter, and a soft hyphen would print as a hyphen.
 */
export function clean(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .replace(/[^\n\P{Cc}]|\p{Cf}/gu, '');
}

/** Text as pdfmake inlines: runs of characters PT Serif lacks (but DejaVu Serif has) are set in DejaVu Serif. */
export function inlines(text: string, coverage: Coverage, extra: InlineStyle = {}): Inline[] {
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
export function textOf(text: string, coverage: Coverage): string | Inline[] {
  const cleaned = clean(text);
  for (const char of cleaned) {
    const code = char.codePointAt(0)!;
    if (code > 0x20 && !coverage.primary.has(code)) return inlines(cleaned, coverage);
  }
  return cleaned;
}

/** Paragraphs separated by blank lines; line breaks inside a paragraph are kept, surrounding blanks trimmed. */
export function paragraphs(text: string): string[] {
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
export function justifiedParagraph(paragraph: string, coverage: Coverage, indent: number, spaceBefore = 0): Content {
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
    leadingIndent: firstWord.length > LONG_WORD ? 0 : indent,
    margin: [0, spaceBefore, 0, 4],
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Rendering

/** Sets a document definition into PDF bytes, with the platform's fonts registered. */
export async function renderPdf(definition: TDocumentDefinitions): Promise<Buffer> {
  await loadFonts();
  return pdfmake.createPdf(definition).getBuffer();
}

/** Rows in batches, from the first; may be iterated more than once, each time from the first row again. */
export interface RowSource<Row> {
  batches(): AsyncIterable<Row[]>;
}

/**
 * A kind of document a module renders: `render` turns the module's input into PDF bytes. A document definition holds
 * functions (footers, table layouts) and cannot cross into a worker thread, so the worker receives the input and finds
 * the kind again by the URL of the module that exports it and the name of that export. A document may also take rows
 * in batches (`RowSource`: the signatories of a letter), read by the calling thread while the document renders.
 */
export interface PdfDocument<Input, Row = never> {
  /** `import.meta.url` of the module that exports this kind. */
  url: string;
  /** The name under which that module exports it. */
  exportName: string;
  render(input: Input, rows?: RowSource<Row>): Promise<Buffer>;
}

export function definePdfDocument<Input, Row = never>(
  url: string,
  exportName: string,
  render: (input: Input, rows?: RowSource<Row>) => Promise<Buffer>,
): PdfDocument<Input, Row> {
  return { url, exportName, render };
}

/** Renders one document in the calling thread. */
export function renderPdfDocument<Input, Row>(document: PdfDocument<Input, Row>, input: Input, rows?: RowSource<Row>): Promise<Buffer> {
  return document.render(input, rows);
}
