/**
 * Rate limits per client address and per account on what abuse goes for: signing, registering, publishing a
 * problem, commenting and reporting. Each action allows its site setting's requests a minute
 * (`ctx.ports.settings`, /admin/settings) from one address and, separately, from one account, counted in
 * @fastify/rate-limit's store: Redis when REDIS_URL is set (so every node counts together), memory otherwise.
 * An action's page and API routes share its counters. Over the limit: 429 `rate_limited`, with Retry-After and
 * the wait in the message.
 *
 *   app.post('/report/:type/:id', { config: { policy: … }, onRequest: rateLimitFor(app, ctx, 'report') }, …)
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import type { RateLimitedAction } from '../site-settings.ts';
import type { App } from './server.tsx';

const windowMs = 60_000;
type Hook = (request: FastifyRequest) => Promise<void>;
const hooks = new WeakMap<App, Map<RateLimitedAction, Hook>>();

/** The onRequest hook that limits `action` (one per app and action, so that its routes share the counters). */
export function rateLimitFor(app: App, ctx: AppContext, action: RateLimitedAction): Hook {
  let byAction = hooks.get(app);
  if (!byAction) {
    byAction = new Map();
    hooks.set(app, byAction);
  }
  const existing = byAction.get(action);
  if (existing) return existing;
  const max = async () => (await ctx.ports.settings.current(ctx)).rateLimits[action];
  const limiters = [
    app.createRateLimit({ max, timeWindow: windowMs, keyGenerator: (request) => `${action}:address:${request.ip}` }),
    // Anonymous requests have no account to count (register is anonymous: its address is its limit).
    app.createRateLimit({
      max,
      timeWindow: windowMs,
      keyGenerator: (request) => `${action}:account:${request.actor?.id ?? 0}`,
      allowList: (request) => !request.actor,
    }),
  ];
  const hook: Hook = async (request) => {
    for (const limiter of limiters) {
      const result = await limiter(request);
      if (!result.isAllowed && result.isExceeded) throw new DomainError('rate_limited', { seconds: Math.max(1, result.ttlInSeconds) });
    }
  };
  byAction.set(action, hook);
  return hook;
}

const hourMs = 3600_000;
const withoutProofHooks = new WeakMap<App, Map<'register' | 'publish', Hook>>();

/**
 * The tighter limit on registrations and problems that come without an ALTCHA solution (core/security/altcha.ts):
 * the site setting's number an hour per client address, in its own counter, on top of `rateLimitFor`. The route
 * calls it once it has read the body and found no solution (`checkProofOfWork` answered `missing`).
 */
export function withoutProofLimitFor(app: App, ctx: AppContext, action: 'register' | 'publish'): Hook {
  let byAction = withoutProofHooks.get(app);
  if (!byAction) {
    byAction = new Map();
    withoutProofHooks.set(app, byAction);
  }
  const existing = byAction.get(action);
  if (existing) return existing;
  const limiter = app.createRateLimit({
    max: async () => (await ctx.ports.settings.current(ctx)).withoutProofPerHour,
    timeWindow: hourMs,
    keyGenerator: (request) => `${action}:without-proof:address:${request.ip}`,
  });
  const hook: Hook = async (request) => {
    const result = await limiter(request);
    if (!result.isAllowed && result.isExceeded) throw new DomainError('rate_limited', { seconds: Math.max(1, result.ttlInSeconds) });
  };
  byAction.set(action, hook);
  return hook;
}
