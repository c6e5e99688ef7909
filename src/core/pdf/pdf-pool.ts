/**
 * Documents are rendered in worker threads, never on the event loop that serves requests: the letter of a viral
 * appeal lists tens of thousands of signatories and takes seconds of CPU (pdfmake, pdfkit and fontkit), during which a
 * web process would answer nobody.
 *
 * One pool per process, started on first use; its threads exit after a minute without work, so a process that renders
 * nothing keeps no thread. With PDF_THREADS=0 documents render in the calling thread (for environments without worker
 * threads). Any module's document kind (`definePdfDocument`) renders here; its input must survive structured cloning.
 * A document's rows (`RowSource`) stay in the calling thread, which owns the database connection: the worker asks for
 * them a batch at a time over a message port, so only one batch is ever in flight.
 */
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { type PdfDocument, type RowSource, renderPdfDocument } from './pdf.ts';
import type { PdfTask } from './pdf.worker.ts';

let pool: Piscina<PdfTask, Uint8Array> | null = null;
let threads = 1;

export function configurePdfThreads(count: number): void {
  threads = count;
}

export async function renderPdfOffThread<Input, Row>(document: PdfDocument<Input, Row>, input: Input, rows?: RowSource<Row>): Promise<Buffer> {
  if (threads === 0) return renderPdfDocument(document, input, rows);
  pool ??= new Piscina<PdfTask, Uint8Array>({
    // The worker beside this module: pdf.worker.ts under tsx, pdf.worker.js in the compiled build/.
    filename: new URL(`./pdf.worker${path.extname(new URL(import.meta.url).pathname)}`, import.meta.url).href,
    name: 'default',
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 60_000,
  });
  const task: PdfTask = { url: document.url, exportName: document.exportName, input };
  if (!rows) return toBuffer(await pool.run(task));
  const { port1, port2 } = new MessageChannel();
  const passes = new Map<number, AsyncIterator<Row[]>>();
  port1.on('message', async ({ pass, batch }: { pass: number; batch: number }) => {
    try {
      let iterator = passes.get(pass);
      if (!iterator || batch === 0) {
        iterator = rows.batches()[Symbol.asyncIterator]();
        passes.set(pass, iterator);
      }
      const next = await iterator.next();
      if (next.done) passes.delete(pass);
      port1.postMessage({ rows: next.done ? [] : next.value, done: Boolean(next.done) });
    } catch (error) {
      port1.postMessage({ rows: [], done: true, error: error instanceof Error ? error.message : String(error) });
    }
  });
  try {
    return toBuffer(await pool.run({ ...task, rows: port2 }, { transferList: [port2] }));
  } finally {
    port1.close();
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Waits for documents being rendered, then stops the threads. */
export async function closePdfPool(): Promise<void> {
  const closing = pool;
  pool = null;
  await closing?.close();
}
