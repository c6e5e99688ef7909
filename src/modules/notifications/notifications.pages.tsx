/** HTML routes of notifications: the list, the settings, and unsubscribing from a mail without signing in. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { DomainError, type FieldProblem, ValidationError } from '../../core/errors.ts';
import { type FormBody, form, idParam, pageNumber, requireActor, safeReturnPath, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import './notifications.policy.ts';
import { isMailChoice, kindList, type NotificationKind, type UnsubscribeTarget } from './notifications.rules.ts';
import * as notifications from './notifications.service.ts';
import { NotificationsView, PreferencesView, UnsubscribedView, UnsubscribeView } from './notifications.views.tsx';

const pageSize = 20;

function tokenParam(request: FastifyRequest): string {
  return (request.params as { token?: string }).token ?? '';
}

/** The settings form: a radio group per kind, a select per problem, two checkboxes (absent when unticked). */
function preferencesFromForm(body: FormBody, problemIds: number[]): { input: notifications.PreferencesInput; errors: FieldProblem[] } {
  const errors: FieldProblem[] = [];
  const kinds: Partial<Record<NotificationKind, 'immediately' | 'digest' | 'off'>> = {};
  for (const kind of kindList) {
    const value = text(body, `kind.${kind}`, 20);
    if (!value) continue;
    if (isMailChoice(value)) kinds[kind] = value;
    else errors.push({ field: `kind.${kind}`, rule: 'mailChoice' });
  }
  const problems: { problemId: number; choice: 'immediately' | 'digest' | 'off' | null }[] = [];
  for (const problemId of problemIds) {
    const value = text(body, `problem.${problemId}`, 20);
    if (!value) continue;
    if (value === 'inherit') problems.push({ problemId, choice: null });
    else if (isMailChoice(value)) problems.push({ problemId, choice: value });
    else errors.push({ field: `problem.${problemId}`, rule: 'mailChoice' });
  }
  return {
    input: { mailEnabled: text(body, 'mailEnabled', 5) === 'yes', unlimitedAppealMail: text(body, 'unlimitedAppealMail', 5) === 'yes', kinds, problems },
    errors,
  };
}

export function notificationPages(ctx: AppContext): AppModule {
  const unsubscribeRateLimit = { max: 30, timeWindow: '1 minute' };

  async function renderPreferences(request: FastifyRequest, reply: FastifyReply, errors: FieldProblem[]) {
    const preferences = await notifications.getPreferences(ctx, requireActor(request));
    return reply.page(request.t('preferences.title'), <PreferencesView preferences={preferences} errors={errors} />, { status: errors.length ? 422 : 200 });
  }

  return {
    name: 'notifications.pages',
    routes(app: App) {
      app.get('/notifications', { config: { policy: 'notification.list' } }, async (request, reply) => {
        const page = pageNumber(request);
        const list = await notifications.listNotifications(ctx, requireActor(request), { limit: pageSize, offset: (page - 1) * pageSize });
        return reply.page(request.t('notifications.title'), <NotificationsView page={list} pageNumber={page} pageSize={pageSize} />);
      });

      app.post('/notifications/:id/read', { config: { policy: 'notification.list' } }, async (request, reply) => {
        await notifications.markRead(ctx, requireActor(request), idParam(request));
        return reply.flash('flash.notificationRead').redirectAfterPost(safeReturnPath(text(form(request), 'return', 200), '/notifications'));
      });

      app.post('/notifications/read-all', { config: { policy: 'notification.list' } }, async (request, reply) => {
        await notifications.markAllRead(ctx, requireActor(request));
        return reply.flash('flash.notificationsRead').redirectAfterPost(safeReturnPath(text(form(request), 'return', 200), '/notifications'));
      });

      app.get('/account/notifications', { config: { policy: 'notification.preferences' } }, (request, reply) => renderPreferences(request, reply, []));

      app.post('/account/notifications', { config: { policy: 'notification.preferences' } }, async (request, reply) => {
        const actor = requireActor(request);
        const current = await notifications.getPreferences(ctx, actor);
        const { input, errors } = preferencesFromForm(
          form(request),
          current.problems.map((p) => p.problemId),
        );
        if (errors.length > 0) return renderPreferences(request, reply, errors);
        try {
          await notifications.savePreferences(ctx, actor, input);
        } catch (error) {
          if (error instanceof ValidationError) return renderPreferences(request, reply, error.fields);
          throw error;
        }
        return reply.flash('flash.preferencesSaved').redirectAfterPost('/account/notifications');
      });

      app.get('/unsubscribe/:token', { config: { policy: 'notification.unsubscribe', rateLimit: unsubscribeRateLimit } }, async (request, reply) => {
        const token = tokenParam(request);
        const { scope, targets } = notifications.readUnsubscribeLink(ctx, token);
        // Never indexed, never cached: the page is one person's.
        reply.header('x-robots-tag', 'noindex');
        return reply.page(request.t('unsubscribe.title'), <UnsubscribeView token={token} scope={scope} targets={targets} />);
      });

      app.get('/unsubscribe/:token/done', { config: { policy: 'notification.unsubscribe', rateLimit: unsubscribeRateLimit } }, async (request, reply) => {
        const { scope, targets } = notifications.readUnsubscribeLink(ctx, tokenParam(request));
        const asked = (request.query as { target?: string } | undefined)?.target as UnsubscribeTarget | undefined;
        const target = asked && targets.includes(asked) ? asked : (targets[0] as UnsubscribeTarget);
        reply.header('x-robots-tag', 'noindex');
        return reply.page(request.t('unsubscribe.doneTitle'), <UnsubscribedView scope={scope} target={target} />);
      });

      app.post(
        '/unsubscribe/:token',
        { config: { policy: 'notification.unsubscribe', csrf: false, rateLimit: unsubscribeRateLimit } },
        async (request, reply) => {
          const body = form(request);
          const target = text(body, 'target', 20);
          const oneClick = text(body, 'List-Unsubscribe', 20) === 'One-Click';
          if (target && !['problem', 'kind', 'all'].includes(target)) throw new DomainError('unsubscribe_invalid');
          const done = await notifications.unsubscribe(ctx, tokenParam(request), (target || undefined) as UnsubscribeTarget | undefined);
          // RFC 8058: the mail client's POST must not be answered with a redirect.
          if (oneClick || !target) {
            return reply.page(request.t('unsubscribe.doneTitle'), <UnsubscribedView scope={done.scope} target={done.target} />);
          }
          return reply.redirectAfterPost(`/unsubscribe/${tokenParam(request)}/done?target=${done.target}`);
        },
      );
    },
  };
}
