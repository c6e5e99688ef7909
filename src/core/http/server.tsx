/**
 * The HTTP server: Fastify with its official plugins, the request chain
 * rate-limit → authenticate → policy → validate → handler, translated errors, and page rendering.
 */
import path from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { withAuditOrigin } from '../audit.ts';
import type { AppContext } from '../context.ts';
import { isDatabaseUnavailable } from '../db/database.ts';
import { DomainError, type ErrorCode, errorStatus, type FieldProblem, ValidationError } from '../errors.ts';
import { defaultLocale, isLocale, type Locale, type MessageKey, type Translate, translator } from '../i18n/i18n.ts';
import { type Actor, authorizeGate, hasPolicy, organizationTokenRoutePrefix, type PolicyName, scopeRefusal, type TokenScope, tokenScopes } from '../policy.ts';
import { Layout } from '../views/layout.tsx';
import { PageContext, type PageEnvironment } from '../views/page-context.ts';
import { ErrorResponse } from './api-schemas.ts';
import { ErrorPage, type ErrorPageProps, errorHeading, errorKind, retryIn } from './error-page.tsx';
import { safeReturnPath } from './forms.ts';
import { noteWrite } from './replica-reads.ts';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  import('fastify').FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface Authenticated {
  actor: Actor;
  displayName: string;
  sessionId: string | null;
  locale: Locale | null;
}

export interface AppModule {
  name: string;
  routes(app: App): void | Promise<void>;
  /**
   * Where a GET that found nothing has moved for good (a merged organization's old slug, under any of its
   * addresses): the new path with the same query, or null. Asked only for a 404, never on a page that exists.
   */
  movedTo?(request: FastifyRequest): Promise<string | null>;
}

export interface PageOptions {
  status?: number;
  scripts?: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    actorName: string | null;
    sessionId: string | null;
    locale: Locale;
    t: Translate;
  }
  interface FastifyReply {
    page(title: string, body: VNode, options?: PageOptions): FastifyReply;
    flash(key: MessageKey): FastifyReply;
    redirectAfterPost(url: string): FastifyReply;
  }
  interface FastifyContextConfig {
    /**
     * The policy of this route's action. Its record-free part (who may ask at all) is checked before
     * validation and the handler; the service asks the whole policy again with the record.
     */
    policy?: PolicyName;
    /**
     * false: this route's POST needs no CSRF token, because the request carries its own proof
     * (the signed token in an RFC 8058 unsubscribe link, posted by a mail client without cookies).
     */
    csrf?: false;
    /**
     * What a personal API token needs to call this route. Left out, it follows the method: `read` for
     * GET/HEAD/OPTIONS, `write` for everything else; a route that signs or withdraws a signature says
     * `sign`. Sessions are not scoped.
     */
    scope?: TokenScope;
    /**
     * true: an organization's API token may call this route although it is not under `/api/v1/cabinet/:slug/` (the
     * letter an appeal's addressee downloads). Its policy still decides, for that organization alone.
     */
    organizationToken?: true;
  }
}

/** One route as Fastify registered it (HEAD routes included, which Fastify adds beside each GET). */
export interface RouteEntry {
  method: string;
  url: string;
  /** null only for the plugins' own routes (API docs, static files). */
  policy: PolicyName | null;
  /** The token scope the route needs, as the gate resolves it. */
  scope: TokenScope;
}

const routeTables = new WeakMap<object, RouteEntry[]>();

/** Every route of a built server, in registration order: what the access-matrix and token-scope tests walk. */
export function routeTable(app: App): readonly RouteEntry[] {
  const routes = routeTables.get(app);
  if (!routes) throw new Error('not a server built by buildServer');
  return routes;
}

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The scope a token needs for a route: its declared one, else what its method implies. */
export function routeScope(method: string, declared: TokenScope | undefined): TokenScope {
  return declared ?? (readMethods.has(method.toUpperCase()) ? 'read' : 'write');
}

const publicDir = path.resolve(import.meta.dirname, '../../../public');
export const bodyLimitBytes = 1024 * 1024;
/** Retry-After of a 503 while the database is unreachable: a restart or a failover takes seconds. */
const unavailableRetrySeconds = 5;

