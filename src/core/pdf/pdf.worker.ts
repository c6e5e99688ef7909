/**
 * Runs in a worker thread of `pdf-pool.ts`: finds the document kind by the module that exports it, renders it from the
 * input (asking the calling thread for rows, batch by batch, over `rows` when the document takes rows) and hands the
 * bytes back.
 */
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { type PdfDocument, type RowSource, renderPdfDocument } from './pdf.ts';

export interface PdfTask {
  url: string;
  exportName: string;
  input: unknown;
  /** Where to ask for the next batch of rows: post `{ pass, batch }`, receive `{ rows, done }`. */
  rows?: MessagePort | undefined;
}

/** The rows the calling thread reads for this document, one batch per request; each pass starts from the first row. */
function portSource(port: MessagePort): RowSource<unknown> {
  let passes = 0;
  return {
    async *batches() {
      const pass = passes++;
      for (let batch = 0; ; batch++) {
        const reply = await new Promise<{ rows: unknown[]; done: boolean; error?: string }>((resolve) => {
          port.once('message', resolve);
          port.postMessage({ pass, batch });
        });
        if (reply.error) throw new Error(reply.error);
        if (reply.rows.length > 0) yield reply.rows;
        if (reply.done) return;
      }
    },
  };
}

export default async function render(task: PdfTask): Promise<unknown> {
  const exported = ((await import(task.url)) as Record<string, unknown>)[task.exportName] as PdfDocument<unknown, unknown> | undefined;
  if (typeof exported?.render !== 'function') throw new Error(`${task.url} exports no PDF document named ${task.exportName}`);
  try {
    const pdf = await renderPdfDocument(exported, task.input, task.rows ? portSource(task.rows) : undefined);
    // Transfer the memory instead of copying it (a letter with 20,000 signatories is megabytes).
    const bytes = new Uint8Array(pdf.buffer.slice(pdf.byteOffset, pdf.byteOffset + pdf.byteLength));
    return Piscina.move(bytes);
  } finally {
    task.rows?.close();
  }
}
