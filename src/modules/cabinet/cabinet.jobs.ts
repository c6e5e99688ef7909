/** The cabinet's background jobs: setting a published answer on the letterhead; one attempt of a webhook delivery (its retries are new jobs, queued by the attempt before). */
import type { AppContext } from '../../core/context.ts';
import type { AnyJobDefinition } from '../../core/jobs/jobs.ts';
import { answerPdfJob, setAnswerPdf } from './cabinet.answer-pdf.ts';
import { documentPdfJob, setDocumentPdf } from './cabinet.documents.ts';
import { broadcastJob, mailBroadcast } from './cabinet.threads.ts';
import { deliverJob, deliverWebhook, deliveryTimeoutMs } from './cabinet.webhooks.ts';

export function cabinetJobs(ctx: AppContext): AnyJobDefinition[] {
  return [
    // Idempotent per signer (notify tells nobody twice): a retried job resumes the batches.
    { name: broadcastJob, run: ({ broadcastId }) => mailBroadcast(ctx, broadcastId), retryLimit: 5 },
    // A failed render (the PDF workers busy or gone, the database away) is tried again; a letter set already is left as it is.
    { name: answerPdfJob, run: async ({ letterId, organizationId }) => void (await setAnswerPdf(ctx, letterId, organizationId)), retryLimit: 5 },
    { name: documentPdfJob, run: async ({ documentId }) => void (await setDocumentPdf(ctx, documentId)), retryLimit: 5 },
    {
      name: deliverJob,
      run: ({ deliveryId }) => deliverWebhook(ctx, deliveryId),
      // pg-boss retries only a run that failed to record its outcome (the database was away); the back-off of the
      // receiver's failures is the delivery's own schedule.
      retryLimit: 3,
      expireInSeconds: Math.ceil(deliveryTimeoutMs / 1000) + 50,
      work: { pollingIntervalSeconds: 1 },
    },
  ];
}
