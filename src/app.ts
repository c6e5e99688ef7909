/**
 * Assembles Democrator: database and migrations, reference data, jobs, mail and the HTTP server
 * with every module. main.ts starts it; tests build it the same way on a fresh database.
 */

import { Redis } from 'ioredis';
import pino from 'pino';
import type { Config } from './config.ts';
import { type AppContext, AppState, type Ports } from './core/context.ts';
import { type DatabaseTarget, migrateToLatest, type OpenDatabase, openDatabase } from './core/db/database.ts';
import { type App, buildServer } from './core/http/server.tsx';
import { Jobs } from './core/jobs/jobs.ts';
import { Mailer, mailSweepJob } from './core/mail/mailer.ts';
import { closePdfPool, configurePdfThreads } from './core/pdf/pdf-pool.ts';
import { useRedisForAltcha } from './core/security/altcha.ts';
import { registerModuleMessages } from './messages.ts';
import { accountApi } from './modules/accounts/accounts.api.ts';
import { authenticator } from './modules/accounts/accounts.auth.ts';
import { accountJobs } from './modules/accounts/accounts.jobs.ts';
import { accountPages } from './modules/accounts/accounts.pages.tsx';
import { flushTokenUses } from './modules/accounts/accounts.token-uses.ts';
import { categoryPages } from './modules/admin/admin.categories.pages.tsx';
import { mergePages } from './modules/admin/admin.merge.pages.tsx';
import { adminPages } from './modules/admin/admin.pages.tsx';
import { adminSettings } from './modules/admin/admin.settings.pages.tsx';
import { siteSettings } from './modules/admin/admin.settings.ts';
import { territoryEditPages } from './modules/admin/admin.territories.pages.tsx';
import { adminUsers } from './modules/admin/admin.users.tsx';
import { answerApi } from './modules/answers/answers.api.ts';
import { answerJobs, closeReviewsJob, closeUnansweredJob, recountRatingsCron, recountRatingsJob } from './modules/answers/answers.jobs.ts';
import { answerPages, lettersSection } from './modules/answers/answers.pages.tsx';
import { ratingApi } from './modules/answers/answers.ratings.api.ts';
import { ratingPages, ratingSection } from './modules/answers/answers.ratings.pages.tsx';
import { countForwarded, countOverdue } from './modules/answers/answers.ratings.ts';
import { reviewApi } from './modules/answers/answers.review.api.ts';
import { reviewPages } from './modules/answers/answers.review.pages.tsx';
import { type InboundSmtp, startInboundSmtp } from './modules/answers/answers.smtp.ts';
import { answerUploadPages } from './modules/answers/answers.upload.pages.tsx';
import { amendmentApi } from './modules/appeals/appeals.amendments.api.ts';
import { amendmentPages } from './modules/appeals/appeals.amendments.pages.tsx';
import { appealApi } from './modules/appeals/appeals.api.ts';
import {
  appealJobs,
  foldCountsIntervalMs,
  foldCountsJob,
  overdueSweepJob,
  recountCron,
  recountJob,
  recoverAppealsAtStartUp,
  thresholdSweepJob,
  watchAppealLetters,
} from './modules/appeals/appeals.jobs.ts';
import { appealPages } from './modules/appeals/appeals.pages.tsx';
import { appealsOfProblems, collectingAppealThresholds } from './modules/appeals/appeals.queries.ts';
import { signatureModerationApi } from './modules/appeals/appeals.signature-moderation.api.ts';
import { signatureModerationPages } from './modules/appeals/appeals.signature-moderation.pages.tsx';
import { flushThresholdChecks, signaturesOfPerson } from './modules/appeals/appeals.signing.ts';
import { AppealCard } from './modules/appeals/appeals.views.tsx';
import { cabinetApi } from './modules/cabinet/cabinet.api.ts';
import { documentApi } from './modules/cabinet/cabinet.documents.api.ts';
import { documentPages } from './modules/cabinet/cabinet.documents.pages.tsx';
import { cabinetJobs } from './modules/cabinet/cabinet.jobs.ts';
import { letterheadApi } from './modules/cabinet/cabinet.letterhead.api.ts';
import { letterheadPages } from './modules/cabinet/cabinet.letterhead.pages.tsx';
import { cabinetPages, problemOfficials } from './modules/cabinet/cabinet.pages.tsx';
import { threadApi } from './modules/cabinet/cabinet.threads.api.ts';
import { threadPages } from './modules/cabinet/cabinet.threads.pages.tsx';
import { fileMailedReply, messageReplyAddress, messagesOfPerson } from './modules/cabinet/cabinet.threads.ts';
import { organizationTokenApi } from './modules/cabinet/cabinet.tokens.api.ts';
import { organizationTokenPages } from './modules/cabinet/cabinet.tokens.pages.tsx';
import { webhookApi } from './modules/cabinet/cabinet.webhooks.api.ts';
import { webhookPages } from './modules/cabinet/cabinet.webhooks.pages.tsx';
import { emitOrganizationEvent } from './modules/cabinet/cabinet.webhooks.ts';
import { draftingApi } from './modules/drafting/drafting.api.ts';
import { closeCollaboration, draftSessions } from './modules/drafting/drafting.collab.ts';
import { draftingPages } from './modules/drafting/drafting.pages.tsx';
import { homePages } from './modules/home/home.pages.tsx';
import { moderationApi } from './modules/moderation/moderation.api.ts';
import { moderationPages } from './modules/moderation/moderation.pages.tsx';
import { notificationApi } from './modules/notifications/notifications.api.ts';
import { scheduleNotificationJobs } from './modules/notifications/notifications.jobs.ts';
import { notificationPages } from './modules/notifications/notifications.pages.tsx';
import { unreadCount } from './modules/notifications/notifications.service.ts';
import { organizationApi } from './modules/organizations/organizations.api.ts';
import { organizationCsvPages } from './modules/organizations/organizations.csv.pages.tsx';
import { organizationPages, organizationsOfTerritory } from './modules/organizations/organizations.pages.tsx';
import { ensureCategories, membershipsOf } from './modules/organizations/organizations.service.ts';
import { problemApi } from './modules/problems/problems.api.ts';
import { problemPages, problemsOfOrganization, problemsOfTerritory } from './modules/problems/problems.pages.tsx';
import { renameTerritoryInSearch } from './modules/problems/problems.service.ts';
import { territoryApi } from './modules/territories/territories.api.ts';
import { territoryPages } from './modules/territories/territories.pages.tsx';
import { seedFederalSubjects } from './modules/territories/territories.service.ts';

