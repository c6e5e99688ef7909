/**
 * Runs in a worker thread of `pdf-pool.ts`: finds the document kind by the module that exports it, builds the document
 * from the input and hands the bytes back.
 */
import { Piscina } from 'piscina';
import { type PdfDocument, renderPdfDocument } from './pdf.ts';

export interface PdfTask {
  url: string;
  exportName: string;
  input: unknown;
}

export default async function render(task: PdfTask): Promise<unknown> {
  const exported = ((await import(task.url)) as Record<string, unknown>)[task.exportName] as PdfDocument<unknown> | undefined;
  if (typeof exported?.build !== 'function') throw new Error(`${task.url} exports no PDF document named ${task.exportName}`);
  const pdf = await renderPdfDocument(exported, task.input);
  // Transfer the memory instead of copying it (a letter with 20,000 signatories is megabytes).
  const bytes = new Uint8Array(pdf.buffer.slice(pdf.byteOffset, pdf.byteOffset + pdf.byteLength));
  return Piscina.move(bytes);
}
