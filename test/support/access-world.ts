/**
 * One world for the access matrix and the leak check (src/access-matrix.int.test.ts): the six kinds of
 * actor, each signed in (session cookie with a CSRF token for pages, a personal token for the API, an
 * address of its own so per-address rate limits never mix them), and the records the routes act on,
 * built once through the factories (so through the services).
 *
 * A route whose success changes its record (withdraw, open, mark solved, revoke…) gets a record of
 * its own, so no other row sees the change; the actors of one row run one after the other, the author
 * last, so a refusal is always asked of the record as it was.
 */

import sharp from 'sharp';
import type { AppContext } from '../../src/core/context.ts';
import type { Appeal, Organization, Problem, User } from '../../src/core/db/schema.ts';
import type { App } from '../../src/core/http/server.tsx';
import { processPhoto } from '../../src/core/images/photos.ts';
import { createApiToken, createSession } from '../../src/modules/accounts/accounts.service.ts';
import { decideLetter, processInbound, receiveInbound } from '../../src/modules/answers/answers.service.ts';
import { proposeAmendment } from '../../src/modules/appeals/appeals.amendments.ts';
import { dispatchAppeal } from '../../src/modules/appeals/appeals.dispatch.ts';
import { replyAddress } from '../../src/modules/appeals/appeals.reply-address.ts';
import { joinDraft, setDraftShared } from '../../src/modules/appeals/appeals.revisions.ts';
import { getAppealRow, recordSelfSent } from '../../src/modules/appeals/appeals.service.ts';
import { writeToCitizen, writeToSigners } from '../../src/modules/cabinet/cabinet.threads.ts';
import { addDraftComment } from '../../src/modules/drafting/drafting.comments.ts';
import { appealDecision, decide } from '../../src/modules/moderation/moderation.service.ts';
import { unsubscribeToken } from '../../src/modules/notifications/notifications.rules.ts';
import { keepPendingPhotos } from '../../src/modules/problems/problems.pending-photos.ts';
import {
  actorOf as actorOfUser,
  addComment,
  addMember,
  addPhotos,
  apiTokenFor,
  createAppeal,
  createOrganization,
  createProblem,
  createUser,
  defaultAppealText,
  defaultMunicipality,
  openAppeal,
  reportContent,
  sessionCookieFor,
  sign,
  verifiedCitizen,
} from './factories.ts';
import { csrfFrom } from './http.ts';
import { waitFor } from './wait.ts';

export const actorNames = ['anonymous', 'unverified', 'citizen', 'author', 'moderator', 'admin'] as const;
export type ActorName = (typeof actorNames)[number];

export interface Credentials {
  name: ActorName | 'stranger' | 'signer';
  user: User | null;
  /** Cookie header: the session (when signed in) and the CSRF secret. */
  cookie: string;
  csrf: string;
  bearer: string | null;
  remoteAddress: string;
}

/** A person who signs, with data distinctive enough that any trace of it in a response is found. */
export interface Signer {
  user: User;
  /** As typed on the sign form: surname, first name, patronymic. */
  fullName: string;
  surname: string;
  firstName: string;
  postalAddress: string;
  /** A street name found in nothing but this signer's addresses. */
  street: string;
  /** The address on the signer's profile (not the one given when signing). */
  profileAddress: string;
  profileStreet: string;
  email: string;
  consentPublicName: boolean;
}

