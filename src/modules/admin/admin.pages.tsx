/** Admin pages: dashboard, mail outbox, audit log, municipalities import. */
import { create as contentDisposition } from 'content-disposition';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { bearer, errorResponses, Id, PageQuery } from '../../core/http/api-schemas.ts';
import { idParam, pageNumber } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { formatDate, isMessageKey, type MessageKey } from '../../core/i18n/i18n.ts';
import { Button, CsrfField, ErrorSummary, Pagination } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import type { RowProblem } from '../territories/territories.rules.ts';
import { type ImportResult, importMunicipalities } from '../territories/territories.service.ts';
import './admin.policy.ts';
import type { MailAttachmentInfo, OutboxItem } from './admin.service.ts';
import * as adminService from './admin.service.ts';

const perPage = 50;

function FailedMailBanner({ count }: { count: number }) {
  const { t } = usePage();
  if (count === 0) return null;
  return (
    <div class="notice notice-warning" role="alert">
      <p>{t('admin.mailFailed', { count })}</p>
    </div>
  );
}

function Dashboard({ counts, mailMode, failedMail }: { counts: Awaited<ReturnType<typeof adminService.siteCounts>>; mailMode: string; failedMail: number }) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('admin.title')}</h1>
      <FailedMailBanner count={failedMail} />
      <ul class="stats">
        <li>
          <strong>{counts.users}</strong> {t('admin.users', { count: counts.users })}
        </li>
        <li>
          <strong>{counts.organizations}</strong> {t('admin.organizations', { count: counts.organizations })}
        </li>
        <li>
          <strong>{counts.territories}</strong> {t('admin.territories', { count: counts.territories })}
        </li>
        <li>
          <strong>{counts.mail}</strong> {t('admin.mail', { count: counts.mail })}
        </li>
      </ul>
      <ul class="plain-list">
        <li>
          <a href="/admin/outbox">{t('admin.outbox')}</a> <span class="muted">({mailMode === 'smtp' ? t('admin.mailSmtp') : t('admin.mailOutbox')})</span>
        </li>
        <li>
          <a href="/admin/organizations/new">{t('organization.new')}</a>
        </li>
        <li>
          <a href="/admin/territories/import">{t('import.title')}</a>
        </li>
        <li>
          <a href="/admin/inbound-mail">{t('admin.inboundMail')}</a>
        </li>
        <li>
          <a href="/admin/audit">{t('admin.audit')}</a>
        </li>
      </ul>
    </section>
  );
}

/** «obrashchenie-5.pdf, 84 КБ» linked to its download. */
function AttachmentLink({ attachment }: { attachment: MailAttachmentInfo }) {
  const { t } = usePage();
  return (
    <>
      <a href={`/admin/outbox/${attachment.messageId}/attachments/${attachment.id}`} download={attachment.filename}>
        {attachment.filename}
      </a>{' '}
      <span class="muted nowrap">({t('admin.attachmentSize', { kilobytes: Math.max(1, Math.round(attachment.bytes / 1024)) })})</span>
    </>
  );
}