export interface ServerOptions {
  authenticate(request: FastifyRequest): Promise<Authenticated | null>;
  modules: AppModule[];
  logger?: boolean | object;
  /** Where the rate limits count (REDIS_URL): shared by every node; absent, each process counts in memory. */
  rateLimitRedis?: Redis;
  /** Unread notifications of a signed-in person, for the header (the notifications module answers). */
  unreadNotifications?(userId: number): Promise<number>;
}

export async function buildServer(ctx: AppContext, options: ServerOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.log,
    trustProxy: ctx.config.trustProxy,
    bodyLimit: bodyLimitBytes,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: true, useDefaults: true, strictNumbers: true } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A path segment of any length reaches the route, whose validation refuses it (422, or 404 on a page) in
    // the envelope: the router's own limit (100 characters) answered a bare 414 of its own, and an unsubscribe
    // token is longer than that. The HTTP server's header limit (16 KiB) bounds a path already.
    routerOptions: { maxParamLength: 1_048_576 },
    rewriteUrl: (request) => decodablePath(request.url ?? '/'),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // Every route must name a policy; plugin routes (docs, static files) are public by nature.
  const routes: RouteEntry[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route) => {
    const policy = route.config?.policy;
    const isPluginRoute = route.url.startsWith('/api/docs') || route.url.startsWith('/static');
    if (!policy && !isPluginRoute) throw new Error(`route ${route.method} ${route.url} names no policy`);
    if (policy && !hasPolicy(policy)) throw new Error(`route ${route.method} ${route.url} names unknown policy ${policy}`);
    const declared = route.config?.scope;
    if (declared !== undefined && !tokenScopes.includes(declared)) throw new Error(`route ${route.method} ${route.url} names unknown scope ${declared}`);
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      routes.push({ method, url: route.url, policy: policy ?? null, scope: routeScope(method, declared) });
    }
  });

  await app.register(fastifyCookie, { secret: ctx.config.secret, hook: 'onRequest' });
  await app.register(fastifyFormbody, { bodyLimit: bodyLimitBytes });
  await app.register(fastifyMultipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: 5 * 1024 * 1024, files: 5, fields: 100 } });
  // Security headers by helmet, built once. (@fastify/helmet builds a new helmet, CSP parsing included,
  // on every request: a few per cent of the CPU of each signature in bench/.)
  const securityHeaders = securityHeadersFor(ctx.config);
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  await app.register(fastifyCompress, { global: true, threshold: 2048 });
  // Co-editing's websocket (drafting.collab.ts): a Yjs message is small; a whole document's first sync fits in 1 MiB.
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });
  await app.register(fastifyRateLimit, {
    global: false,
    ...(options.rateLimitRedis
      ? {
          redis: options.rateLimitRedis,
          nameSpace: 'democrator-rate-limit-',
          // Redis unreachable: the request goes through (and the log says so) rather than failing.
          skipOnError: true,
        }
      : {}),
    // The wait goes into the message as well as the Retry-After header: people read pages, not headers.
    errorResponseBuilder: (_request, context) => new DomainError('rate_limited', { seconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
  await app.register(fastifyCsrf, {
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/', secure: ctx.config.secureCookies },
    getToken: (request) => {
      const body = request.body as Record<string, unknown> | undefined;
      return (typeof body?._csrf === 'string' ? body._csrf : undefined) ?? (request.headers['x-csrf-token'] as string | undefined);
    },
  });
  await app.register(fastifyStatic, {
    root: publicDir,
    prefix: '/static/',
    maxAge: ctx.config.secretIsEphemeral ? 0 : 3_600_000,
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Democrator API',
        version: '1',
        description:
          'Collective appeals to government bodies. Authenticate with a personal API token (create one in your profile) sent as `Authorization: Bearer <token>`. Errors are `{ "error": { "code", "message", "fields" } }` with a stable `code`.',
      },
      servers: [{ url: ctx.config.baseUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Personal API token (`/account/tokens`, `POST /api/v1/tokens`)' },
          organizationToken: {
            type: 'http',
            scheme: 'bearer',
            description:
              'Organization API token, made by the organization’s head (`/cabinet/{slug}/tokens`, `POST /api/v1/cabinet/{slug}/tokens`) for its document-management system: the same `Authorization: Bearer dm_…` header, accepted by that organization’s cabinet operations that list this scheme, with a clerk’s rights and its `read`/`write` scopes. Anywhere else: `403 organization_token_cabinet_only`; another organization’s cabinet: `403 organization_token_other_organization`; the head’s own operations (members, tokens, templates, webhooks, settings): `403 organization_token_not_allowed`. It ends when revoked or when the head who made it stops heading the organization.',
          },
          inboundSecret: { type: 'apiKey', in: 'header', name: 'X-Inbound-Secret', description: 'INBOUND_MAIL_SECRET, for the inbound mail webhook' },
        },
      },
    },
    hideUntagged: true,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header,
  });

  app.addSchema(ErrorResponse);

  app.decorateRequest('actor', null);
  app.decorateRequest('actorName', null);
  app.decorateRequest('sessionId', null);
  app.decorateRequest('locale', defaultLocale);
  app.decorateRequest('t', translator(defaultLocale));

  app.addHook('onRequest', async (request, reply) => {
    // A browser that writes reads its next pages from the primary (read-your-writes, replica-reads.ts).
    noteWrite(ctx, request, reply);
    const cookieLocale = request.cookies.locale;
    const authenticated = await options.authenticate(request);
    if (authenticated) {
      request.actor = authenticated.actor;
      request.actorName = authenticated.displayName;
      request.sessionId = authenticated.sessionId;
    }
    const locale: Locale = isLocale(cookieLocale) ? cookieLocale : (authenticated?.locale ?? defaultLocale);
    request.locale = locale;
    request.t = translator(locale);
  });

  // A multipart body without a boundary, or with one longer than RFC 2046's 70 characters, cannot be split
  // into parts: busboy would throw a plain Error (500).
  app.addHook('preParsing', async (request) => {
    const type = request.headers['content-type'];
    if (type && /^\s*multipart\//i.test(type)) {
      const boundary = /;\s*boundary=(?:"([^"]*)"|([^;\s]*))/i.exec(type);
      const value = boundary?.[1] ?? boundary?.[2] ?? '';
      if (value.length < 1 || value.length > 70) throw new DomainError('malformed_body');
    }
  });

  // PostgreSQL text cannot hold a NUL byte: refused here, in any query, path or body field, before validation
  // and long before SQL (where it is a 500).
  app.addHook('preValidation', async (request) => {
    const field = nulField(request.params) ?? nulField(request.query) ?? nulField(request.body);
    if (field) throw new DomainError('invalid_characters', {}, [{ field, rule: 'invalidCharacters' }]);
  });

  // ajv coerces the string "Infinity" to Infinity and then skips minimum/maximum (ajv 8.20): no JSON or form
  // value can be a non-finite number, so one found after validation came from that coercion.
  app.addHook('preHandler', async (request) => {
    const field = nonFiniteField(request.params) ?? nonFiniteField(request.query) ?? nonFiniteField(request.body);
    if (field) throw new ValidationError([{ field, rule: 'invalid' }]);
  });

  // An answer to a signed-in caller may carry personal data (a profile, a signature, an author's PDF): no cache,
  // shared or private, may keep it, unless the route itself declares the answer public.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.actor && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  // Forms carry a CSRF token. API calls are protected by their bearer token instead — unless they
  // ride on the browser's session cookie, which then needs the token in X-CSRF-Token.
  app.addHook('preValidation', (request, reply, done) => {
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
    const viaToken = request.actor?.via === 'token';
    const isApi = request.url.startsWith('/api/');
    const needsCsrf = unsafe && !viaToken && (!isApi || request.sessionId !== null) && request.routeOptions.config.csrf !== false;
    if (!needsCsrf) return done();
    app.csrfProtection(request, reply, done);
  });

  // A token's scope is checked first, on every route, pages included (a bearer token on a page form
  // skips CSRF, so a page must not be a way round the scope).
  app.addHook('preValidation', async (request) => {
    const { policy, scope } = request.routeOptions.config;
    // No policy: the not-found handler or a plugin's own route (docs, static files).
    if (!policy) return;
    // An organization's token is that organization's cabinet API and nothing else: not a page, not a citizen's API.
    const organizationToken = request.actor?.organizationToken;
    if (organizationToken && !request.routeOptions.url?.startsWith(organizationTokenRoutePrefix) && request.routeOptions.config.organizationToken !== true) {
      throw new DomainError('organization_token_cabinet_only');
    }
    const needed = routeScope(request.method, scope);
    const missing = scopeRefusal(request.actor, needed);
    if (missing) throw new DomainError(missing, { scope: needed });
    authorizeGate(request.actor, policy);
  });

  // What an organization's token does is audited under the head who made it, naming the token (core/audit.ts). Run
  // last before the handler, after the body is read, so the handler's whole async chain sees it.
  app.addHook('preHandler', (request, _reply, done) => {
    const token = request.actor?.organizationToken;
    if (!token) return done();
    withAuditOrigin({ organizationToken: { id: token.id, name: token.name, organizationId: token.organizationId } }, done);
  });

  app.decorateReply('page', function page(this: FastifyReply, title: string, body: VNode, pageOptions: PageOptions = {}) {
    const send = (altchaEnabled: boolean, unread: number | null) => {
      const html = renderPage(this.request, this, title, body, pageOptions, { captchaCost: ctx.config.captchaCost, altchaEnabled }, unread);
      // As bytes: given a string, Fastify measures its UTF-8 length and then the socket encodes it again (a fifth of
      // the organization page's CPU at 50 readers, bench/README.md); a Buffer is encoded once.
      return this.code(pageOptions.status ?? 200)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(Buffer.from(html, 'utf8'));
    };
    const actor = this.request.actor;
    // Whether forms carry the ALTCHA widget: a site setting, cached for a few seconds (one query now and then), read
    // only for pages that load the widget's script (so an error page while the database is down does not wait for it).
    const altcha = (pageOptions.scripts?.includes('captcha.js') ? ctx.ports.settings.current(ctx) : Promise.resolve({ altchaEnabled: false })).then(
      (settings) => settings.altchaEnabled,
      (error: unknown) => {
        this.log.warn({ err: error }, 'site settings unreadable; the page shows no ALTCHA widget');
        return false;
      },
    );
    // The header's unread count: one indexed query per page a signed-in person sees. The reply is
    // a thenable, so a handler that returns it waits for this send.
    const unread =
      actor && options.unreadNotifications
        ? options.unreadNotifications(actor.id).catch((error: unknown) => {
            this.log.warn({ err: error }, 'unread count failed; the header shows none');
            return null;
          })
        : Promise.resolve(null);
    void Promise.all([altcha, unread]).then(([altchaEnabled, unreadCount]) => {
      try {
        send(altchaEnabled, unreadCount);
      } catch (error) {
        if (!this.sent) this.send(error);
      }
    });
    return this;
  });
  app.decorateReply('flash', function flash(this: FastifyReply, key: MessageKey) {
    return this.setCookie('flash', key, { signed: true, httpOnly: true, sameSite: 'lax', path: '/', secure: ctx.config.secureCookies, maxAge: 60 });
  });
  app.decorateReply('redirectAfterPost', function redirectAfterPost(this: FastifyReply, url: string) {
    return this.redirect(url, 303);
  });

  // A GET that found nothing may have moved for good (AppModule.movedTo): a 301 there instead of the 404.
  const movers = options.modules.flatMap((module) => (module.movedTo ? [module.movedTo.bind(module)] : []));
  async function moved(request: FastifyRequest): Promise<string | null> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return null;
    for (const mover of movers) {
      const target = await mover(request).catch(() => null);
      if (target) return target;
    }
    return null;
  }

  app.setErrorHandler(async (error: FastifyError | DomainError, request, reply) => {
    const { code, status, fields } = classify(error);
    if (code === 'not_found') {
      const target = await moved(request);
      if (target) return reply.redirect(target, 301);
    }
    if (code === 'service_unavailable') {
      const { message, code: cause } = error as { message?: string; code?: string };
      request.log.warn({ cause, message }, 'request failed: the database is unreachable or dropped the connection; answered 503');
    } else if (status >= 500) request.log.error({ err: error }, 'request failed');
    const t = request.t ?? translator(defaultLocale);
    const params = error instanceof DomainError ? error.params : {};
    const retryAfterSeconds =
      code === 'rate_limited' && typeof params.seconds === 'number' ? params.seconds : code === 'service_unavailable' ? unavailableRetrySeconds : undefined;
    const reason = t(`errors.${code}` as MessageKey, params);
    if (retryAfterSeconds) reply.header('retry-after', String(retryAfterSeconds));
    if (wantsJson(request)) {
      const message = retryAfterSeconds && code === 'rate_limited' ? `${reason} ${retryIn(t, retryAfterSeconds)}` : reason;
      return reply.code(status).send({
        error: {
          code,
          message,
          ...(fields.length ? { fields: fields.map((f) => ({ field: f.field, rule: f.rule, message: translateField(t, f) })) } : {}),
          ...(Object.keys(params).length ? { details: params } : {}),
        },
      });
    }
    return errorPage(request, reply, {
      status,
      kind: errorKind(code, status),
      message: reason,
      fields: fields.map((f) => translateField(t, f)),
      retryAfterSeconds,
    });
  });

  app.setNotFoundHandler(async (request, reply) => {
    const target = await moved(request);
    if (target) return reply.redirect(target, 301);
    const error = new DomainError('not_found');
    if (wantsJson(request)) {
      return reply.code(404).send({ error: { code: 'not_found', message: request.t('errors.not_found') } });
    }
    return errorPage(request, reply, { status: error.status, kind: 'not_found', message: request.t('errors.not_found'), fields: [] });
  });

  for (const module of options.modules) {
    await module.routes(app);
  }
  app.get('/api/v1/openapi.json', { config: { policy: 'public.view' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}

/**
 * The URL with every percent sign that does not start valid percent-encoded UTF-8 (`%ZZ`, a lone `%`,
 * `%ED%A0%80` — a surrogate, `%C0%AF` — an overlong form) encoded as `%25`, so it stands for itself. The
 * router cannot decode such a path and would answer a bare 400 of its own before any hook ran; this way
 * the segment reaches the route as text, and the route's validation refuses it like any other bad value.
 */
export function decodablePath(url: string): string {
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  if (!path.includes('%')) return url;
  const repaired = path.replace(/%(?![0-9A-Fa-f]{2})/g, '%25').replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      decodeURIComponent(run);
      return run;
    } catch {
      return run.replaceAll('%', '%25');
    }
  });
  return queryStart < 0 ? repaired : repaired + url.slice(queryStart);
}

