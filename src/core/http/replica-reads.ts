/**
 * Which requests may read from the replicas (DATABASE_REPLICA_URLS). A public read path (a listing, a problem's,
 * appeal's, territory's or organization's page, a feed, a count, the map's markers) hands its services
 * `publicReads(ctx, request)` instead of `ctx`; everything else reads and writes on the primary, as without replicas.
 *
 * The replica-reading context is given only to a GET or HEAD that is not made with an API token and whose browser has
 * not written within the last `readYourWritesSeconds`: any POST, PUT, PATCH or DELETE sets the short-lived
 * `wrote` cookie, so a person's own pages right after they act are read from the primary (read-your-writes). When
 * the cookie expires every replica read from is fresher than the write (a replica further behind than the bound is
 * not read from at all). A token's client keeps no cookie: its reads stay on the primary.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';

export const wroteCookie = 'wrote';

/** How long a browser that wrote reads from the primary: the replicas' lag bound, and the checks' and clocks' margin. */
export function readYourWritesSeconds(maxLagSeconds: number): number {
  return maxLagSeconds + 5;
}

const readMethods = new Set(['GET', 'HEAD']);

/** Whether this request may read from a replica (when there are replicas). */
export function mayReadReplica(request: Pick<FastifyRequest, 'method' | 'actor' | 'cookies'>): boolean {
  if (!readMethods.has(request.method)) return false;
  if (request.actor?.via === 'token') return false;
  return request.cookies[wroteCookie] === undefined;
}

/** The context a public read path reads with: the replica-reading one when there are replicas and the request may. */
export function publicReads(ctx: AppContext, request: Pick<FastifyRequest, 'method' | 'actor' | 'cookies'>): AppContext {
  return ctx.replicaReads && mayReadReplica(request) ? ctx.replicaReads : ctx;
}

/** Marks a browser that wrote (server.tsx, on every unsafe request while there are replicas). */
export function noteWrite(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): void {
  if (!ctx.replicaReads || readMethods.has(request.method) || request.method === 'OPTIONS') return;
  reply.setCookie(wroteCookie, '1', {
    path: '/',
    maxAge: readYourWritesSeconds(ctx.config.databaseReplicaMaxLagSeconds),
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.secureCookies,
  });
}
