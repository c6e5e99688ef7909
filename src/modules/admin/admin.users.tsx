/**
 * People: admins find an account by name or e-mail, read it and give it a role; moderators and admins block and
 * unblock it with a reason (moderators block citizens, admins anyone but themselves) on its block page. Pages and their REST
 * twins under /api/v1/admin/users; the accounts module does the work and writes the audit log.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { User, UserRole } from '../../core/db/schema.ts';
import { DomainError, type FieldProblem, problemsOf } from '../../core/errors.ts';
import { bearer, errorResponses, IdParams, PageQuery, paged } from '../../core/http/api-schemas.ts';
import { form, idParam, pageNumber, query, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { formatDate, type MessageKey } from '../../core/i18n/i18n.ts';
import { type Actor, can } from '../../core/policy.ts';
import { firstCharacters } from '../../core/text/characters.ts';
import { Breadcrumbs, Button, CsrfField, ErrorSummary, Field, type FormErrors, Pagination, SelectField } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import '../accounts/accounts.policy.ts';
import { fullName, publicName, reasonMaxLength, userRoles } from '../accounts/accounts.rules.ts';
import { blockUser, getUser, searchUsers, setUserRole, type UserListItem, unblockUser, userLabels } from '../accounts/accounts.service.ts';

const perPage = 50;

function RoleName({ role }: { role: UserRole }) {
  const { t } = usePage();
  return <>{t(`userRole.${role}` as MessageKey)}</>;
}

function BlockedTag() {
  const { t } = usePage();
  return <strong class="tag tag-user-blocked">{t('users.blocked')}</strong>;
}

function UsersView({ items, total, page, q }: { items: UserListItem[]; total: number; page: number; q: string }) {
  const { t, locale } = usePage();
  return (
    <section>
      <h1>{t('users.title')}</h1>
      <form method="get" action="/admin/users" class="filters" aria-label={t('users.search')}>
        <Field name="q" label={t('users.search')} hint={t('users.searchHint')} value={q} maxLength={200} />
        <Button>{t('users.find')}</Button>
      </form>
      <p>{t('users.found', { count: total })}</p>
      {items.length > 0 && (
        <table class="table">
          <caption class="visually-hidden">{t('users.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('users.name')}</th>
              <th scope="col">{t('users.email')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('users.registered')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((user) => (
              <tr key={user.id}>
                <td>
                  <a href={`/admin/users/${user.id}`}>{user.name}</a> {user.blocked && <BlockedTag />}
                </td>
                <td>{user.email}</td>
                <td>
                  <RoleName role={user.role} />
                </td>
                <td>{formatDate(locale, user.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination page={page} pageSize={perPage} total={total} href={(n) => `/admin/users?${new URLSearchParams({ ...(q ? { q } : {}), page: String(n) })}`} />
    </section>
  );
}

function ReasonField({ errors, value, hint }: { errors?: FormErrors | undefined; value?: string; hint: string }) {
  const { t } = usePage();
  return <Field name="reason" label={t('users.reason')} hint={hint} value={value} errors={errors} required multiline maxLength={reasonMaxLength} />;
}

interface UserPageProps {
  user: User;
  actor: Actor;
  blockedBy: string | null;
  errors?: FormErrors | undefined;
  values?: { role?: string; reason?: string };
}

function UserView({ user, actor, blockedBy, errors, values }: UserPageProps) {
  const { t, locale } = usePage();
  const subject = { id: user.id, role: user.role };
  return (
    <article>
      <Breadcrumbs items={[{ href: '/admin/users', label: t('users.title') }, { label: fullName(user) }]} />
      <h1>
        {fullName(user)} {user.blocked_at && <BlockedTag />}
      </h1>
      <ErrorSummary errors={errors} />
      <dl class="facts">
        <div>
          <dt>{t('users.email')}</dt>
          <dd>{user.email}</dd>
        </div>
        <div>
          <dt>{t('users.role')}</dt>
          <dd>
            <RoleName role={user.role} />
          </dd>
        </div>
        <div>
          <dt>{t('users.registered')}</dt>
          <dd>{formatDate(locale, user.created_at, true)}</dd>
        </div>
        <div>
          <dt>{t('users.emailVerified')}</dt>
          <dd>{user.email_verified_at ? formatDate(locale, user.email_verified_at, true) : t('users.notVerified')}</dd>
        </div>
        {user.blocked_at && (
          <div>
            <dt>{t('users.blockedAt')}</dt>
            <dd>
              {formatDate(locale, user.blocked_at, true)}
              {blockedBy ? `, ${blockedBy}` : ''}. {t('users.reason')}: {user.blocked_reason}
            </dd>
          </div>
        )}
      </dl>
      <p>
        <a href={`/admin/audit?subjectType=user&subjectId=${user.id}`}>{t('users.auditAbout')}</a>
        {' · '}
        <a href={`/admin/audit?actor=${user.id}`}>{t('users.auditBy')}</a>
      </p>
      {actor.role === 'admin' && (
        <section aria-labelledby="role-heading">
          <h2 id="role-heading">{t('users.roleHeading')}</h2>
          {can(actor, 'user.role', { user: subject, role: 'citizen' }) ? (
            <form method="post" action={`/admin/users/${user.id}/role`}>
              <CsrfField />
              <SelectField
                name="role"
                label={t('users.role')}
                options={userRoles.map((role) => ({ value: role, label: t(`userRole.${role}` as MessageKey) }))}
                value={values?.role ?? user.role}
                errors={errors}
                required
              />
              <ReasonField errors={errors} value={values?.reason} hint={t('users.roleReasonHint')} />
              <Button>{t('users.saveRole')}</Button>
            </form>
          ) : (
            <p>{t('errors.own_admin_role')}</p>
          )}
        </section>
      )}
      {can(actor, 'user.block', subject) && (
        <section aria-labelledby="block-heading" class="danger-zone">
          <h2 id="block-heading">{user.blocked_at ? t('users.unblockHeading') : t('users.blockHeading')}</h2>
          <p>{user.blocked_at ? t('users.unblockLead') : t('users.blockLead')}</p>
          <p>
            <a href={`/admin/users/${user.id}/${user.blocked_at ? 'unblock' : 'block'}`} class="button button-danger">
              {user.blocked_at ? t('users.unblock') : t('users.block')}
            </a>
          </p>
        </section>
      )}
    </article>
  );
}

/** The confirmation page of a block or an unblock: whom (the public name: a moderator sees no more), what will happen, the reason to give. */
function BlockConfirmView({ user, unblock, errors, reason }: { user: User; unblock: boolean; errors?: FormErrors | undefined; reason?: string }) {
  const { t, locale } = usePage();
  const name = publicName(user.first_name, user.surname);
  return (
    <section class="narrow">
      <h1>{unblock ? t('users.unblockTitle', { name }) : t('users.blockTitle', { name })}</h1>
      <ErrorSummary errors={errors} />
      {user.blocked_at && (
        <p>
          {t('users.blockedAt')}: {formatDate(locale, user.blocked_at, true)}. {t('users.reason')}: {user.blocked_reason}
        </p>
      )}
      <p>{unblock ? t('users.unblockLead') : t('users.blockLead')}</p>
      <form method="post" action={`/admin/users/${user.id}/${unblock ? 'unblock' : 'block'}`}>
        <CsrfField />
        <ReasonField errors={errors} value={reason} hint={unblock ? t('users.unblockReasonHint') : t('users.blockReasonHint')} />
        <Button variant={unblock ? 'primary' : 'danger'}>{unblock ? t('users.unblock') : t('users.block')}</Button>
      </form>
    </section>
  );
}