export interface World {
  ctx: AppContext;
  actors: Record<ActorName, Credentials>;
  /** A second verified citizen who signed nothing: "another citizen" of the leak check. */
  stranger: Credentials;
  /** A signer of the sent appeal who did not consent to be named (and was told it went out), looking at the site: it may see its own data only. */
  signerViewer: Credentials;
  /** Whose e-mail and password the login rows use. */
  loginTarget: User;
  municipalityId: number;
  categoryId: number;
  organization: Organization;
  /** For the admin's edit rows, so the addressee of the appeals keeps its data. */
  editableOrganization: Organization;
  /** Addressees of the appeals the author drafts in the matrix (one open appeal per problem and addressee). */
  newDraftAddressees: { page: Organization; api: Organization };
  /** The author's open problem: appeals, a photo, comments, followers. */
  problem: Problem;
  problems: { solvedByPage: Problem; solvedByApi: Problem };
  appeals: {
    draft: Appeal;
    /** Collecting, signed by every signer of `signers.collecting` and by the citizen. */
    collecting: Appeal;
    /** Reached its threshold and went out (its PDF is the addressee's letter). */
    sent: Appeal;
    revisedByPage: Appeal;
    revisedByApi: Appeal;
    openedByPage: Appeal;
    openedByApi: Appeal;
    signedByPage: Appeal;
    signedByApi: Appeal;
    /** Collecting, signed by the citizen (who withdraws that signature). */
    signatureWithdrawnByPage: Appeal;
    signatureWithdrawnByApi: Appeal;
    recordedSentByPage: Appeal;
    recordedSentByApi: Appeal;
    withdrawnByPage: Appeal;
    withdrawnByApi: Appeal;
    /** Drafts of co-writing: shared (anyone reads, verified citizens join), or shared with a co-author (the stranger; the citizen in those he leaves). */
    sharedDraft: Appeal;
    joinedByPage: Appeal;
    joinedByApi: Appeal;
    coWritten: Appeal;
    coauthorLeftByPage: Appeal;
    coauthorLeftByApi: Appeal;
    coauthorRemovedByPage: Appeal;
    coauthorRemovedByApi: Appeal;
    textSavedByPage: Appeal;
    textSavedByApi: Appeal;
    sharedByPage: Appeal;
    lockedByPage: Appeal;
    settingsByApi: Appeal;
    restoredByPage: Appeal;
    restoredByApi: Appeal;
    /** Collecting, with amendment 1 proposed by the stranger: read, discussed and added to; and two whose amendment the author accepts. */
    amended: Appeal;
    amendmentAcceptedByPage: Appeal;
    amendmentAcceptedByApi: Appeal;
    /** Sent by the author, not yet registered: the registration rows record its registration (once). */
    registeredByPage: Appeal;
    registeredByApi: Appeal;
    /** Signed by the citizen, sent by the author, its e-mailed answer confirmed: in its review window. */
    inReview: Appeal;
    /** Sent by the author, awaiting the answer that the upload rows publish (once). */
    answerUploadedByPage: Appeal;
    answerUploadedByApi: Appeal;
    answerPublishedByPage: Appeal;
    answerPublishedByApi: Appeal;
  };
  signers: { collecting: Signer[]; sent: Signer[]; all: Signer[] };
  /** Ids of the author's API tokens that the revoke rows revoke (never the one the author calls with). */
  tokens: { revokedByPage: number; revokedByApi: number };
  /** The author's notification (the sent appeal's), which only the author may mark read. */
  /** A thread of the shared draft's discussion, started by the stranger. */
  draftThreadId: number;
  notificationId: number;
  mailId: number;
  /** The sent appeal's letter in the outbox and its PDF attachment. */
  letter: { mailId: number; attachmentId: number };
  /**
   * Letters from the addressee to the sent appeal, pending the author's word: one decided by the page's
   * rows, one by the API's, one with an attachment that stays pending (only its deciders may download it).
   */
  letters: { decidedByPage: number; decidedByApi: number; withAttachment: number };
  /** The sent appeal's addressee wrote to its author (a thread) and once to all its signers (the author among them). */
  messages: { threadId: number; broadcastId: number };
  /** A photo the author attached to a problem form not yet sent. */
  pendingPhotoId: number;
  /** Moderation cases: reported (in the queue), the author's hidden comment (appealable), one the author appealed. */
  moderation: { reportedCase: number; appealableCase: number; appealedCase: number };
  unsubscribeToken: string;
  png: Buffer;
}

/** A session cookie plus a CSRF secret and its token, as a browser has after loading any form. */
async function browserCredentials(app: App, sessionCookie: string | null, remoteAddress: string): Promise<{ cookie: string; csrf: string }> {
  const response = await app.inject({ method: 'GET', url: '/forgot-password', remoteAddress, headers: sessionCookie ? { cookie: sessionCookie } : {} });
  const setCookies = ([] as string[]).concat((response.headers['set-cookie'] as string[] | string | undefined) ?? []);
  const csrfCookie = setCookies.map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith('_csrf='));
  if (!csrfCookie) throw new Error('the form page set no CSRF cookie');
  return { cookie: [sessionCookie, csrfCookie].filter(Boolean).join('; '), csrf: csrfFrom(response.body) };
}

