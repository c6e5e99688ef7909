/**
 * Every environment variable Democrator reads, parsed and documented in one place.
 * The README's configuration table is generated from `configVariables` (npm run docs:config).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ConfigVariable {
  name: string;
  default: string;
  description: string;
}

export const configVariables: ConfigVariable[] = [
  { name: 'PORT', default: '3000', description: 'HTTP port to listen on' },
  { name: 'HOST', default: '0.0.0.0', description: 'Interface to listen on' },
  {
    name: 'BASE_URL',
    default: 'http://localhost:PORT',
    description: 'Public URL of the site, used in e-mails and feeds',
  },
  {
    name: 'DATABASE_URL',
    default: '(empty: embedded PGlite)',
    description: 'postgres://… URL of a PostgreSQL server; when empty the embedded PGlite database in DATA_DIR is used',
  },
  {
    name: 'DATABASE_REPLICA_URLS',
    default: '(empty: every read on DATABASE_URL)',
    description:
      'Comma-separated postgres://… URLs of streaming replicas of DATABASE_URL: public pages and API reads of people who have not just written are read from them in turn (never a transaction or a write); needs DATABASE_URL',
  },
  {
    name: 'DATABASE_REPLICA_MAX_LAG_SECONDS',
    default: '5',
    description:
      'A replica further behind the primary than this (checked every second) is not read from until it catches up; a browser that wrote reads from the primary for this long plus 5 s',
  },
  { name: 'DATA_DIR', default: './data', description: 'Folder of the embedded PGlite database' },
  {
    name: 'DATABASE_POOL_SIZE',
    default: '20',
    description: 'Connections this process opens to PostgreSQL (ignored on PGlite, which has one session)',
  },
  {
    name: 'REDIS_URL',
    default: '(empty: counted in memory)',
    description:
      "redis://… or rediss://… of a Redis server that keeps the rate limits' counters and the used ALTCHA solutions, so every node counts together; when empty each process counts its own (and used solutions are kept in the database)",
  },
  {
    name: 'SMTP_URL',
    default: '(empty: local outbox)',
    description: 'smtp://user:pass@host:port or smtps://… of a mail server; when empty, mail stays in the outbox shown to admins at /admin/outbox',
  },
  { name: 'MAIL_FROM', default: 'Democrator <no-reply@democrator.local>', description: 'Sender of every e-mail' },
  {
    name: 'MAIL_RETRY_SECONDS',
    default: '5',
    description: 'Delay before the first retry of a message the mail server did not accept; it doubles with every attempt, up to an hour',
  },
  {
    name: 'MAIL_GIVE_UP_HOURS',
    default: '72',
    description: 'How long a message is retried before it is marked failed and the admins are alerted (/admin, /admin/outbox, the log)',
  },
  {
    name: 'INBOUND_MAIL_DOMAIN',
    default: '(empty: no reply addresses)',
    description:
      "Domain of the appeals' reply addresses: every dispatched letter gets Reply-To appeal-<id>-<signature>@this domain, whose mail the MTA hands to INBOUND_SMTP_PORT or the inbound webhook",
  },
  {
    name: 'INBOUND_SMTP_PORT',
    default: '(empty: off)',
    description: "Port of the SMTP/LMTP-style listener that receives the bodies' replies from the deployment's MTA",
  },
  { name: 'INBOUND_SMTP_HOST', default: '127.0.0.1', description: 'Interface the inbound mail listener listens on' },
  {
    name: 'INBOUND_MAIL_SECRET',
    default: '(empty: webhook off)',
    description:
      "At least 16 characters; a mail provider's inbound webhook sends it in the X-Inbound-Secret header to POST /api/v1/inbound-mail with the raw message",
  },
  { name: 'INBOUND_MAIL_MAX_MB', default: '25', description: 'Largest inbound message accepted, in megabytes; a larger one is refused, not cut' },
  {
    name: 'REVIEW_DAYS',
    default: '14',
    description:
      'Length of the review window a published answer opens: the signers and the author rate the answer until it ends, then the appeal closes with their verdict',
  },
  {
    name: 'DEFAULT_APPEAL_THRESHOLD',
    default: '50',
    description:
      "Signatures an organization's appeals need when its form leaves the threshold empty; admins change it at /admin/settings (each appeal keeps the threshold it opened with)",
  },
  {
    name: 'REPORT_THRESHOLD',
    default: '3',
    description: 'Reports from different people that hide a problem, comment or other content pending review; admins change it at /admin/settings',
  },
  {
    name: 'RATING_PRIOR_RATINGS',
    default: '10',
    description:
      "m of the answer-quality rating: how many ratings' worth of the overall mean score every organization starts with (the formula is on /ratings/formula)",
  },
  {
    name: 'RATING_MIN_CLOSED',
    default: '5',
    description: 'Closed appeals an organization needs before it is ranked in the league tables; below it shows «недостаточно данных»',
  },
  {
    name: 'UNANSWERED_GRACE_DAYS',
    default: '7',
    description:
      'Days after the answer deadline (59-FZ Art. 12) before an appeal with no answer is closed as «без ответа» and counted as unanswered in the ratings',
  },
  {
    name: 'WEBHOOK_ALLOW_LOCAL',
    default: 'false',
    description:
      "true lets a cabinet's webhook endpoint be http:// or https:// on localhost, 127.0.0.1 or [::1] (development and tests); otherwise only https:// to a public host is accepted",
  },
  {
    name: 'WEBHOOK_DISABLE_AFTER_FAILURES',
    default: '100',
    description:
      "Failed delivery attempts in a row after which a webhook endpoint is turned off and the organization's heads are told (it is also turned off when one delivery fails its whole 3-day retry schedule)",
  },
  {
    name: 'WEBHOOK_RETRY_SCALE',
    default: '1',
    description: 'Multiplies every delay of the webhook retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 20 h); tests make it tiny',
  },
  {
    name: 'SECRET',
    default: '(generated once into DATA_DIR/.secret on PGlite)',
    description:
      'At least 16 characters; signs cookies and the registration question (and ALTCHA challenges unless ALTCHA_HMAC_KEY is set). Set it on PostgreSQL deployments (the same on every node), or sessions end at every restart',
  },
  {
    name: 'ROLE',
    default: 'all',
    description: 'all, web or worker: which parts this process runs when scaled out (web serves HTTP and enqueues jobs; worker runs jobs)',
  },
  { name: 'SEED_DEMO', default: 'auto', description: 'auto (load demo content into an empty database) or never' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino log level: fatal, error, warn, info, debug, trace, silent' },
  { name: 'TRUST_PROXY', default: 'false', description: 'true when behind a reverse proxy that sets X-Forwarded-For' },
  {
    name: 'AUTH_RATE_LIMIT',
    default: '10',
    description: 'Attempts per minute and client address on log-in, e-mail verification and recovery (sign-up has RATE_LIMIT_REGISTER)',
  },
  {
    name: 'RATE_LIMIT_SIGN',
    default: '30',
    description: 'Signatures a minute, per client address and per account; admins change every RATE_LIMIT_* at /admin/settings',
  },
  { name: 'RATE_LIMIT_REGISTER', default: '10', description: 'Sign-ups a minute, per client address' },
  { name: 'RATE_LIMIT_PUBLISH', default: '20', description: 'Problems published a minute, per client address and per account' },
  { name: 'RATE_LIMIT_COMMENT', default: '30', description: 'Comments a minute, per client address and per account' },
  { name: 'RATE_LIMIT_REPORT', default: '10', description: 'Reports of content a minute, per client address and per account' },
  {
    name: 'PDF_THREADS',
    default: '1',
    description: 'Worker threads that render appeal letters, so a long letter never stalls requests; 0 renders on the main thread',
  },
  { name: 'CAPTCHA_COST', default: '5000', description: 'ALTCHA proof-of-work cost (PBKDF2 iterations per attempt)' },
  {
    name: 'ALTCHA_HMAC_KEY',
    default: '(derived from SECRET)',
    description: 'At least 16 characters; signs ALTCHA challenges. The same on every node; changing it makes the challenges in flight fail once',
  },
  {
    name: 'ALTCHA_ENABLED',
    default: 'true',
    description:
      'true or false: the default of the site setting that asks for the ALTCHA proof of work on signing, registering and publishing (admins switch it at /admin/settings)',
  },
  {
    name: 'RATE_LIMIT_WITHOUT_PROOF',
    default: '10',
    description:
      'Sign-ups, and separately problems published, an hour per client address that come without an ALTCHA solution (no JavaScript, or an API client that did not solve one)',
  },
  { name: 'MAP_TILE_URL', default: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', description: 'Leaflet tile URL template' },
];

export type Role = 'all' | 'web' | 'worker';

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  databaseUrl: string | undefined;
  /** DATABASE_REPLICA_URLS: streaming replicas of databaseUrl for public reads (core/db/read-replicas.ts); empty, none. */
  databaseReplicaUrls: string[];
  databaseReplicaMaxLagSeconds: number;
  databasePoolSize: number;
  dataDir: string;
  smtpUrl: string | undefined;
  redisUrl: string | undefined;
  mailFrom: string;
  mailRetrySeconds: number;
  mailGiveUpHours: number;
  inboundMailDomain: string | undefined;
  inboundSmtpPort: number | undefined;
  inboundSmtpHost: string;
  inboundMailSecret: string | undefined;
  inboundMailMaxBytes: number;
  reviewDays: number;
  defaultAppealThreshold: number;
  reportThreshold: number;
  /** Requests a minute per client address and per account: the defaults of the site settings. */
  rateLimits: Record<'sign' | 'register' | 'publish' | 'comment' | 'report', number>;
  unansweredGraceDays: number;
  ratingPriorRatings: number;
  ratingMinimumClosed: number;
  secret: string;
  secretIsEphemeral: boolean;
  role: Role;
  seedDemo: 'auto' | 'never';
  logLevel: string;
  trustProxy: boolean;
  captchaCost: number;
  /** Signs ALTCHA challenges: ALTCHA_HMAC_KEY; unset, core/security/altcha.ts derives one from the secret. */
  altchaHmacKey: string | undefined;
  /** The default of the site setting that switches ALTCHA on. */
  altchaEnabled: boolean;
  /** Registrations (and, separately, problems) an hour per client address without an ALTCHA solution: the site setting's default. */
  rateLimitWithoutProof: number;
  pdfThreads: number;
  authRateLimit: number;
  mapTileUrl: string;
  webhookAllowLocal: boolean;
  webhookDisableAfterFailures: number;
  webhookRetryScale: number;
  /** Cookies get the Secure flag when the public URL is https. */
  secureCookies: boolean;
}