const RoleSchema = Type.Union([Type.Literal('citizen'), Type.Literal('moderator'), Type.Literal('admin')]);

const UserSchema = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  emailVerified: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  blocked: Type.Union([
    Type.Object({ at: Type.String({ format: 'date-time' }), reason: Type.String(), byId: Type.Union([Type.Integer(), Type.Null()]) }),
    Type.Null(),
  ]),
});

const ReasonBody = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: reasonMaxLength, description: 'Why; kept in the audit log (and shown to a blocked person)' }),
});
const RoleBody = Type.Object({
  role: RoleSchema,
  reason: ReasonBody.properties.reason,
});

const BlockStateSchema = Type.Object({ id: Type.Integer(), blocked: UserSchema.properties.blocked });

function blockJson(user: User) {
  return {
    id: user.id,
    blocked: user.blocked_at && user.blocked_reason !== null ? { at: user.blocked_at.toISOString(), reason: user.blocked_reason, byId: user.blocked_by } : null,
  };
}

function userJson(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: fullName(user),
    role: user.role,
    emailVerified: user.email_verified_at !== null,
    createdAt: user.created_at.toISOString(),
    blocked: user.blocked_at && user.blocked_reason !== null ? { at: user.blocked_at.toISOString(), reason: user.blocked_reason, byId: user.blocked_by } : null,
  };
}

