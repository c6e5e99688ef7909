/** Admin pages: dashboard, mail outbox, audit log, municipalities import. */
import { Readable } from 'node:stream';
import { create as contentDisposition } from 'content-disposition';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { problemsOf } from '../../core/errors.ts';
import { bearer, errorResponses, Id, OpenObject, PageQuery } from '../../core/http/api-schemas.ts';
import { form, idFromText, idParam, pageNumber, query, uploadedText } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { formatDate, type MessageKey } from '../../core/i18n/i18n.ts';
import { firstCharacters } from '../../core/text/characters.ts';
import { csvCell } from '../../core/text/csv.ts';
import { Button, CsrfField, ErrorSummary, Field, type FormErrors, Pagination, SelectField } from '../../core/views/components.tsx';
import { ImportProblemsTable } from '../../core/views/import-problems.tsx';
import { usePage } from '../../core/views/page-context.ts';
import type { RowProblem } from '../territories/territories.rules.ts';
import { type ImportResult, importMunicipalities } from '../territories/territories.service.ts';
import './admin.policy.ts';
import type { AuditItem, MailAttachmentInfo, OutboxItem } from './admin.service.ts';
import * as adminService from './admin.service.ts';

const perPage = 50;

/** A cursor from the query string: a positive id, else none (the newest page). */
function idOrNothing(value: string): number | undefined {
  const id = idFromText(value);
  return id > 0 ? id : undefined;
}

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
          <a href="/admin/organizations/import">{t('organizationImport.title')}</a>
        </li>
        <li>
          <a href="/admin/categories">{t('categories.title')}</a>
        </li>
        <li>
          <a href="/admin/inbound-mail">{t('admin.inboundMail')}</a>
        </li>
        <li>
          <a href="/admin/audit">{t('admin.audit')}</a>
        </li>
        <li>
          <a href="/admin/users">{t('admin.usersLink')}</a>
        </li>
        <li>
          <a href="/admin/settings">{t('admin.settingsLink')}</a>
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
      {problems && problems.length > 0 && <ImportProblemsTable problems={problems} />}
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

const auditFields = ['actor', 'action', 'subjectType', 'subjectId', 'from', 'to', 'text'] as const;
type AuditFormValues = Partial<Record<(typeof auditFields)[number], string>>;

/** The filter form's values from the query string, each cut to a length no real value exceeds. */
function auditFormValues(request: FastifyRequest): AuditFormValues {
  return Object.fromEntries(auditFields.map((name) => [name, firstCharacters(query(request, name), 200)]).filter(([, value]) => value !== ''));
}

/** The query string of a filtered view (for the next page and the CSV export). */
function auditQueryString(values: AuditFormValues, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ ...Object.fromEntries(Object.entries(values).filter(([, v]) => v)), ...extra });
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** «причина: …» first, since why is what a reader looks for; the rest as compact JSON. */
function AuditDetails({ details }: { details: Record<string, unknown> }) {
  const { t } = usePage();
  const { reason, ...rest } = details;
  const restText = Object.keys(rest).length > 0 ? JSON.stringify(rest) : '';
  return (
    <>
      {typeof reason === 'string' && reason !== '' && (
        <p class="audit-reason">
          {t('audit.reason')}: {reason}
        </p>
      )}
      {restText && <code class="audit-details">{restText.length > 400 ? `${restText.slice(0, 400)}…` : restText}</code>}
    </>
  );
}

