/**
 * Answers' pages: the answer and letters section of an appeal page (through the appeals ports), the
 * author's decision on a letter (POST → redirect), a letter's attachments, and the admins' list of
 * inbound mail that matched no appeal.
 */

import { create as contentDisposition } from 'content-disposition';
import type { VNode } from 'preact';
import type { AppContext } from '../../core/context.ts';
import type { InboundStatus, LetterDecision } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { form, idParam, pageNumber, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { formatDate, type MessageKey } from '../../core/i18n/i18n.ts';
import { type Actor, can } from '../../core/policy.ts';
import { renderMarkdown } from '../../core/text/markdown.ts';
import { CsrfField, Pagination } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { localDate } from '../appeals/appeals.deadlines.ts';
import '../appeals/appeals.policy.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';
import { reviewOf } from './answers.review.ts';
import { ReviewSection } from './answers.review.views.tsx';
import * as answers from './answers.service.ts';
import { awaitsUploadedAnswer } from './answers.upload.ts';
import './answers.policy.ts';

const perPage = 50;
const inboundStatuses: readonly InboundStatus[] = ['unmatched', 'matched', 'duplicate', 'received'];

/** The types a checked scan is shown as, on the site itself: an image inline, a PDF in the browser's viewer. */
const shownInline = new Set(['application/pdf', 'image/jpeg', 'image/png']);

function Attachments({ appealId, letter }: { appealId: number; letter: answers.LetterView }) {
  const { t } = usePage();
  if (letter.attachments.length === 0) return null;
  const href = (position: number) => `/appeals/${appealId}/letters/${letter.id}/attachments/${position}`;
  const letterhead = letter.attachments.filter((attachment) => attachment.kind === 'letterhead');
  const images = letter.attachments.filter((attachment) => attachment.kind === 'scan' && attachment.content_type.startsWith('image/'));
  const files = letter.attachments.filter((attachment) => !images.includes(attachment) && !letterhead.includes(attachment));
  return (
    <>
      {letterhead.map((attachment) => (
        <p key={attachment.position} class="letterhead-copy">
          <a href={href(attachment.position)}>{t('letters.letterheadCopy')}</a>{' '}
          <span class="muted">(PDF, {t('letters.size', { kb: Math.max(1, Math.round(attachment.size / 1024)) })})</span>
        </p>
      ))}
      {images.length > 0 && (
        <ul class="plain-list letter-scans" aria-label={t('letters.scans')}>
          {images.map((attachment) => (
            <li key={attachment.position}>
              <a href={href(attachment.position)}>
                <img class="letter-scan" src={href(attachment.position)} alt={t('letters.scanAlt', { number: attachment.position + 1 })} loading="lazy" />
              </a>
            </li>
          ))}
        </ul>
      )}
      {files.length > 0 && (
        <ul class="plain-list attachment-list" aria-label={t('letters.attachments')}>
          {files.map((attachment) => (
            <li key={attachment.position}>
              <a href={href(attachment.position)}>{attachment.filename}</a>{' '}
              <span class="muted">
                ({attachment.checked && attachment.content_type === 'application/pdf' ? `PDF, ` : ''}
                {t('letters.size', { kb: Math.max(1, Math.round(attachment.size / 1024)) })})
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function LetterBody({ appealId, letter }: { appealId: number; letter: answers.LetterView }) {
  const { t, locale } = usePage();
  return (
    <>
      <p class="muted">
        {t('letters.receivedOn', { date: formatDate(locale, letter.received_at, true) })}
        {letter.sender && <> · {t('letters.from', { sender: letter.sender })}</>} · {t(`letters.source.${letter.source}` as MessageKey)}
      </p>
      {(letter.outgoing_number || letter.outgoing_date) && (
        <p class="muted">
          {letter.outgoing_number && letter.outgoing_date
            ? t('letters.outgoing', { number: letter.outgoing_number, date: formatDate(locale, new Date(`${letter.outgoing_date}T12:00:00Z`)) })
            : letter.outgoing_number
              ? t('letters.outgoingNumber', { number: letter.outgoing_number })
              : t('letters.outgoingDate', { date: formatDate(locale, new Date(`${letter.outgoing_date}T12:00:00Z`)) })}
        </p>
      )}
      {letter.source === 'cabinet' ? (
        // Written in the organization's cabinet in the Markdown subset comments use, rendered to sanitized HTML.
        <div class="letter letter-rich" dangerouslySetInnerHTML={{ __html: renderMarkdown(letter.text) }} />
      ) : (
        <div class="letter letter-plain">{letter.text || t('letters.noText')}</div>
      )}
      <Attachments appealId={appealId} letter={letter} />
    </>
  );
}

export function LettersSection({
  appealId,
  letters,
  decides,
  canRegister,
  uploadHref = null,
  uploadAsAdmin = false,
}: {
  appealId: number;
  letters: answers.LetterView[];
  decides: boolean;
  /** The author may record the registration a notice gives (the appeal is sent, not yet registered). */
  canRegister: boolean;
  /** Where the viewer may publish a paper answer (the author's upload page, the admins' one), or null. */
  uploadHref?: string | null;
  uploadAsAdmin?: boolean;
}) {
  const { t, locale } = usePage();
  const answer = letters.find((letter) => letter.decision === 'answer');
  const pending = letters.filter((letter) => letter.kind === 'letter' && letter.decision === null);
  const acknowledgements = letters.filter((letter) => letter.kind === 'acknowledgement');
  const notAnswers = letters.filter((letter) => letter.decision === 'not_answer');
  return (
    <section aria-labelledby="letters-title" class="letters" id="letters">
      <h2 id="letters-title">{answer ? t('letters.answerTitle') : t('letters.title')}</h2>
      {answer && (
        <article class="answer">
          {answer.subject && <h3>{answer.subject}</h3>}
          <LetterBody appealId={appealId} letter={answer} />
        </article>
      )}
      {decides && pending.length > 0 && (
        <div class="notice notice-warning">
          <h3>{t('letters.pendingTitle', { count: pending.length })}</h3>
          <p>{t('letters.pendingLead')}</p>
          {pending.map((letter) => (
            <article class="pending-letter" key={letter.id} aria-labelledby={`letter-${letter.id}`}>
              <h4 id={`letter-${letter.id}`}>{letter.subject || t('letters.noSubject')}</h4>
              <LetterBody appealId={appealId} letter={letter} />
              <form method="post" action={`/appeals/${appealId}/letters/${letter.id}/decision`} class="button-row">
                <CsrfField />
                <button type="submit" name="decision" value="answer" class="button">
                  {t('letters.isAnswer')}
                </button>{' '}
                <button type="submit" name="decision" value="not_answer" class="button button-secondary">
                  {t('letters.notAnswer')}
                </button>
              </form>
            </article>
          ))}
        </div>
      )}
      {acknowledgements.length > 0 && (
        <>
          <h3>{t('letters.acknowledgementsTitle')}</h3>
          <ul class="plain-list">
            {acknowledgements.map((letter) => (
              <li key={letter.id}>
                {formatDate(locale, letter.received_at, true)} — {t('letters.acknowledged')}
                {letter.registration_number && (
                  <>
                    {' '}
                    {t('letters.registrationNumberFound')} <span class="nowrap">{letter.registration_number}</span>.
                  </>
                )}
                {canRegister && letter.registration_number && (
                  // One click records what the notice says; the form under «Для автора» takes another number or date.
                  <form method="post" action={`/appeals/${appealId}/registration`} class="inline-form">
                    <CsrfField />
                    <input type="hidden" name="registrationNumber" value={letter.registration_number} />
                    <input type="hidden" name="registeredOn" value={localDate(letter.received_at, 'Europe/Moscow')} />
                    <button type="submit" class="button button-secondary">
                      {t('letters.confirmRegistration', { number: letter.registration_number, date: formatDate(locale, letter.received_at) })}
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {!answer && uploadHref && (
        <div class="author-block">
          <h3>{t(uploadAsAdmin ? 'answerUpload.adminOffer' : 'answerUpload.offer')}</h3>
          <p class="hint">{t(uploadAsAdmin ? 'answerUpload.adminOfferHint' : 'answerUpload.offerHint')}</p>
          <p>
            <a class="button button-secondary" href={uploadHref}>
              {t(uploadAsAdmin ? 'answerUpload.adminTitle' : 'answerUpload.title')}
            </a>
          </p>
        </div>
      )}
      {decides && notAnswers.length > 0 && (
        <details>
          <summary>{t('letters.notAnswersTitle', { count: notAnswers.length })}</summary>
          {notAnswers.map((letter) => (
            <article key={letter.id}>
              {letter.subject && <h4>{letter.subject}</h4>}
              <LetterBody appealId={appealId} letter={letter} />
            </article>
          ))}
        </details>
      )}
    </section>
  );
}

/** The appeal page's section (the appeals ports): null when the viewer may see no letter. */
export async function lettersSection(ctx: AppContext, viewer: Actor | null, appealId: number): Promise<VNode | null> {
  const appeal = await getAppealRow(ctx, appealId);
  const letters = await answers.visibleLetters(ctx, viewer, appeal);
  const uploads = awaitsUploadedAnswer(appeal) && can(viewer, 'appeal-answer.upload', appeal);
  const publishes = !uploads && awaitsUploadedAnswer(appeal) && can(viewer, 'appeal-answer.publishOnBehalf');
  const uploadHref = uploads ? `/appeals/${appealId}/answer/upload` : publishes ? `/admin/appeals/${appealId}/answer` : null;
  if (letters.length === 0 && !uploadHref) return null;
  // The review follows the answer it rates: from publishing on, also after it closed.
  const review = appeal.answered_at ? await reviewOf(ctx, viewer, appeal) : null;
  return (
    <>
      <LettersSection
        appealId={appealId}
        letters={letters}
        decides={can(viewer, 'appeal-letter.decide', appeal)}
        canRegister={can(viewer, 'appeal.recordRegistration', appeal)}
        uploadHref={uploadHref}
        uploadAsAdmin={publishes}
      />
      {review && <ReviewSection review={review} />}
    </>
  );
}

function InboundList({ items, total, page, status }: { items: answers.InboundSummary[]; total: number; page: number; status: InboundStatus }) {
  const { t, locale } = usePage();
  return (
    <section>
      <h1>{t('inbound.title')}</h1>
      <p>{t('inbound.lead')}</p>
      <nav aria-label={t('inbound.filter')}>
        <ul class="plain-list inline-list">
          {inboundStatuses.map((candidate) => (
            <li key={candidate}>
              {candidate === status ? (
                <strong aria-current="page">{t(`inbound.status.${candidate}` as MessageKey)}</strong>
              ) : (
                <a href={`/admin/inbound-mail?status=${candidate}`}>{t(`inbound.status.${candidate}` as MessageKey)}</a>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <p>{t('inbound.count', { count: total })}</p>
      {items.length > 0 && (
        <table class="table">
          <caption class="visually-hidden">{t('inbound.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('inbound.received')}</th>
              <th scope="col">{t('inbound.from')}</th>
              <th scope="col">{t('inbound.to')}</th>
              <th scope="col">{t('inbound.subject')}</th>
              <th scope="col">{t('inbound.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                <td>{formatDate(locale, item.received_at, true)}</td>
                <td>{item.from_address ?? '—'}</td>
                <td>{item.envelope_to.join(', ') || '—'}</td>
                <td>{item.subject ?? '—'}</td>
                <td>{item.reason ? t(`inbound.reason.${item.reason.split(' ')[0]}` as MessageKey) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination page={page} pageSize={perPage} total={total} href={(n) => `/admin/inbound-mail?status=${status}&page=${n}`} />
    </section>
  );
}

export function answerPages(ctx: AppContext): AppModule {
  return {
    name: 'answers.pages',
    routes(app: App) {
      app.post('/appeals/:id/letters/:letterId/decision', { config: { policy: 'appeal-letter.decide' } }, async (request, reply) => {
        const appealId = idParam(request);
        const decision = text(form(request), 'decision', 20);
        if (decision !== 'answer' && decision !== 'not_answer') throw new DomainError('bad_request');
        await answers.decideLetter(ctx, request.actor, appealId, idParam(request, 'letterId'), decision satisfies LetterDecision);
        return reply.flash(decision === 'answer' ? 'flash.answerPublished' : 'flash.letterNotAnswer').redirectAfterPost(`/appeals/${appealId}#letters`);
      });

      app.get('/appeals/:id/letters/:letterId/attachments/:position', { config: { policy: 'appeal-letter.view' } }, async (request, reply) => {
        const position = Number((request.params as { position?: string }).position);
        const attachment = await answers.letterAttachment(ctx, request.actor, idParam(request), idParam(request, 'letterId'), position);
        // A checked scan of an uploaded answer (a PDF by its bytes, an image encoded afresh) opens in the browser,
        // under the site's CSP; whatever a body e-mailed is offered as a download, never rendered on the site's origin.
        if (attachment.checked && shownInline.has(attachment.content_type)) {
          return reply
            .header('Content-Type', attachment.content_type)
            .header('Content-Disposition', contentDisposition(attachment.filename, { type: 'inline' }))
            .header('X-Content-Type-Options', 'nosniff')
            .header('Cache-Control', 'private, no-store')
            .send(Buffer.from(attachment.content));
        }
        return reply
          .header('Content-Type', 'application/octet-stream')
          .header('Content-Disposition', contentDisposition(attachment.filename))
          .header('X-Content-Type-Options', 'nosniff')
          .header('Content-Security-Policy', "default-src 'none'; sandbox")
          .header('Cache-Control', 'private, no-store')
          .send(Buffer.from(attachment.content));
      });

      app.get('/admin/inbound-mail', { config: { policy: 'inbound-mail.list' } }, async (request, reply) => {
        const page = pageNumber(request);
        const asked = (request.query as { status?: string }).status;
        const status = inboundStatuses.find((candidate) => candidate === asked) ?? 'unmatched';
        const result = await answers.listInbound(ctx, request.actor, { status, limit: perPage, offset: (page - 1) * perPage });
        return reply.page(request.t('inbound.title'), <InboundList {...result} page={page} status={status} />);
      });
    },
  };
}
