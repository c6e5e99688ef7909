/**
 * The answer an organization publishes from its cabinet, set on its letterhead as a PDF (issue 12). Publishing queues
 * this job in its own transaction, so the letter is set once the answer is committed and never for an answer that
 * was not; the job renders off the event loop (core/pdf's worker threads) and keeps the PDF as the letter's
 * attachment of kind `letterhead`, shown first beside the scans on the appeal's page and in the API. A run that
 * fails is retried; a second run of a letter already set changes nothing.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../../core/context.ts';
import { renderPdfOffThread } from '../../core/pdf/pdf-pool.ts';
import { attachLetterheadCopy, cabinetLetterToPrint } from '../answers/answers.upload.ts';
import { signatoriesOfLetter } from '../appeals/appeals.cabinet.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';
import { organizationById } from '../organizations/organizations.service.ts';
import { answerLetter } from './cabinet.answer-letter.ts';
import { letterheadOf, letterheadPrint } from './cabinet.letterhead.ts';

declare module '../../core/jobs/jobs.ts' {
  interface JobPayloads {
    /** Sets a published cabinet answer on its organization's letterhead (queued in the transaction that published it). */
    'cabinet.answer-pdf': { letterId: number; organizationId: number };
  }
}

export const answerPdfJob = 'cabinet.answer-pdf';

/** The file name the letterhead copy is offered under. */
export function letterheadFilename(appealId: number): string {
  return `otvet-na-obrashchenie-${appealId}.pdf`;
}

/** A day as the letter prints it: the outgoing date the official gave (YYYY-MM-DD), else the day it was published. */
function letterDay(outgoingDate: string | null, publishedAt: Date): Date {
  // Noon UTC is the same calendar day in every Russian time zone the letter's date is printed in.
  return outgoingDate ? new Date(`${outgoingDate}T12:00:00Z`) : publishedAt;
}

/** Sets the letter and keeps it; true when this run kept it, false when there was nothing (more) to set. */
export async function setAnswerPdf(ctx: AppContext, letterId: number, organizationId: number): Promise<boolean> {
  const letter = await cabinetLetterToPrint(ctx.db, letterId);
  if (!letter || letter.printed) return false;
  const [appeal, organization] = await Promise.all([getAppealRow(ctx, letter.appealId), organizationById(ctx.db, organizationId)]);
  const [letterhead, signatures] = await Promise.all([letterheadOf(ctx.db, organization), signatoriesOfLetter(ctx, appeal.id)]);
  const pdf = await renderPdfOffThread(answerLetter, {
    letterhead: letterheadPrint(letterhead),
    outgoingNumber: letter.outgoingNumber,
    date: letterDay(letter.outgoingDate, letter.receivedAt),
    appealId: appeal.id,
    appealTitle: appeal.title,
    signatureCount: signatures,
    text: letter.text,
    textSha256: createHash('sha256').update(letter.text, 'utf8').digest('hex'),
    appealUrl: `${ctx.config.baseUrl}/appeals/${appeal.id}`,
  });
  return attachLetterheadCopy(ctx, letter.id, { filename: letterheadFilename(appeal.id), content: pdf });
}
