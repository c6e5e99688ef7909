/**
 * The records a fuzzed operation or form acts on, made afresh for each one: a fuzzed request may succeed
 * (withdraw the appeal, revoke a token, delete the account, log out), and the next must not start from
 * its ruins. One person owns them all, so that author-only actions get past their policy to their input.
 */
import type { AppContext } from '../../src/core/context.ts';
import type { Organization } from '../../src/core/db/schema.ts';
import type { Actor } from '../../src/core/policy.ts';
import { mailPasswordReset, requestEmailChange } from '../../src/modules/accounts/accounts.service.ts';
import { recordSelfSent } from '../../src/modules/appeals/appeals.service.ts';
import { saveTemplate } from '../../src/modules/cabinet/cabinet.answers.ts';
import { saveView } from '../../src/modules/cabinet/cabinet.inbox.ts';
import { requestMembership } from '../../src/modules/cabinet/cabinet.members.ts';
import { createEndpoint, deleteEndpoint, listEndpoints } from '../../src/modules/cabinet/cabinet.webhooks.ts';
import { appealDecision, decide } from '../../src/modules/moderation/moderation.service.ts';
import { notify } from '../../src/modules/notifications/notifications.service.ts';
import {
  actorOf,
  addComment,
  addMember,
  apiTokenFor,
  createAppeal,
  createOrganization,
  createProblem,
  createUser,
  factoryPassword,
  openAppeal,
  reportContent,
  sessionCookieFor,
  sign,
  verifiedCitizen,
} from './factories.ts';

export interface Shared {
  territoryId: number;
  categoryId: number;
  organization: Organization;
}

let made = 0;

/** A new webhook endpoint of the shared organization, after deleting all but its newest few (it keeps at most ten). */
async function freshEndpoint(ctx: AppContext, head: Actor, organization: Organization) {
  const existing = await listEndpoints(ctx, head, organization);
  for (const endpoint of [...existing].sort((a, b) => a.id - b.id).slice(0, Math.max(0, existing.length - 5))) {
    await deleteEndpoint(ctx, head, organization, endpoint.id);
  }
  return createEndpoint(ctx, head, organization, { url: `https://hooks-${made}.democrator.invalid/fuzz`, events: ['appeal.received'] });
}

