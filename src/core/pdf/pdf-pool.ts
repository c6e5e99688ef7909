/**
 * Documents are rendered in worker threads, never on the event loop that serves requests: the letter of a viral
 * appeal lists tens of thousands of signatories and takes seconds of CPU (pdfmake, pdfkit and fontkit), during which a
 * web process would answer nobody.
 *
 * One pool per process, started on first use; its threads exit after a minute without work, so a process that renders
 * nothing keeps no thread. With PDF_THREADS=0 documents render in the calling thread (for environments without worker
 * threads). Any module's document kind (`definePdfDocument`) renders here; its input must survive structured cloning.
 */
import { Piscina } from 'piscina';
import { type PdfDocument, renderPdfDocument } from './pdf.ts';
import type { PdfTask } from './pdf.worker.ts';

let pool: Piscina<PdfTask, Uint8Array> | null = null;
let threads = 1;

export function configurePdfThreads(count: number): void {
  threads = count;
}

export async function renderPdfOffThread<Input>(document: PdfDocument<Input>, input: Input): Promise<Buffer> {
  if (threads === 0) return renderPdfDocument(document, input);
  pool ??= new Piscina<PdfTask, Uint8Array>({
    filename: new URL('./pdf.worker.ts', import.meta.url).href,
    name: 'default',
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 60_000,
  });
  const bytes = await pool.run({ url: document.url, exportName: document.exportName, input });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Waits for documents being rendered, then stops the threads. */
export async function closePdfPool(): Promise<void> {
  const closing = pool;
  pool = null;
  await closing?.close();
}