function actorOfRequest(request: FastifyRequest): Actor {
  if (!request.actor) throw new DomainError('unauthenticated');
  return request.actor;
}

export function adminUsers(ctx: AppContext): AppModule {
  async function renderUser(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: number,
    extra: { errors?: FieldProblem[]; values?: { role?: string; reason?: string } } = {},
  ) {
    const user = await getUser(ctx, userId);
    const blockedBy = user.blocked_by === null ? null : ((await userLabels(ctx, [user.blocked_by])).get(user.blocked_by)?.name ?? null);
    return reply.page(
      fullName(user),
      <UserView user={user} actor={actorOfRequest(request)} blockedBy={blockedBy} errors={extra.errors} values={extra.values} />,
      {
        status: extra.errors ? 422 : 200,
      },
    );
  }

  async function confirmBlock(request: FastifyRequest, reply: FastifyReply, unblock: boolean) {
    const user = await getUser(ctx, idParam(request));
    const actor = actorOfRequest(request);
    if (!can(actor, 'user.block', { id: user.id, role: user.role })) throw new DomainError(actor.id === user.id ? 'cannot_act_on_self' : 'cannot_block_staff');
    // Already in the state asked for: the page that offers the way back.
    if (Boolean(user.blocked_at) === !unblock) return reply.redirect(`/admin/users/${user.id}/${unblock ? 'block' : 'unblock'}`, 303);
    const name = publicName(user.first_name, user.surname);
    const title = unblock ? request.t('users.unblockTitle', { name }) : request.t('users.blockTitle', { name });
    return reply.page(title, <BlockConfirmView user={user} unblock={unblock} />);
  }

  async function submitBlock(request: FastifyRequest, reply: FastifyReply, unblock: boolean) {
    const userId = idParam(request);
    const reason = text(form(request), 'reason', reasonMaxLength + 100);
    const input = { actorId: actorOfRequest(request).id, userId, reason, ip: request.ip };
    try {
      await (unblock ? unblockUser(ctx.db, input) : blockUser(ctx.db, input));
    } catch (error) {
      const errors = problemsOf(error);
      if (!errors) throw error;
      const user = await getUser(ctx, userId);
      const name = publicName(user.first_name, user.surname);
      const title = unblock ? request.t('users.unblockTitle', { name }) : request.t('users.blockTitle', { name });
      return reply.page(title, <BlockConfirmView user={user} unblock={unblock} errors={errors} reason={reason} />, { status: 422 });
    }
    // An admin goes back to the person's page; a moderator (who has none) to the page of the state just set.
    const next = can(request.actor, 'user.list') ? `/admin/users/${userId}` : `/admin/users/${userId}/${unblock ? 'block' : 'unblock'}`;
    return reply.flash(unblock ? 'flash.userUnblocked' : 'flash.userBlocked').redirectAfterPost(next);
  }

  return {
    name: 'admin-users',
    routes(app: App) {
      app.get('/admin/users', { config: { policy: 'user.list' } }, async (request, reply) => {
        const q = firstCharacters(query(request, 'q'), 200);
        const page = pageNumber(request);
        const result = await searchUsers(ctx, { text: q, limit: perPage, offset: (page - 1) * perPage });
        return reply.page(request.t('users.title'), <UsersView {...result} page={page} q={q} />);
      });

      app.get('/admin/users/:id', { config: { policy: 'user.list' } }, (request, reply) => renderUser(request, reply, idParam(request)));

      app.post('/admin/users/:id/role', { config: { policy: 'user.role' } }, async (request, reply) => {
        const userId = idParam(request);
        const body = form(request);
        const role = text(body, 'role', 20);
        const reason = text(body, 'reason', reasonMaxLength + 100);
        try {
          await setUserRole(ctx, { actorId: actorOfRequest(request).id, userId, role: role as UserRole, reason, ip: request.ip });
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderUser(request, reply, userId, { errors, values: { role, reason } });
        }
        return reply.flash('flash.roleChanged').redirectAfterPost(`/admin/users/${userId}`);
      });

      app.get('/admin/users/:id/block', { config: { policy: 'user.block' } }, (request, reply) => confirmBlock(request, reply, false));
      app.post('/admin/users/:id/block', { config: { policy: 'user.block' } }, (request, reply) => submitBlock(request, reply, false));
      app.get('/admin/users/:id/unblock', { config: { policy: 'user.block' } }, (request, reply) => confirmBlock(request, reply, true));
      app.post('/admin/users/:id/unblock', { config: { policy: 'user.block' } }, (request, reply) => submitBlock(request, reply, true));

      app.get(
        '/api/v1/admin/users',
        {
          config: { policy: 'user.list' },
          schema: {
            tags: ['admin'],
            operationId: 'listUsers',
            summary: 'People by name or e-mail, newest first (admins)',
            security: bearer,
            querystring: Type.Intersect([
              PageQuery,
              Type.Object({ q: Type.Optional(Type.String({ maxLength: 200, description: 'Words of the name or e-mail' })) }),
            ]),
            response: { 200: paged(Type.Omit(UserSchema, ['blocked'])), ...errorResponses(401, 403, 422) },
          },
        },
        async (request) => {
          const { page = 1, perPage: size = 50, q } = request.query;
          const result = await searchUsers(ctx, { text: q, limit: size, offset: (page - 1) * size });
          return {
            total: result.total,
            page,
            perPage: size,
            items: result.items.map(({ createdAt, blocked: _blocked, ...item }) => ({ ...item, createdAt: createdAt.toISOString() })),
          };
        },
      );

      app.get(
        '/api/v1/admin/users/:id',
        {
          config: { policy: 'user.list' },
          schema: {
            tags: ['admin'],
            operationId: 'getUser',
            summary: 'One account: role, verification, and its block with the reason (admins)',
            security: bearer,
            params: IdParams,
            response: { 200: UserSchema, ...errorResponses(401, 403, 404, 422) },
          },
        },
        async (request) => userJson(await getUser(ctx, request.params.id)),
      );

      app.put(
        '/api/v1/admin/users/:id/role',
        {
          config: { policy: 'user.role' },
          schema: {
            tags: ['admin'],
            operationId: 'setUserRole',
            summary: 'Give an account the role citizen, moderator or admin, with a reason (admins; not your own admin role)',
            security: bearer,
            params: IdParams,
            body: RoleBody,
            response: { 200: UserSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) =>
          userJson(
            await setUserRole(ctx, {
              actorId: actorOfRequest(request).id,
              userId: request.params.id,
              role: request.body.role,
              reason: request.body.reason,
              ip: request.ip,
            }),
          ),
      );

      for (const unblock of [false, true]) {
        app.post(
          `/api/v1/admin/users/:id/${unblock ? 'unblock' : 'block'}`,
          {
            config: { policy: 'user.block' },
            schema: {
              tags: ['admin'],
              operationId: unblock ? 'unblockUser' : 'blockUser',
              summary: unblock
                ? 'Lift a block, with a reason (moderators for citizens, admins for anyone but themselves)'
                : 'Block an account with a reason shown to its owner: its sessions and tokens are refused from their next request with the error code account_blocked, and it cannot sign in (moderators block citizens, admins anyone but themselves)',
              security: bearer,
              params: IdParams,
              body: ReasonBody,
              response: { 200: BlockStateSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
            },
          },
          async (request) => {
            const input = { actorId: actorOfRequest(request).id, userId: request.params.id, reason: request.body.reason, ip: request.ip };
            return blockJson(await (unblock ? unblockUser(ctx.db, input) : blockUser(ctx.db, input)));
          },
        );
      }
    },
  };
}
