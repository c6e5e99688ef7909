/** REST routes of notifications under /api/v1: one's list, marking read, and the mail settings. */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { Notification } from '../../core/db/schema.ts';
import { bearer, errorResponses, Id, IdParams, PageQuery } from '../../core/http/api-schemas.ts';
import { requireActor } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import './notifications.policy.ts';
import { effectiveChoice, type NotificationKind } from './notifications.rules.ts';
import * as notifications from './notifications.service.ts';
import { notificationPath, notificationText } from './notifications.texts.ts';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

const Kind = Type.Union(
  [
    Type.Literal('appeal.sent'),
    Type.Literal('appeal.threshold_reached'),
    Type.Literal('appeal.withdrawn'),
    Type.Literal('appeal.overdue'),
    Type.Literal('appeal.letter_received'),
    Type.Literal('appeal.answered'),
    Type.Literal('appeal.closed'),
    Type.Literal('appeal.closed_unanswered'),
    Type.Literal('appeal.escalated'),
    Type.Literal('problem.solved'),
    Type.Literal('appeal.extended'),
    Type.Literal('appeal.forwarded'),
    Type.Literal('membership.approved'),
    Type.Literal('membership.rejected'),
    Type.Literal('cabinet.appeal_received'),
    Type.Literal('cabinet.appeal_assigned'),
    Type.Literal('cabinet.answer_submitted'),
    Type.Literal('cabinet.answer_returned'),
    Type.Literal('cabinet.webhook_disabled'),
    Type.Literal('cabinet.message'),
    Type.Literal('cabinet.message_received'),
    Type.Literal('moderation.hidden_pending'),
    Type.Literal('moderation.hidden'),
    Type.Literal('moderation.restored'),
    Type.Literal('moderation.appeal_upheld'),
    Type.Literal('moderation.appeal_reversed'),
    Type.Literal('signature.invalidated'),
    Type.Literal('appeal.amended'),
    Type.Literal('amendment.proposed'),
    Type.Literal('amendment.accepted'),
    Type.Literal('amendment.rejected'),
  ],
  { description: 'What happened' },
);
// The schema lists the kinds by hand; this fails to compile when the rules gain one the API lacks.
const everyKindListed: NotificationKind extends import('typebox').Static<typeof Kind> ? true : never = true;
void everyKindListed;

const MailChoice = Type.Union([Type.Literal('immediately'), Type.Literal('digest'), Type.Literal('off')], {
  description: 'immediately: a mail at once; digest: in the daily digest; off: on the site only',
});

const NotificationSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.String({
    description:
      'appeal.sent, appeal.threshold_reached, appeal.withdrawn, appeal.overdue, appeal.letter_received, appeal.answered, appeal.closed, appeal.closed_unanswered, appeal.escalated, appeal.extended, appeal.forwarded, problem.solved, membership.approved, membership.rejected, cabinet.appeal_received, cabinet.appeal_assigned, cabinet.answer_submitted, cabinet.answer_returned, cabinet.webhook_disabled, cabinet.message, cabinet.message_received, moderation.hidden_pending, moderation.hidden, moderation.restored, moderation.appeal_upheld, moderation.appeal_reversed, signature.invalidated, appeal.amended, amendment.proposed, amendment.accepted, amendment.rejected (more may come)',
  }),
  reason: Type.Union([Type.Literal('author'), Type.Literal('signer'), Type.Literal('follower'), Type.Literal('official')], {
    description: 'Why you were told: official — as a member of the organization whose cabinet it concerns',
  }),
  problemId: Nullable(Type.Integer()),
  appealId: Nullable(Type.Integer()),
  text: Type.String({ description: 'The notification in the request language' }),
  url: Type.String({ description: 'The page it is about' }),
  data: Type.Record(Type.String(), Type.Unknown()),
  mail: Type.Union([Type.Literal('immediately'), Type.Literal('digest'), Type.Literal('off'), Type.Literal('capped')], {
    description: 'What became of its mail; capped: not mailed, the limit of mails about this appeal was reached',
  }),
  createdAt: DateTime,
  readAt: Nullable(DateTime),
});

const NotificationList = Type.Object({
  items: Type.Array(NotificationSchema),
  total: Type.Integer(),
  unread: Type.Integer(),
  page: Type.Integer(),
  perPage: Type.Integer(),
});

const PreferencesSchema = Type.Object({
  mailEnabled: Type.Boolean({ description: 'false: no notification mail at all' }),
  unlimitedAppealMail: Type.Boolean({ description: 'true: more than 5 mails about one appeal you signed' }),
  kinds: Type.Array(
    Type.Object({
      kind: Kind,
      choice: Nullable(MailChoice),
      default: MailChoice,
      effective: MailChoice,
    }),
  ),
  problems: Type.Array(
    Type.Object({
      problemId: Type.Integer(),
      title: Type.String(),
      choice: Nullable(MailChoice),
      following: Type.Boolean(),
    }),
  ),
});

