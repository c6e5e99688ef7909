/** Runs in a worker thread of `pdf-pool.ts`: renders one appeal letter and hands the bytes back. */
import { Piscina } from 'piscina';
import { type AppealPdfInput, renderAppealPdf } from './appeal-pdf.ts';

export default async function render(input: AppealPdfInput): Promise<unknown> {
  const pdf = await renderAppealPdf(input);
  // Transfer the memory instead of copying it (a letter with 20,000 signatories is megabytes).
  const bytes = new Uint8Array(pdf.buffer.slice(pdf.byteOffset, pdf.byteOffset + pdf.byteLength));
  return Piscina.move(bytes);
}