function AuditView({
  items,
  nextBefore,
  actions,
  values,
  errors,
  before,
}: {
  items: AuditItem[];
  nextBefore: number | null;
  actions: string[];
  values: AuditFormValues;
  errors?: FormErrors | undefined;
  before?: number | undefined;
}) {
  const { t, locale } = usePage();
  return (
    <section>
      <h1>{t('admin.audit')}</h1>
      <p>{t('audit.lead')}</p>
      <ErrorSummary errors={errors} />
      <form method="get" action="/admin/audit" class="filters" aria-label={t('audit.filters')}>
        <Field name="actor" label={t('audit.filterActor')} hint={t('audit.filterActorHint')} value={values.actor} errors={errors} maxLength={200} />
        <SelectField
          name="action"
          label={t('audit.action')}
          options={actions.map((action) => ({ value: action, label: action }))}
          value={values.action}
          emptyLabel={t('audit.anyAction')}
        />
        <Field name="subjectType" label={t('audit.subjectType')} hint={t('audit.subjectTypeHint')} value={values.subjectType} errors={errors} maxLength={200} />
        <Field name="subjectId" label={t('audit.subjectId')} value={values.subjectId} errors={errors} maxLength={200} />
        <Field name="from" label={t('audit.from')} hint={t('audit.dateHint')} value={values.from} errors={errors} maxLength={10} />
        <Field name="to" label={t('audit.to')} hint={t('audit.dateHint')} value={values.to} errors={errors} maxLength={10} />
        <Field name="text" label={t('audit.text')} hint={t('audit.textHint')} value={values.text} errors={errors} maxLength={200} />
        <Button>{t('audit.apply')}</Button>
        <p>
          <a href="/admin/audit">{t('audit.reset')}</a>
        </p>
      </form>
      {!errors && (
        <p>
          <a href={`/admin/audit.csv${auditQueryString(values)}`} download="audit.csv">
            {t('audit.export')}
          </a>
        </p>
      )}
      {!errors && items.length === 0 && <p>{t('audit.none')}</p>}
      {items.length > 0 && (
        <table class="table">
          <caption class="visually-hidden">{t('admin.audit')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.mailDate')}</th>
              <th scope="col">{t('audit.actor')}</th>
              <th scope="col">{t('audit.action')}</th>
              <th scope="col">{t('audit.subject')}</th>
              <th scope="col">{t('audit.details')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((entry) => (
              <tr key={entry.id}>
                <td>{formatDate(locale, entry.createdAt, true)}</td>
                <td>
                  {entry.actorId === null ? (
                    '—'
                  ) : entry.actorEmail === null ? (
                    t('audit.deletedActor', { id: entry.actorId })
                  ) : (
                    <>
                      {entry.actorName} <span class="muted">{entry.actorEmail}</span>
                    </>
                  )}
                </td>
                <td>
                  <code>{entry.action}</code>
                </td>
                <td>
                  {entry.subjectHref ? (
                    <a href={entry.subjectHref}>
                      {entry.subjectType} {entry.subjectId}
                    </a>
                  ) : (
                    `${entry.subjectType} ${entry.subjectId ?? ''}`
                  )}
                </td>
                <td>
                  <AuditDetails details={entry.details} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pagination" aria-label={t('audit.pages')}>
        {before !== undefined && <a href={`/admin/audit${auditQueryString(values)}`}>{t('audit.newest')}</a>}{' '}
        {nextBefore !== null && (
          <a href={`/admin/audit${auditQueryString(values, { before: String(nextBefore) })}`} rel="next">
            {t('audit.older')}
          </a>
        )}
      </nav>
    </section>
  );
}

const csvColumns = ['id', 'created_at', 'actor_id', 'actor_name', 'actor_email', 'action', 'subject_type', 'subject_id', 'ip', 'details'] as const;

/** The CSV lines of the filtered log: a header, then every entry, newest first, a page at a time. */
async function* auditCsv(pages: AsyncGenerator<AuditItem[]>): AsyncGenerator<string> {
  yield `\uFEFF${csvColumns.join(',')}\r\n`;
  for await (const items of pages) {
    if (items.length === 0) continue;
    yield items
      .map((e) =>
        [e.id, e.createdAt.toISOString(), e.actorId, e.actorName, e.actorEmail, e.action, e.subjectType, e.subjectId, e.ip, JSON.stringify(e.details)]
          .map(csvCell)
          .join(','),
      )
      .join('\r\n')
      .concat('\r\n');
  }
}

const AuditItemSchema = Type.Object({
  id: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  actorId: Type.Union([Type.Integer(), Type.Null()], { description: 'The account that acted; null: the platform itself' }),
  actorName: Type.Union([Type.String(), Type.Null()], { description: 'null when the platform acted or the account was deleted' }),
  actorEmail: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  subjectType: Type.String(),
  subjectId: Type.Union([Type.String(), Type.Null()]),
  subjectUrl: Type.Union([Type.String(), Type.Null()], { description: "The subject's page on the site, when it has one" }),
  details: OpenObject('What the action recorded: its reason, the values before and after'),
  ip: Type.Union([Type.String(), Type.Null()]),
});

const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ maxLength: 200, description: "A name, an e-mail or part of one, or an account's id" })),
  action: Type.Optional(Type.String({ maxLength: 200, description: 'Exactly this action, e.g. organization.update' })),
  subjectType: Type.Optional(Type.String({ maxLength: 200, description: 'e.g. appeal, problem, organization, user' })),
  subjectId: Type.Optional(Type.String({ maxLength: 200 })),
  from: Type.Optional(Type.String({ maxLength: 10, description: 'First day, YYYY-MM-DD or DD.MM.YYYY (Moscow time)' })),
  to: Type.Optional(Type.String({ maxLength: 10, description: 'Last day, included' })),
  text: Type.Optional(Type.String({ maxLength: 200, description: "A piece of the details' text, case-insensitive" })),
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'The nextBefore of the previous page' })),
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});

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
        const values = auditFormValues(request);
        const beforeText = query(request, 'before');
        const before = beforeText ? idOrNothing(beforeText) : undefined;
        const actions = await adminService.listAuditActions(ctx);
        try {
          const result = await adminService.listAudit(ctx, { ...values, before, limit: perPage });
          return reply.page(request.t('admin.audit'), <AuditView {...result} actions={actions} values={values} before={before} />);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return reply.page(request.t('admin.audit'), <AuditView items={[]} nextBefore={null} actions={actions} values={values} errors={errors} />, {
            status: 422,
          });
        }
      });

      app.get('/admin/audit.csv', { config: { policy: 'admin.audit' } }, async (request, reply) => {
        const filter = await adminService.auditFilter(ctx, auditFormValues(request));
        return reply
          .header('content-disposition', contentDisposition('audit.csv'))
          .header('cache-control', 'no-store')
          .type('text/csv; charset=utf-8')
          .send(Readable.from(auditCsv(adminService.auditExport(ctx, filter))));
      });

      app.get('/admin/territories/import', { config: { policy: 'territory.import' } }, (request, reply) =>
        reply.page(request.t('import.title'), <ImportView />),
      );

      app.post('/admin/territories/import', { config: { policy: 'territory.import' }, bodyLimit: 6 * 1024 * 1024 }, async (request, reply) => {
        const result = await importMunicipalities(ctx, uploadedText(form(request), 'file'), {
          actorId: request.actor?.id ?? null,
          renamed: ctx.ports.territories.placesRenamed,
        });
        const failed = result.problems.length > 0;
        return reply.page(request.t('import.title'), <ImportView result={result} problems={failed ? result.problems : undefined} />, {
          status: failed ? 422 : 200,
        });
      });

      app.get(
        '/api/v1/admin/audit',
        {
          config: { policy: 'admin.audit' },
          schema: {
            tags: ['admin'],
            operationId: 'listAudit',
            summary: 'The audit log, newest first, filtered (admins): who did what to which record, when and why',
            description: 'Append-only. Page with `before`: each answer gives the `nextBefore` of the next page, null on the last.',
            security: bearer,
            querystring: AuditQuery,
            response: {
              200: Type.Object({ items: Type.Array(AuditItemSchema), nextBefore: Type.Union([Type.Integer(), Type.Null()]) }),
              ...errorResponses(401, 403, 422),
            },
          },
        },
        async (request) => {
          const { perPage: size = 50, ...search } = request.query;
          const result = await adminService.listAudit(ctx, { ...search, limit: size });
          return {
            nextBefore: result.nextBefore,
            items: result.items.map(({ subjectHref, createdAt, ...item }) => ({
              ...item,
              createdAt: createdAt.toISOString(),
              subjectUrl: subjectHref ? `${ctx.config.baseUrl}${subjectHref}` : null,
            })),
          };
        },
      );

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