/**
 * Where modules above plug into the modules below them (Ports in core/context.ts): a lower module
 * declares what it needs, a higher one implements it, and only this file knows both.
 */
const modulePorts: Ports = {
  accounts: {
    memberships: membershipsOf,
    // What the person's export gathers from the other modules: signatures, and conversations with organizations.
    personalData: async (ctx, userId) => ({ ...(await signaturesOfPerson(ctx, userId)), ...(await messagesOfPerson(ctx, userId)) }),
  },
  territories: { problemsSection: problemsOfTerritory, organizationsSection: organizationsOfTerritory, placesRenamed: renameTerritoryInSearch },
  organizations: { problemsSection: problemsOfOrganization, ratingSection, collectingAppealThresholds },
  problems: { appeals: appealsOfProblems, AppealCard, officials: problemOfficials },
  appeals: { lettersSection, answerOverdue: countOverdue, appealForwarded: countForwarded, organizationEvent: emitOrganizationEvent, drafts: draftSessions },
  answers: { organizationEvent: emitOrganizationEvent, messageReplies: { address: messageReplyAddress, file: fileMailedReply } },
  settings: { current: siteSettings },
};

export interface RunningApp {
  app: App;
  ctx: AppContext;
  database: OpenDatabase;
  jobs: Jobs;
  /** The inbound mail listener, when INBOUND_SMTP_PORT is set (and this process serves the web). */
  inboundSmtp: InboundSmtp | null;
  close(): Promise<void>;
}

export function databaseTarget(config: Config): DatabaseTarget {
  if (!config.databaseUrl) return { kind: 'pglite', dataDir: config.dataDir };
  return {
    kind: 'postgres',
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    // A worker serves no pages: it reads and writes on the primary only.
    ...(config.databaseReplicaUrls.length > 0 && config.role !== 'worker'
      ? { replicas: { urls: config.databaseReplicaUrls, maxLagSeconds: config.databaseReplicaMaxLagSeconds } }
      : {}),
  };
}

export interface CreateAppOptions {
  /** Where the data lives; defaults to what the configuration says. */
  target?: DatabaseTarget;
  /** An already opened database (tests share one per file). */
  database?: OpenDatabase;
  now?: () => Date;
}