const PreferencesUpdate = Type.Object(
  {
    mailEnabled: Type.Optional(Type.Boolean()),
    unlimitedAppealMail: Type.Optional(Type.Boolean()),
    kinds: Type.Optional(Type.Array(Type.Object({ kind: Kind, choice: MailChoice }), { maxItems: 50 })),
    problems: Type.Optional(
      Type.Array(Type.Object({ problemId: Id, choice: Type.Union([MailChoice, Type.Null()], { description: 'null: as for the kind' }) }), { maxItems: 500 }),
    ),
  },
  { additionalProperties: false },
);

function preferencesJson(preferences: notifications.Preferences) {
  return {
    mailEnabled: preferences.mailEnabled,
    unlimitedAppealMail: preferences.unlimitedAppealMail,
    kinds: preferences.kinds.map((kind) => ({
      kind: kind.kind,
      choice: kind.choice,
      default: kind.default,
      effective: effectiveChoice(kind.kind, { mailEnabled: preferences.mailEnabled, kind: kind.choice, problem: null }),
    })),
    problems: preferences.problems,
  };
}

export function notificationApi(ctx: AppContext): AppModule {
  return {
    name: 'notifications.api',
    routes(app: App) {
      const json = (request: { locale: 'ru' | 'en' }, notification: Notification) => ({
        id: notification.id,
        kind: notification.kind,
        reason: notification.reason,
        problemId: notification.problem_id,
        appealId: notification.appeal_id,
        text: notificationText(request.locale, notification),
        url: `${ctx.config.baseUrl}${notificationPath(notification)}`,
        data: notification.data,
        mail: notification.mail,
        createdAt: notification.created_at.toISOString(),
        readAt: notification.read_at?.toISOString() ?? null,
      });

      app.get(
        '/api/v1/notifications',
        {
          config: { policy: 'notification.list' },
          schema: {
            tags: ['notifications'],
            operationId: 'listNotifications',
            summary: 'Your notifications, newest first',
            security: bearer,
            querystring: Type.Object({
              ...PageQuery.properties,
              unread: Type.Optional(Type.Boolean({ description: 'true: only the unread ones' })),
            }),
            response: { 200: NotificationList, ...errorResponses(401, 422) },
          },
        },
        async (request) => {
          const page = request.query.page ?? 1;
          const perPage = request.query.perPage ?? 50;
          const list = await notifications.listNotifications(ctx, requireActor(request), {
            limit: perPage,
            offset: (page - 1) * perPage,
            unreadOnly: request.query.unread === true,
          });
          return { items: list.items.map((item) => json(request, item)), total: list.total, unread: list.unread, page, perPage };
        },
      );

      app.post(
        '/api/v1/notifications/:id/read',
        {
          config: { policy: 'notification.list' },
          schema: {
            tags: ['notifications'],
            operationId: 'markNotificationRead',
            summary: 'Mark one of your notifications as read',
            security: bearer,
            params: IdParams,
            response: { 200: NotificationSchema, ...errorResponses(401, 404, 422) },
          },
        },
        async (request) => json(request, await notifications.markRead(ctx, requireActor(request), request.params.id)),
      );

      app.post(
        '/api/v1/notifications/read-all',
        {
          config: { policy: 'notification.list' },
          schema: {
            tags: ['notifications'],
            operationId: 'markAllNotificationsRead',
            summary: 'Mark all your notifications as read',
            security: bearer,
            response: { 200: Type.Object({ marked: Type.Integer({ description: 'How many were unread' }) }), ...errorResponses(401) },
          },
        },
        async (request) => ({ marked: await notifications.markAllRead(ctx, requireActor(request)) }),
      );

      app.get(
        '/api/v1/me/notification-preferences',
        {
          config: { policy: 'notification.preferences' },
          schema: {
            tags: ['notifications'],
            operationId: 'getNotificationPreferences',
            summary: 'What is e-mailed to you: per kind, per problem, and overall',
            security: bearer,
            response: { 200: PreferencesSchema, ...errorResponses(401) },
          },
        },
        async (request) => preferencesJson(await notifications.getPreferences(ctx, requireActor(request))),
      );

      app.put(
        '/api/v1/me/notification-preferences',
        {
          config: { policy: 'notification.preferences' },
          schema: {
            tags: ['notifications'],
            operationId: 'updateNotificationPreferences',
            summary: 'Change what is e-mailed to you; fields left out stay as they are',
            security: bearer,
            body: PreferencesUpdate,
            response: { 200: PreferencesSchema, ...errorResponses(400, 401, 403, 422) },
          },
        },
        async (request) => {
          const body = request.body;
          const saved = await notifications.savePreferences(ctx, requireActor(request), {
            ...(body.mailEnabled !== undefined ? { mailEnabled: body.mailEnabled } : {}),
            ...(body.unlimitedAppealMail !== undefined ? { unlimitedAppealMail: body.unlimitedAppealMail } : {}),
            ...(body.kinds ? { kinds: Object.fromEntries(body.kinds.map((k) => [k.kind, k.choice])) } : {}),
            ...(body.problems ? { problems: body.problems } : {}),
          });
          return preferencesJson(saved);
        },
      );
    },
  };
}