let addressCounter = 0;
export async function credentials(app: App, ctx: AppContext, name: Credentials['name'], user: User | null): Promise<Credentials> {
  addressCounter += 1;
  const remoteAddress = `10.9.0.${addressCounter}`;
  const session = user ? await sessionCookieFor(ctx, user) : null;
  const browser = await browserCredentials(app, session, remoteAddress);
  return { name, user, ...browser, bearer: user ? await apiTokenFor(ctx, user, 'access matrix') : null, remoteAddress };
}

/** The same actor in a fresh session, for rows that end or replace the session they arrive with. */
export async function freshSession(app: App, ctx: AppContext, actor: Credentials): Promise<Credentials> {
  if (!actor.user) return actor;
  const session = `dm_session=${await createSession(ctx, actor.user.id, 'access matrix')}`;
  return { ...actor, ...(await browserCredentials(app, session, actor.remoteAddress)) };
}

const signerData = [
  { surname: 'Громобоев', firstName: 'Евлампий', patronymic: 'Феоктистович', street: 'Заречно-Лесная', profileStreet: 'Колокольникова', consent: true },
  { surname: 'Тихомирская', firstName: 'Аполлинария', patronymic: 'Сидоровна', street: 'Незабудковая', profileStreet: 'Ручейниковая', consent: false },
  { surname: 'Златоустов', firstName: 'Доримедонт', patronymic: 'Ильич', street: 'Черёмуховая-Дальняя', profileStreet: 'Окуневская', consent: true },
  { surname: 'Пересветова', firstName: 'Евстолия', patronymic: 'Марковна', street: 'Полынная', profileStreet: 'Жаворонковая', consent: false },
  // The sent appeal's two signers.
  { surname: 'Ясногорский', firstName: 'Онуфрий', patronymic: 'Львович', street: 'Вересковая', profileStreet: 'Малиновского-Верхняя', consent: true },
  { surname: 'Белозерцева', firstName: 'Феврония', patronymic: 'Саввична', street: 'Клюквенная', profileStreet: 'Брусничная-Нижняя', consent: false },
] as const;

async function signer(ctx: AppContext, index: number): Promise<Signer> {
  const data = signerData[index];
  if (!data) throw new Error(`no signer ${index}`);
  const profileAddress = `170${index}11, г. Тверь, ул. ${data.profileStreet}, д. ${40 + index}, кв. ${300 + index}`;
  const email = `${data.street.toLowerCase().replaceAll(/[^a-zа-яё]/g, '')}-${process.pid}@signers.example`;
  const user = await verifiedCitizen(ctx, {
    surname: data.surname,
    firstName: data.firstName,
    patronymic: data.patronymic,
    postalAddress: profileAddress,
    email,
  });
  return {
    user,
    fullName: `${data.surname} ${data.firstName} ${data.patronymic}`,
    surname: data.surname,
    firstName: data.firstName,
    postalAddress: `172${index}55, пгт Оленино, ул. ${data.street}, д. ${10 + index}, кв. ${70 + index}`,
    street: data.street,
    profileAddress,
    profileStreet: data.profileStreet,
    email,
    consentPublicName: data.consent,
  };
}

async function signAs(ctx: AppContext, appeal: Appeal, person: Signer): Promise<void> {
  await sign(ctx, appeal.id, person.user, { fullName: person.fullName, postalAddress: person.postalAddress, consentPublicName: person.consentPublicName });
}