export class ConfigError extends Error {}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
}

function integer(name: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got "${value}"`);
  }
  return parsed;
}

function positiveNumber(name: string, value: string, max: number): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > max) throw new ConfigError(`${name} must be a number above 0 and at most ${max}; got "${value}"`);
  return parsed;
}

/** DATABASE_REPLICA_URLS: each a postgres:// URL with a host, each once; only beside DATABASE_URL. */
function replicaUrls(raw: string | undefined, databaseUrl: string | undefined): string[] {
  if (!raw) return [];
  if (!databaseUrl) throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL: replicas are of a PostgreSQL primary, not of the embedded database');
  const urls = raw.split(',').map((url) => url.trim());
  for (const [index, url] of urls.entries()) {
    const place = `DATABASE_REPLICA_URLS (URL ${index + 1} of ${urls.length})`;
    if (url === '') throw new ConfigError(`${place} is empty: separate the URLs with single commas`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`${place} is not a URL; expected postgres://user@host:port/database`);
    }
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new ConfigError(`${place} must start with postgres:// or postgresql://`);
    if (!parsed.hostname) throw new ConfigError(`${place} names no host`);
  }
  if (new Set(urls).size !== urls.length) throw new ConfigError('DATABASE_REPLICA_URLS names the same URL twice');
  return urls;
}