export async function fuzzRecords(ctx: AppContext, shared: Shared, options: { admin?: boolean } = {}) {
  made += 1;
  const user = options.admin ? await createUser(ctx, { role: 'admin' }) : await verifiedCitizen(ctx, { surname: 'Проверкина', firstName: 'Вера' });
  const neighbour = await verifiedCitizen(ctx, { surname: 'Соседова', firstName: 'Нина' });
  const cookie = await sessionCookieFor(ctx, user);
  const token = await apiTokenFor(ctx, user);
  // A second token, for the operations that revoke one: the caller's own stays valid.
  await apiTokenFor(ctx, user, 'второй');
  const tokenIds = (await ctx.db.selectFrom('api_tokens').select('id').where('user_id', '=', user.id).orderBy('id').execute()).map((row) => row.id).slice(1);

  const { territoryId, categoryId, organization } = shared;
  // The person heads the shared organization's cabinet too, so the cabinet's operations get past their policy to their input:
  // an appeal sent to it, a template, a saved view, and a neighbour's request to join it (the administrator's decision).
  if (!options.admin) await addMember(ctx, organization, user, 'head', 'глава');
  const head = actorOf(user, { memberships: new Map([[organization.id, 'head']]) });
  const template = options.admin
    ? null
    : await saveTemplate(ctx, head, organization, null, { title: `Шаблон ${made}`, body: 'По обращению {номер} сообщаем.' });
  const view = options.admin ? null : await saveView(ctx, head, organization, { name: `Вид ${made}`, query: 'state=all' });
  // A webhook endpoint on a name that resolves nowhere (.invalid): a test event the fuzz sends fails at once, offline.
  // The organization keeps at most ten, and every record set shares it: the oldest go before a new one comes.
  const webhook = options.admin ? null : await freshEndpoint(ctx, head, organization);
  const problem = await createProblem(ctx, { author: user, territoryId, categoryId });
  const comment = await addComment(ctx, neighbour, problem.id);
  const draft = await createAppeal(ctx, { author: user, problem, organization });
  const collecting = await openAppeal(ctx, { author: user, organization });
  // Someone else's appeal the person signed: its page offers to withdraw the signature.
  const signed = await openAppeal(ctx, { author: neighbour, organization });
  await sign(ctx, signed.appeal.id, user);

  await ctx.db.transaction().execute((trx) =>
    notify(
      ctx,
      trx,
      {
        kind: 'appeal.sent',
        problemId: collecting.problem.id,
        appealId: collecting.appeal.id,
        key: `fuzz-${made}`,
        data: { title: collecting.appeal.title, organization: organization.name, answerDueAt: '2030-01-31T09:00:00.000Z' },
      },
      [{ userId: user.id, reason: 'follower' }],
    ),
  );
  const notificationIds = (await ctx.db.selectFrom('notifications').select('id').where('user_id', '=', user.id).execute()).map((row) => row.id);

  // The links people follow from their mail: reset the password, confirm a new address, verify a new account.
  const unverified = await createUser(ctx, { verified: false });
  // What the password-reset job does, done here: waiting for the job would cost a poll of its queue per record set.
  await mailPasswordReset(ctx, user.email);
  await requestEmailChange(ctx, user.id, `changed-${made}-${process.pid}@example.test`, factoryPassword);
  const mails = await ctx.db
    .selectFrom('mail_messages')
    .select('text_body')
    .where('to_address', 'in', [user.email, unverified.email, `changed-${made}-${process.pid}@example.test`])
    .execute();
  const mailedLinks = [...new Set(mails.flatMap((mail) => [...mail.text_body.matchAll(/\/[a-z-]+\?token=[A-Za-z0-9_-]+/g)].map((match) => match[0])))];

  // Sent to the shared organization (by its author): in the cabinet's inbox, awaiting an answer.
  const sentToOrganization = await openAppeal(ctx, { author: neighbour, organization });
  await sign(ctx, sentToOrganization.appeal.id, user);
  await recordSelfSent(ctx, actorOf(neighbour), sentToOrganization.appeal.id, { sentOn: new Date(), registrationNumber: '' });
  const membershipRequest = await requestMembership(ctx, actorOf(neighbour), organization.slug, { position: 'специалист', note: '' });
  const cabinet = {
    slug: organization.slug,
    appealId: sentToOrganization.appeal.id,
    templateId: template?.id ?? 1,
    viewId: view?.id ?? 1,
    webhookId: webhook?.id ?? 1,
    requestId: membershipRequest.id,
  };

  // Moderation: the neighbour's comment reported (a case to decide), the person's own comment hidden (his to appeal),
  // and the neighbour's other comment hidden and appealed (an administrator's to decide).
  const reporter = await verifiedCitizen(ctx, { surname: 'Сигнальная', firstName: 'Зоя' });
  const decider = actorOf(await createUser(ctx, { role: 'moderator' }));
  const reported = await reportContent(ctx, 'comment', comment.id, reporter, 'abuse');
  const hidden = async (author: typeof user) => {
    const own = await addComment(ctx, author, problem.id, 'Комментарий, который скрыл модератор.');
    const { caseId } = await reportContent(ctx, 'comment', own.id, reporter, 'spam');
    await decide(ctx, decider, { caseIds: [caseId], decision: 'hide', reason: 'Проверка модерации.' });
    return caseId;
  };
  const appealable = await hidden(user);
  const appealed = await hidden(neighbour);
  await appealDecision(ctx, actorOf(neighbour), appealed, { text: 'Прошу пересмотреть это решение.' });
  const moderation = { reportedCase: reported.caseId, appealableCase: appealable, appealedCase: appealed };

  // An organization of its own for the merge forms: a fuzzed merge that went through would take only this one.
  const mergeable = await createOrganization(ctx, { name: `Дубликат для проверки ${made}` });

  // A signature flagged at signing (a throwaway mailbox) on the neighbour's collecting appeal, which the person neither
  // wrote nor signed: the moderators' signature pages and operations act on it.
  const throwaway = await verifiedCitizen(ctx, { surname: 'Одноразова', firstName: 'Ольга', email: `throwaway-${made}-${process.pid}@mailinator.com` });
  const flaggedAppeal = await openAppeal(ctx, { author: neighbour, organization });
  const flaggedSignature = await sign(ctx, flaggedAppeal.appeal.id, throwaway);
  const flagged = { appealId: flaggedAppeal.appeal.id, signatureId: flaggedSignature.signatureId };

  return {
    user,
    neighbour,
    cookie,
    token,
    tokenIds,
    problem,
    comment,
    draft,
    collecting,
    signed,
    notificationIds,
    mailedLinks,
    cabinet,
    moderation,
    mergeable,
    flagged,
  };
}

export type FuzzRecords = Awaited<ReturnType<typeof fuzzRecords>>;