export async function buildWorld(app: App, ctx: AppContext): Promise<World> {
  const municipalityId = await defaultMunicipality(ctx);
  const categoryId = (await ctx.db.selectFrom('categories').select('id').where('slug', '=', 'roads').executeTakeFirstOrThrow()).id;
  const [unverified, author, moderator, admin, strangerUser, loginTarget] = [
    await createUser(ctx, { verified: false, surname: 'Неподтверждённов', firstName: 'Устин' }),
    await verifiedCitizen(ctx, { surname: 'Авторова', firstName: 'Алла' }),
    await createUser(ctx, { role: 'moderator', surname: 'Модераторов', firstName: 'Мирон' }),
    await createUser(ctx, { role: 'admin', surname: 'Админова', firstName: 'Ада' }),
    await verifiedCitizen(ctx, { surname: 'Посторонний', firstName: 'Прохор' }),
    await verifiedCitizen(ctx, { surname: 'Входящий', firstName: 'Лев', email: `login-target-${process.pid}@example.test` }),
  ];
  const citizen = await verifiedCitizen(ctx, { surname: 'Гражданинова', firstName: 'Галина' });

  const organization = await createOrganization(ctx, { name: 'Администрация матричного округа', slug: 'matrix-administration', appealThreshold: 50 });
  const sentOrganization = await createOrganization(ctx, { name: 'Управление дорог (матрица)', slug: 'matrix-roads', appealThreshold: 2 });
  const editableOrganization = await createOrganization(ctx, { name: 'Редактируемая организация', slug: 'matrix-editable' });
  const problem = await createProblem(ctx, { author, title: 'Разбитая дорога на улице Матричной', latitude: 56.86, longitude: 35.9 });
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toBuffer();
  await addPhotos(ctx, author, problem.id, [await processPhoto(png)]);
  const solvedByPage = await createProblem(ctx, { author, title: 'Сломанная скамейка у дома 3' });
  const solvedByApi = await createProblem(ctx, { author, title: 'Сломанная скамейка у дома 5' });

  // Each appeal of the problem to an addressee of its own: a problem has one open appeal per addressee.
  let addressees = 0;
  const addressee = () => {
    addressees += 1;
    return createOrganization(ctx, { name: `Адресат матрицы № ${addressees}`, slug: `matrix-addressee-${addressees}`, appealThreshold: 50 });
  };
  const draft = async () => (await createAppeal(ctx, { author, problem, organization: await addressee() })).appeal;
  const collecting = async () => (await openAppeal(ctx, { author, problem, organization: await addressee() })).appeal;
  const shared = async () => {
    const appeal = await draft();
    await setDraftShared(ctx, actorOfUser(author), appeal.id, true);
    return appeal;
  };
  const coWritten = async (coauthor: User) => {
    const appeal = await shared();
    await joinDraft(ctx, actorOfUser(coauthor), appeal.id);
    return appeal;
  };
  /** Collecting with one signature (the citizen's): what the author may record as sent himself. */
  const signed = async () => {
    const appeal = await collecting();
    await sign(ctx, appeal.id, citizen);
    return appeal;
  };
  /** Collecting, with amendment 1 by the stranger (none of the actors). */
  const amended = async () => {
    const appeal = await collecting();
    await proposeAmendment(ctx, actorOfUser(strangerUser), appeal.id, {
      text: `${defaultAppealText}\n\nПросим ответить письменно.`,
      reason: 'Ответ нужен письменно.',
    });
    return appeal;
  };
  const selfSent = async () => recordSelfSent(ctx, actorOfUser(author), (await signed()).id, { sentOn: new Date(), registrationNumber: '' });

  const signers = [await signer(ctx, 0), await signer(ctx, 1), await signer(ctx, 2), await signer(ctx, 3)];
  const sentSigners = [await signer(ctx, 4), await signer(ctx, 5)];
  const collectingAppeal = (await openAppeal(ctx, { author, problem, organization })).appeal;
  for (const person of signers) await signAs(ctx, collectingAppeal, person);
  // The citizen signs it too, with ordinary data (the citizen comments and follows in the matrix, under its name).
  await sign(ctx, collectingAppeal.id, citizen);

  const sent = (await openAppeal(ctx, { author, problem, organization: sentOrganization })).appeal;
  for (const person of sentSigners) await signAs(ctx, sent, person);
  // The threshold job would send it too; the call makes the moment certain (dispatch acts once).
  await dispatchAppeal(ctx, sent.id);
  const sentRow = await getAppealRow(ctx, sent.id);
  if (sentRow.status !== 'sent') throw new Error(`the sent appeal is ${sentRow.status}`);

  const signatureWithdrawnByPage = await signed();
  const signatureWithdrawnByApi = await signed();

  const revokedByPage = (await createApiToken(ctx, author.id, 'revoked by the page')).id;
  const revokedByApi = (await createApiToken(ctx, author.id, 'revoked by the API')).id;
  // The notify-sent job tells the author, the signers and the followers.
  const notification = await waitFor(
    () => ctx.db.selectFrom('notifications').select('id').where('user_id', '=', author.id).orderBy('id').executeTakeFirst(),
    30_000,
    {
      what: 'the notification of the sent appeal',
    },
  );
  const mail = await ctx.db.selectFrom('mail_messages').select('id').orderBy('id').executeTakeFirstOrThrow();
  const letter = await ctx.db
    .selectFrom('mail_messages as m')
    .innerJoin('mail_attachments as a', 'a.message_id', 'm.id')
    .select(['m.id as mailId', 'a.id as attachmentId'])
    .where('m.message_id', '=', sentRow.dispatch_message_id as string)
    .executeTakeFirstOrThrow();

  // The addressee writes back to the sent appeal's reply address (the app has INBOUND_MAIL_DOMAIN set).
  const domain = ctx.config.inboundMailDomain;
  if (!domain) throw new Error('the access world needs INBOUND_MAIL_DOMAIN for the letters of the sent appeal');
  const inboundLetter = async (subject: string, attachment = false, appealId = sentRow.id) => {
    const replyTo = replyAddress(appealId, ctx.config.secret, domain);
    const boundary = 'matrix-boundary';
    const head = `From: priemnaya@example.test\r\nTo: ${replyTo}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}-${process.pid}@example.test>\r\nMIME-Version: 1.0\r\n`;
    const raw = attachment
      ? `${head}Content-Type: multipart/mixed; boundary=${boundary}\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nОтвет с приложением.\r\n--${boundary}\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=otvet.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('%PDF-1.4').toString('base64')}\r\n--${boundary}--\r\n`
      : `${head}Content-Type: text/plain; charset=utf-8\r\n\r\nПисьмо адресата.\r\n`;
    const inboundId = await receiveInbound(ctx, { channel: 'smtp', raw: Buffer.from(raw), envelopeTo: [replyTo] });
    await processInbound(ctx, inboundId);
    const row = await ctx.db.selectFrom('appeal_letters').select('id').where('inbound_message_id', '=', inboundId).executeTakeFirstOrThrow();
    return row.id;
  };
  const letters = {
    decidedByPage: await inboundLetter('letter-page'),
    decidedByApi: await inboundLetter('letter-api'),
    withAttachment: await inboundLetter('letter-attachment', true),
  };
  const answered = await selfSent();
  await decideLetter(ctx, actorOfUser(author), answered.id, await inboundLetter('answer-in-review', false, answered.id), 'answer');
  const inReview = await getAppealRow(ctx, answered.id);
  if (inReview.status !== 'review') throw new Error(`the answered appeal is ${inReview.status}`);

  // Moderation: the author's problem reported once (a case in the queue), the author's comment a moderator hid (he
  // may appeal it), and another he appealed already (the administrator's to decide), decided outside the matrix.
  const decider = await createUser(ctx, { role: 'moderator', surname: 'Решающий', firstName: 'Роман' });
  const reportedCase = (await reportContent(ctx, 'problem', problem.id, strangerUser, 'misleading', 'Проверьте адрес.')).caseId;
  const hiddenCase = async (body: string) => {
    const comment = await addComment(ctx, author, problem.id, body);
    const { caseId } = await reportContent(ctx, 'comment', comment.id, strangerUser, 'abuse');
    await decide(ctx, actorOfUser(decider), { caseIds: [caseId], decision: 'hide', reason: 'Оскорбление участников.' });
    return caseId;
  };
  const appealableCase = await hiddenCase('Комментарий автора, скрытый модератором');
  const appealedCase = await hiddenCase('Другой комментарий автора, скрытый модератором');
  await appealDecision(ctx, actorOfUser(author), appealedCase, { text: 'Прошу пересмотреть: оскорблений не было.' });

  // The cabinet's messages: the sent appeal's addressee writes to its author, and once to all its signers.
  const official = await verifiedCitizen(ctx, { surname: 'Служебнов', firstName: 'Савва' });
  await addMember(ctx, sentOrganization, official, 'head', 'глава');
  const officialActor = actorOfUser(official, { memberships: new Map([[sentOrganization.id, 'head']]) });
  const { thread } = await writeToCitizen(
    ctx,
    officialActor,
    sentOrganization,
    { appealId: sentRow.id },
    { body: 'Уточните адрес, пожалуйста.', channel: 'site' },
  );
  const broadcast = await writeToSigners(ctx, officialActor, sentOrganization, sentRow.id, { body: 'Спасибо всем подписавшим.', channel: 'site' });

  const world: World = {
    ctx,
    actors: {
      anonymous: await credentials(app, ctx, 'anonymous', null),
      unverified: await credentials(app, ctx, 'unverified', unverified),
      citizen: await credentials(app, ctx, 'citizen', citizen),
      author: await credentials(app, ctx, 'author', author),
      moderator: await credentials(app, ctx, 'moderator', moderator),
      admin: await credentials(app, ctx, 'admin', admin),
    },
    stranger: await credentials(app, ctx, 'stranger', strangerUser),
    signerViewer: await credentials(app, ctx, 'signer', (sentSigners[1] as Signer).user),
    loginTarget,
    municipalityId,
    categoryId,
    organization,
    editableOrganization,
    newDraftAddressees: { page: await addressee(), api: await addressee() },
    problem,
    problems: { solvedByPage, solvedByApi },
    appeals: {
      draft: await draft(),
      collecting: collectingAppeal,
      sent: sentRow,
      revisedByPage: await draft(),
      revisedByApi: await draft(),
      openedByPage: await draft(),
      openedByApi: await draft(),
      signedByPage: await collecting(),
      signedByApi: await collecting(),
      signatureWithdrawnByPage,
      signatureWithdrawnByApi,
      recordedSentByPage: await signed(),
      recordedSentByApi: await signed(),
      registeredByPage: await selfSent(),
      registeredByApi: await selfSent(),
      inReview,
      answerUploadedByPage: await selfSent(),
      answerUploadedByApi: await selfSent(),
      answerPublishedByPage: await selfSent(),
      answerPublishedByApi: await selfSent(),
      withdrawnByPage: await collecting(),
      withdrawnByApi: await collecting(),
      sharedDraft: await shared(),
      joinedByPage: await shared(),
      joinedByApi: await shared(),
      coWritten: await coWritten(strangerUser),
      coauthorLeftByPage: await coWritten(citizen),
      coauthorLeftByApi: await coWritten(citizen),
      coauthorRemovedByPage: await coWritten(strangerUser),
      coauthorRemovedByApi: await coWritten(strangerUser),
      textSavedByPage: await draft(),
      textSavedByApi: await draft(),
      sharedByPage: await draft(),
      lockedByPage: await draft(),
      settingsByApi: await draft(),
      restoredByPage: await draft(),
      restoredByApi: await draft(),
      amended: await amended(),
      amendmentAcceptedByPage: await amended(),
      amendmentAcceptedByApi: await amended(),
    },
    signers: { collecting: signers, sent: sentSigners, all: [...signers, ...sentSigners] },
    tokens: { revokedByPage, revokedByApi },
    draftThreadId: 0,
    notificationId: notification.id,
    letters,
    messages: { threadId: thread.id, broadcastId: broadcast.id },
    mailId: mail.id,
    letter,
    pendingPhotoId: ((await keepPendingPhotos(ctx, actorOfUser(author), [await processPhoto(png)])) as number[])[0] as number,
    moderation: { reportedCase, appealableCase, appealedCase },
    unsubscribeToken: unsubscribeToken(ctx.config.secret, { userId: author.id, kind: 'appeal.sent', problemId: null }),
    png,
  };
  world.draftThreadId = (
    await addDraftComment(ctx, actorOfUser(strangerUser), world.appeals.sharedDraft.id, {
      passage: 'Просим отремонтировать',
      body: 'Замечание к началу.',
      parentId: null,
    })
  ).id;
  return world;
}