/** The path of the first string holding a NUL byte in parsed input (uploaded files are bytes, not text). */
function nulField(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'body' : null;
  if (depth > 32 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return null;
  for (const [key, item] of Object.entries(value)) {
    const name = path ? `${path}.${key.replaceAll('\u0000', '')}` : key.replaceAll('\u0000', '');
    if (key.includes('\u0000')) return name;
    const found = nulField(item, name, depth + 1);
    if (found) return found;
  }
  return null;
}

function nonFiniteField(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path || 'body';
  if (depth > 32 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return null;
  for (const [key, item] of Object.entries(value)) {
    const found = nonFiniteField(item, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return null;
}

/** The security headers of every answer (helmet's middleware), also what bench/count.bench.ts gives its hello world. */
export function securityHeadersFor(config: Pick<AppContext['config'], 'mapTileUrl' | 'secureCookies'>) {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // No inline styles: no page writes a style attribute or element (Leaflet and ALTCHA set
        // element.style from script, which CSP allows; ALTCHA's stylesheet is a file, see client/captcha.ts).
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', tileOrigin(config.mapTileUrl)].filter(Boolean) as string[],
        workerSrc: ["'self'", 'blob:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    strictTransportSecurity: config.secureCookies,
  });
}

function tileOrigin(template: string): string | null {
  try {
    return new URL(template.replace(/\{[a-z]\}/g, 'a')).origin;
  } catch {
    return null;
  }
}

function errorPage(request: FastifyRequest, reply: FastifyReply, props: Omit<ErrorPageProps, 'returnPath'>) {
  const t = request.t ?? translator(defaultLocale);
  const returnPath = request.method === 'GET' ? safeReturnPath(request.url) : '/';
  return reply.page(t(errorHeading(props.kind)), ErrorPage({ ...props, returnPath }), { status: props.status });
}

function wantsJson(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/') || request.url === '/healthz';
}

function translateField(t: Translate, problem: FieldProblem): string {
  const key = `validation.${problem.rule}` as MessageKey;
  const message = t(key, problem.params);
  return message === key ? t('validation.invalid') : message;
}

interface Classified {
  code: ErrorCode;
  status: number;
  fields: FieldProblem[];
}

export function classify(error: FastifyError | DomainError): Classified {
  if (error instanceof DomainError) return { code: error.code, status: error.status, fields: error.fields };
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const fields = fastifyError.validation.map((issue) => ({
      field: fieldName(issue.instancePath, issue.params as Record<string, unknown>),
      rule: ajvRule(issue.keyword),
      params: numericParams(issue.params as Record<string, unknown>),
    }));
    return { code: 'validation_failed', status: 422, fields };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return { code: 'payload_too_large', status: 413, fields: [] };
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return { code: 'too_many_files', status: 413, fields: [] };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'malformed_json', status: 400, fields: [] };
    case 'FST_CSRF_INVALID_TOKEN':
    case 'FST_CSRF_MISSING_SECRET':
      return { code: 'csrf_invalid', status: 403, fields: [] };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'bad_request', status: 415, fields: [] };
  }
  // busboy's own errors (a part cut short, a broken header) carry no status: the body is damaged, not the server.
  if (/^(Multipart: |Unexpected end of (form|multipart data)|Malformed part header|(Part|Preamble) terminated early)/.test(fastifyError.message ?? '')) {
    return { code: 'malformed_body', status: 400, fields: [] };
  }
  if (fastifyError.statusCode === 429) return { code: 'rate_limited', status: 429, fields: [] };
  if (fastifyError instanceof SyntaxError) return { code: 'malformed_json', status: 400, fields: [] };
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { code: 'bad_request', status: fastifyError.statusCode, fields: [] };
  }
  // The database went away under the request (a restart, a failover, a cut): not a bug, and it passes.
  if (isDatabaseUnavailable(error)) return { code: 'service_unavailable', status: errorStatus.service_unavailable, fields: [] };
  return { code: 'internal', status: errorStatus.internal, fields: [] };
}