export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<RunningApp> {
  configurePdfThreads(config.pdfThreads);
  registerModuleMessages();
  const log = pino({ level: config.logLevel, base: { service: 'democrator' } });
  const database =
    options.database ??
    (await openDatabase(options.target ?? databaseTarget(config), (error) => log.warn({ err: error }, 'database connection failed while idle'), {
      onReplicaChange: (replica, reason) =>
        replica.fresh ? log.info({ replica: replica.name }, `database replica ${reason}`) : log.warn({ replica: replica.name }, `database replica ${reason}`),
    }));
  const applied = await migrateToLatest(database.db);
  if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');
  await database.db.transaction().execute(async (trx) => {
    await seedFederalSubjects(trx);
    await ensureCategories(trx);
  });

  const jobs = await Jobs.start(database, log, { work: config.role !== 'web' });
  const mailer = new Mailer(config, database.db, jobs, log, { now: options.now });
  const ctx: AppContext = { config, db: database.db, jobs, mailer, log, now: options.now ?? (() => new Date()), ports: modulePorts, state: new AppState() };
  // Public read paths read with this one (core/http/replica-reads.ts) when there are replicas.
  if (database.replicaReads) ctx.replicaReads = { ...ctx, db: database.replicaReads.db, state: ctx.state.forReplicaReads() };
  // Listeners before any mail job runs: a letter accepted with nobody listening would leave its appeal unsent.
  watchAppealLetters(ctx);
  await jobs.register(mailer.jobDefinitions());
  await jobs.schedule(mailSweepJob, '*/5 * * * *');
  await jobs.register(accountJobs(ctx));
  await jobs.register(appealJobs(ctx));
  await jobs.register(answerJobs(ctx));
  await jobs.register(cabinetJobs(ctx));
  await jobs.schedule(thresholdSweepJob, '* * * * *');
  await jobs.schedule(overdueSweepJob, '*/10 * * * *');
  await jobs.schedule(closeReviewsJob, '* * * * *');
  await jobs.schedule(closeUnansweredJob, '*/10 * * * *');
  await jobs.schedule(recountRatingsJob, recountRatingsCron);
  await jobs.schedule(recountJob, recountCron);
  jobs.every(foldCountsJob, foldCountsIntervalMs);
  await scheduleNotificationJobs(ctx, jobs);
  if (config.role !== 'web') {
    // Mail left queued by a node that died (its job lost or its attempt cut short) goes out now, not in five minutes,
    // and so does a dispatch it had started.
    await mailer.sweep();
    await recoverAppealsAtStartUp(ctx);
  }
  const rateLimitRedis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false }) : undefined;
  rateLimitRedis?.on('error', (error: Error) => log.warn({ err: error }, 'Redis (rate limits) unreachable: requests pass uncounted'));
  // Used ALTCHA solutions go where the rate limits are counted, so every node refuses a replay.
  if (rateLimitRedis) useRedisForAltcha(ctx, rateLimitRedis);
  const app = await buildServer(ctx, {
    authenticate: authenticator(ctx),
    ...(rateLimitRedis ? { rateLimitRedis } : {}),
    unreadNotifications: (userId) => unreadCount(ctx, userId),
    modules: [
      homePages(ctx),
      accountPages(ctx),
      accountApi(ctx),
      territoryPages(ctx),
      territoryApi(ctx),
      organizationPages(ctx),
      organizationApi(ctx),
      organizationCsvPages(ctx),
      problemPages(ctx),
      problemApi(ctx),
      appealPages(ctx),
      appealApi(ctx),
      amendmentPages(ctx),
      amendmentApi(ctx),
      draftingPages(ctx),
      draftingApi(ctx),
      answerPages(ctx),
      answerApi(ctx),
      answerUploadPages(ctx),
      reviewPages(ctx),
      ratingPages(ctx),
      ratingApi(ctx),
      reviewApi(ctx),
      notificationPages(ctx),
      notificationApi(ctx),
      cabinetPages(ctx),
      cabinetApi(ctx),
      threadPages(ctx),
      threadApi(ctx),
      webhookPages(ctx),
      webhookApi(ctx),
      organizationTokenPages(ctx),
      organizationTokenApi(ctx),
      letterheadPages(ctx),
      letterheadApi(ctx),
      documentPages(ctx),
      documentApi(ctx),
      moderationPages(ctx),
      signatureModerationPages(ctx),
      signatureModerationApi(ctx),
      moderationApi(ctx),
      adminPages(ctx),
      adminUsers(ctx),
      mergePages(ctx),
      categoryPages(ctx),
      territoryEditPages(ctx),
      adminSettings(ctx),
    ],
  });
  await app.ready();
  // Receiving mail is serving, like HTTP: on the nodes that take requests.
  const inboundSmtp =
    config.inboundSmtpPort !== undefined && config.role !== 'worker' ? await startInboundSmtp(ctx, config.inboundSmtpPort, config.inboundSmtpHost) : null;

  let closed = false;
  return {
    app,
    ctx,
    database,
    jobs,
    inboundSmtp,
    async close() {
      if (closed) return;
      closed = true;
      // Order matters for "no lost writes": stop taking requests and let running ones finish,
      // then let running jobs finish, then close the database they write to.
      await inboundSmtp?.close();
      // Co-edited drafts are stored and their last typing recorded before the connections go.
      await closeCollaboration(ctx);
      await app.close();
      await rateLimitRedis?.quit().catch(() => rateLimitRedis.disconnect());
      await flushTokenUses(ctx);
      await flushThresholdChecks(ctx);
      await jobs.stop();
      await closePdfPool();
      await mailer.close();
      if (!options.database) await database.close();
    },
  };
}
