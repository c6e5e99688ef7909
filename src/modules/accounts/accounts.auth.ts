/** Who is asking: a personal API token in Authorization, or the browser's session cookie. */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { DomainError } from '../../core/errors.ts';
import type { Authenticated } from '../../core/http/server.tsx';
import { isLocale } from '../../core/i18n/i18n.ts';
import { sessionCookie } from './accounts.pages.tsx';
import { type ResolvedActor, resolveApiToken, resolveSession } from './accounts.service.ts';

export function authenticator(ctx: AppContext) {
  return async function authenticate(request: FastifyRequest): Promise<Authenticated | null> {
    let resolved: ResolvedActor | null = null;
    const authorization = request.headers.authorization;
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      resolved = match?.[1] ? await resolveApiToken(ctx, match[1]) : null;
      // A client that presents a token expects it to count; silently treating it as anonymous hides bugs.
      if (!resolved) throw new DomainError('unauthenticated');
    } else {
      const token = request.cookies[sessionCookie];
      if (token) resolved = await resolveSession(ctx, token);
    }
    if (!resolved) return null;
    const { user } = resolved;
    return {
      actor: resolved.actor,
      displayName: `${user.first_name} ${user.surname}`,
      sessionId: resolved.sessionId,
      locale: isLocale(user.locale) ? user.locale : null,
    };
  };
}