function Outbox({ items, total, page, failedMail }: { items: OutboxItem[]; total: number; page: number; failedMail: number }) {
  const { t, locale } = usePage();
  return (
    <section>
      <h1>{t('admin.outbox')}</h1>
      <FailedMailBanner count={failedMail} />
      <p>{t('admin.outboxLead', { count: total })}</p>
      <table class="table">
        <caption class="visually-hidden">{t('admin.outbox')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('admin.mailDate')}</th>
            <th scope="col">{t('admin.mailTo')}</th>
            <th scope="col">{t('admin.mailSubject')}</th>
            <th scope="col">{t('admin.mailStatus')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((m) => (
            <tr key={m.id}>
              <td>{formatDate(locale, m.created_at, true)}</td>
              <td>{m.to_address}</td>
              <td>
                <a href={`/admin/outbox/${m.id}`}>{m.subject}</a>
                {m.attachments.length > 0 && (
                  <ul class="plain-list attachment-list" aria-label={t('admin.mailAttachments')}>
                    {m.attachments.map((a) => (
                      <li key={a.id}>
                        <AttachmentLink attachment={a} />
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td>{t(`mailStatus.${m.status}` as MessageKey)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination page={page} pageSize={perPage} total={total} href={(n) => `/admin/outbox?page=${n}`} />
    </section>
  );
}

/** Mail text with its links made clickable, so an admin can follow a verification link in development. */
function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s]+)/g);
  return (
    <pre class="mail-body">
      {parts.map((part, i) =>
        /^https?:\/\//.test(part) ? (
          <a href={part} key={i}>
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </pre>
  );
}

function OutboxMessage({ message }: { message: OutboxItem }) {
  const { t, locale } = usePage();
  return (
    <article>
      <p>
        <a href="/admin/outbox">← {t('admin.outbox')}</a>
      </p>
      <h1>{message.subject}</h1>
      <dl class="facts">
        <div>
          <dt>{t('admin.mailTo')}</dt>
          <dd>{message.to_address}</dd>
        </div>
        <div>
          <dt>{t('admin.mailDate')}</dt>
          <dd>{formatDate(locale, message.created_at, true)}</dd>
        </div>
        <div>
          <dt>{t('admin.mailStatus')}</dt>
          <dd>{t(`mailStatus.${message.status}` as MessageKey)}</dd>
        </div>
        {message.error && (
          <div>
            <dt>{t('admin.mailError')}</dt>
            <dd>{message.error}</dd>
          </div>
        )}
        {message.attachments.length > 0 && (
          <div>
            <dt>{t('admin.mailAttachments')}</dt>
            <dd>
              <ul class="plain-list">
                {message.attachments.map((a) => (
                  <li key={a.id}>
                    <AttachmentLink attachment={a} />
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        )}
      </dl>
      <Linkified text={message.text_body} />
    </article>
  );
}

function ImportView({ result, problems }: { result?: ImportResult | undefined; problems?: RowProblem[] | undefined }) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('import.title')}</h1>
      <p>{t('import.lead')}</p>
      <pre class="code-sample">region_oktmo,oktmo,okato,name,kind{'\n'}28000000,28701000,28401000000,город Тверь,urban_okrug</pre>
      {result && result.problems.length === 0 && (
        <div class="notice notice-success" role="status">
          <p>{t('import.done', { created: result.created, updated: result.updated })}</p>
          <progress max={1} value={1} aria-label={t('import.progress')} />
        </div>
      )}
      {problems && problems.length > 0 && <ErrorSummary message={t('import.failed', { count: problems.length })} />}
      {problems && problems.length > 0 && (
        <table class="table">
          <caption>{t('import.problems')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('import.line')}</th>
              <th scope="col">{t('import.column')}</th>
              <th scope="col">{t('import.problem')}</th>
            </tr>
          </thead>
          <tbody>
            {problems.slice(0, 200).map((p) => {
              const key = `validation.${p.rule}`;
              return (
                <tr key={`${p.line}-${p.field}-${p.rule}`}>
                  <td>{p.line}</td>
                  <td>
                    <code>{p.field}</code>
                  </td>
                  <td>{isMessageKey(key) ? t(key, p.params) : p.rule}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form method="post" action="/admin/territories/import" enctype="multipart/form-data">
        <CsrfField />
        <div class="field">
          <label for="field-file">{t('import.file')}</label>
          <input type="file" id="field-file" name="file" accept=".csv,text/csv" required />
        </div>
        <Button>{t('import.submit')}</Button>
      </form>
    </section>
  );
}

function AuditView({ items, total, page }: Awaited<ReturnType<typeof adminService.listAudit>> & { page: number }) {
  const { t, locale } = usePage();
  return (
    <section>
      <h1>{t('admin.audit')}</h1>
      <table class="table">
        <caption class="visually-hidden">{t('admin.audit')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('admin.mailDate')}</th>
            <th scope="col">{t('audit.actor')}</th>
            <th scope="col">{t('audit.action')}</th>
            <th scope="col">{t('audit.subject')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((entry) => (
            <tr key={entry.id}>
              <td>{formatDate(locale, entry.created_at, true)}</td>
              <td>{entry.actor_email ?? '—'}</td>
              <td>
                <code>{entry.action}</code>
              </td>
              <td>
                {entry.subject_type} {entry.subject_id ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination page={page} pageSize={perPage} total={total} href={(n) => `/admin/audit?page=${n}`} />
    </section>
  );
}

const AttachmentSchema = Type.Object({
  id: Type.Integer(),
  filename: Type.String(),
  contentType: Type.String(),
  bytes: Type.Integer(),
  /** Where the bytes are: GET with the same token. */
  url: Type.String(),
});

const MailSchema = Type.Object({
  id: Type.Integer(),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  status: Type.String(),
  messageId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  attachments: Type.Array(AttachmentSchema),
});

const AttachmentParams = Type.Object({ id: Id, attachmentId: Id });

/** Sends an attachment as a download, never shown inline: its type is what the platform recorded, but a download cannot run in our origin. */
function sendAttachment(reply: FastifyReply, attachment: { filename: string; contentType: string; content: Buffer }) {
  return reply
    .header('content-disposition', contentDisposition(attachment.filename))
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .type(attachment.contentType)
    .send(attachment.content);
}

export function adminPages(ctx: AppContext): AppModule {
  return {
    name: 'admin',
    routes(app: App) {
      app.get('/admin', { config: { policy: 'admin.view' } }, async (request, reply) =>
        reply.page(
          request.t('admin.title'),
          <Dashboard counts={await adminService.siteCounts(ctx)} mailMode={ctx.mailer.mode} failedMail={await adminService.failedMailCount(ctx)} />,
        ),
      );

      app.get('/admin/outbox', { config: { policy: 'admin.outbox' } }, async (request, reply) => {
        const page = pageNumber(request);
        const result = await adminService.listOutbox(ctx, { limit: perPage, offset: (page - 1) * perPage });
        const failedMail = await adminService.failedMailCount(ctx);
        return reply.page(request.t('admin.outbox'), <Outbox items={result.items} total={result.total} page={page} failedMail={failedMail} />);
      });

      app.get('/admin/outbox/:id', { config: { policy: 'admin.outbox' } }, async (request, reply) => {
        const message = await adminService.getOutboxMessage(ctx, idParam(request));
        return reply.page(message.subject, <OutboxMessage message={message} />);
      });

      app.get('/admin/outbox/:id/attachments/:attachmentId', { config: { policy: 'admin.outbox' } }, async (request, reply) => {
        const attachment = await adminService.getOutboxAttachment(ctx, idParam(request), idParam(request, 'attachmentId'));
        return sendAttachment(reply, attachment);
      });

      app.get('/admin/audit', { config: { policy: 'admin.audit' } }, async (request, reply) => {
        const page = pageNumber(request);
        const result = await adminService.listAudit(ctx, { limit: perPage, offset: (page - 1) * perPage });
        return reply.page(request.t('admin.audit'), <AuditView {...result} page={page} />);
      });

      app.get('/admin/territories/import', { config: { policy: 'territory.import' } }, (request, reply) =>
        reply.page(request.t('import.title'), <ImportView />),
      );

      app.post('/admin/territories/import', { config: { policy: 'territory.import' }, bodyLimit: 6 * 1024 * 1024 }, async (request, reply) => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const file = body.file;
        const csv = Buffer.isBuffer(file) ? file.toString('utf8') : typeof file === 'string' ? file : '';
        const result = await importMunicipalities(ctx, csv, { actorId: request.actor?.id ?? null });
        const failed = result.problems.length > 0;
        return reply.page(request.t('import.title'), <ImportView result={result} problems={failed ? result.problems : undefined} />, {
          status: failed ? 422 : 200,
        });
      });

      app.get(
        '/api/v1/admin/outbox',
        {
          config: { policy: 'admin.outbox' },
          schema: {
            tags: ['admin'],
            operationId: 'listOutbox',
            summary: 'Mail kept by the platform, newest first (admins)',
            security: bearer,
            querystring: Type.Intersect([PageQuery, Type.Object({ to: Type.Optional(Type.String({ maxLength: 254 })) })]),
            response: { 200: Type.Object({ items: Type.Array(MailSchema), total: Type.Integer() }), ...errorResponses(401, 403, 422) },
          },
        },
        async (request) => {
          const { page = 1, perPage: size = 50, to } = request.query;
          const result = await adminService.listOutbox(ctx, { limit: size, offset: (page - 1) * size, ...(to ? { to } : {}) });
          return {
            total: result.total,
            items: result.items.map((m) => ({
              id: m.id,
              to: m.to_address,
              subject: m.subject,
              text: m.text_body,
              status: m.status,
              messageId: m.message_id,
              createdAt: m.created_at.toISOString(),
              attachments: m.attachments.map((a) => ({
                id: a.id,
                filename: a.filename,
                contentType: a.contentType,
                bytes: a.bytes,
                url: `/api/v1/admin/outbox/${m.id}/attachments/${a.id}`,
              })),
            })),
          };
        },
      );

      app.get(
        '/api/v1/admin/outbox/:id/attachments/:attachmentId',
        {
          config: { policy: 'admin.outbox' },
          schema: {
            tags: ['admin'],
            operationId: 'getOutboxAttachment',
            summary: 'One attachment of a kept mail, as a download (admins): e.g. the PDF letter of a dispatched appeal',
            security: bearer,
            params: AttachmentParams,
            response: {
              200: {
                description: 'The attachment, with the content type it was sent with',
                content: { 'application/octet-stream': { schema: Type.Unsafe<Buffer>(Type.String({ format: 'binary' })) } },
              },
              ...errorResponses(401, 403, 404, 422),
            },
          },
        },
        async (request, reply) => sendAttachment(reply, await adminService.getOutboxAttachment(ctx, request.params.id, request.params.attachmentId)),
      );
    },
  };
}