export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (BASE_URL= in a unit file, say) means "not set", as in most tools.
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== undefined && value.trim() !== '')) as NodeJS.ProcessEnv;
  const port = integer('PORT', env.PORT ?? '3000', 0, 65535);
  const baseUrl = (env.BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigError(`BASE_URL must be an absolute URL; got "${baseUrl}"`);
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const databaseReplicaUrls = replicaUrls(env.DATABASE_REPLICA_URLS, databaseUrl);
  const smtpUrl = env.SMTP_URL?.trim() || undefined;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) {
    throw new ConfigError('SMTP_URL must start with smtp:// or smtps://');
  }
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  const inboundMailDomain = env.INBOUND_MAIL_DOMAIN?.trim().toLowerCase() || undefined;
  if (inboundMailDomain && !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(inboundMailDomain)) {
    throw new ConfigError(`INBOUND_MAIL_DOMAIN must be a domain name such as reply.example.org; got "${inboundMailDomain}"`);
  }
  const inboundMailSecret = env.INBOUND_MAIL_SECRET?.trim() || undefined;
  if (inboundMailSecret && inboundMailSecret.length < 16) throw new ConfigError('INBOUND_MAIL_SECRET must be at least 16 characters long');
  const secret = env.SECRET?.trim();
  if (secret !== undefined && secret !== '' && secret.length < 16) {
    throw new ConfigError('SECRET must be at least 16 characters long');
  }
  const altchaHmacKey = env.ALTCHA_HMAC_KEY?.trim();
  if (altchaHmacKey !== undefined && altchaHmacKey.length < 16) throw new ConfigError('ALTCHA_HMAC_KEY must be at least 16 characters long');
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    baseUrl,
    databaseUrl,
    databaseReplicaUrls,
    databaseReplicaMaxLagSeconds: integer('DATABASE_REPLICA_MAX_LAG_SECONDS', env.DATABASE_REPLICA_MAX_LAG_SECONDS ?? '5', 1, 3600),
    databasePoolSize: integer('DATABASE_POOL_SIZE', env.DATABASE_POOL_SIZE ?? '20', 1, 1000),
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    smtpUrl,
    redisUrl,
    mailFrom: env.MAIL_FROM ?? 'Democrator <no-reply@democrator.local>',
    mailRetrySeconds: integer('MAIL_RETRY_SECONDS', env.MAIL_RETRY_SECONDS ?? '5', 1, 3600),
    mailGiveUpHours: integer('MAIL_GIVE_UP_HOURS', env.MAIL_GIVE_UP_HOURS ?? '72', 1, 24 * 30),
    inboundMailDomain,
    inboundSmtpPort: env.INBOUND_SMTP_PORT ? integer('INBOUND_SMTP_PORT', env.INBOUND_SMTP_PORT, 0, 65535) : undefined,
    inboundSmtpHost: env.INBOUND_SMTP_HOST ?? '127.0.0.1',
    inboundMailSecret,
    inboundMailMaxBytes: integer('INBOUND_MAIL_MAX_MB', env.INBOUND_MAIL_MAX_MB ?? '25', 1, 200) * 1024 * 1024,
    reviewDays: integer('REVIEW_DAYS', env.REVIEW_DAYS ?? '14', 1, 90),
    defaultAppealThreshold: integer('DEFAULT_APPEAL_THRESHOLD', env.DEFAULT_APPEAL_THRESHOLD ?? '50', 1, 100_000),
    reportThreshold: integer('REPORT_THRESHOLD', env.REPORT_THRESHOLD ?? '3', 1, 1000),
    rateLimits: {
      sign: integer('RATE_LIMIT_SIGN', env.RATE_LIMIT_SIGN ?? '30', 1, 100_000),
      register: integer('RATE_LIMIT_REGISTER', env.RATE_LIMIT_REGISTER ?? '10', 1, 100_000),
      publish: integer('RATE_LIMIT_PUBLISH', env.RATE_LIMIT_PUBLISH ?? '20', 1, 100_000),
      comment: integer('RATE_LIMIT_COMMENT', env.RATE_LIMIT_COMMENT ?? '30', 1, 100_000),
      report: integer('RATE_LIMIT_REPORT', env.RATE_LIMIT_REPORT ?? '10', 1, 100_000),
    },
    unansweredGraceDays: integer('UNANSWERED_GRACE_DAYS', env.UNANSWERED_GRACE_DAYS ?? '7', 0, 90),
    ratingPriorRatings: integer('RATING_PRIOR_RATINGS', env.RATING_PRIOR_RATINGS ?? '10', 0, 10_000),
    ratingMinimumClosed: integer('RATING_MIN_CLOSED', env.RATING_MIN_CLOSED ?? '5', 1, 10_000),
    secret: secret || randomBytes(32).toString('hex'),
    secretIsEphemeral: !secret,
    role: oneOf('ROLE', env.ROLE ?? 'all', ['all', 'web', 'worker'] as const),
    seedDemo: oneOf('SEED_DEMO', env.SEED_DEMO ?? 'auto', ['auto', 'never'] as const),
    logLevel: oneOf('LOG_LEVEL', env.LOG_LEVEL ?? 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    trustProxy: (env.TRUST_PROXY ?? 'false') === 'true',
    pdfThreads: integer('PDF_THREADS', env.PDF_THREADS ?? '1', 0, 64),
    captchaCost: integer('CAPTCHA_COST', env.CAPTCHA_COST ?? '5000', 1, 10_000_000),
    altchaHmacKey: altchaHmacKey || undefined,
    altchaEnabled: oneOf('ALTCHA_ENABLED', env.ALTCHA_ENABLED ?? 'true', ['true', 'false'] as const) === 'true',
    rateLimitWithoutProof: integer('RATE_LIMIT_WITHOUT_PROOF', env.RATE_LIMIT_WITHOUT_PROOF ?? '10', 1, 100_000),
    authRateLimit: integer('AUTH_RATE_LIMIT', env.AUTH_RATE_LIMIT ?? '10', 1, 100_000),
    mapTileUrl: env.MAP_TILE_URL ?? 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    webhookAllowLocal: (env.WEBHOOK_ALLOW_LOCAL ?? 'false') === 'true',
    webhookDisableAfterFailures: integer('WEBHOOK_DISABLE_AFTER_FAILURES', env.WEBHOOK_DISABLE_AFTER_FAILURES ?? '100', 1, 100_000),
    webhookRetryScale: positiveNumber('WEBHOOK_RETRY_SCALE', env.WEBHOOK_RETRY_SCALE ?? '1', 1000),
    secureCookies: baseUrl.startsWith('https://'),
  };
}

/**
 * On the embedded database a missing SECRET is generated once and kept beside the data
 * (DATA_DIR/.secret, readable by the owner only), so a restart keeps people signed in.
 */
export function withPersistentSecret(config: Config): Config {
  if (!config.secretIsEphemeral || config.databaseUrl) return config;
  const file = path.join(config.dataDir, '.secret');
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 16) return { ...config, secret: stored, secretIsEphemeral: false };
  } catch {
    // First start: fall through and create it.
  }
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, `${config.secret}\n`, { mode: 0o600 });
  return { ...config, secretIsEphemeral: false };
}