function fieldName(instancePath: string, params: Record<string, unknown>): string {
  const fromPath = instancePath.replace(/^\/(body|querystring|params)?\/?/, '').replaceAll('/', '.');
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : '';
  return [fromPath, missing].filter(Boolean).join('.') || 'body';
}

function ajvRule(keyword: string): string {
  switch (keyword) {
    case 'required':
      return 'required';
    case 'minLength':
      return 'tooShort';
    case 'maxLength':
      return 'tooLong';
    case 'format':
      return 'format';
    case 'minimum':
    case 'maximum':
      return 'outOfRange';
    case 'enum':
    case 'const':
    case 'anyOf':
      return 'notAllowed';
    default:
      return 'invalid';
  }
}

function numericParams(params: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(params)) if (typeof value === 'number') out[key] = value;
  return out;
}

function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  title: string,
  body: VNode,
  options: PageOptions,
  altcha: { captchaCost: number; altchaEnabled: boolean },
  unreadNotifications: number | null,
): string {
  let flash: string | null = null;
  const flashCookie = request.cookies.flash;
  if (flashCookie) {
    const unsigned = request.unsignCookie(flashCookie);
    if (unsigned.valid && unsigned.value) {
      flash = request.t(unsigned.value as MessageKey);
      if (flash === unsigned.value) flash = null;
    }
    reply.clearCookie('flash', { path: '/' });
  }
  const environment: PageEnvironment = {
    t: request.t,
    locale: request.locale,
    actor: request.actor,
    actorName: request.actorName,
    csrfToken: reply.generateCsrf(),
    path: request.url.split('?')[0] ?? '/',
    flash,
    ...altcha,
    unreadNotifications,
  };
  const tree = (
    <PageContext.Provider value={environment}>
      <Layout title={title} scripts={options.scripts}>
        {body}
      </Layout>
    </PageContext.Provider>
  );
  return `<!doctype html>${renderToString(tree)}`;
}
