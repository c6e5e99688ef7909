/** Reading urlencoded form bodies: every field is a string or absent, never trusted. */
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors.ts';
import type { Actor } from '../policy.ts';

export type FormBody = Record<string, unknown>;

export function form(request: FastifyRequest): FormBody {
  const body = request.body;
  return body && typeof body === 'object' ? (body as FormBody) : {};
}

export function text(body: FormBody, name: string, max = 10_000): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.slice(0, max) : '';
}

export function optionalId(body: FormBody, name: string): number | null {
  const value = text(body, name, 20).trim();
  if (!value) return null;
  const id = Number(value);
  return Number.isInteger(id) && id > 0 ? id : -1;
}

export function query(request: FastifyRequest, name: string): string {
  const q = request.query as Record<string, unknown> | undefined;
  const value = q?.[name];
  return typeof value === 'string' ? value : '';
}

export function pageNumber(request: FastifyRequest): number {
  const page = Number.parseInt(query(request, 'page'), 10);
  return Number.isInteger(page) && page > 0 && page < 100_000 ? page : 1;
}

/** A redirect target from a form or query: only a path on this site. */
export function safeReturnPath(value: string, fallback = '/'): string {
  return value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : fallback;
}

/** The signed-in actor, or 401: for handlers whose policy admits anonymous visitors but whose action needs someone. */
export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new DomainError('unauthenticated');
  return request.actor;
}
