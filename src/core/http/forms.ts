/** Reading urlencoded form bodies: every field is a string or absent, never trusted. */
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors.ts';
import type { Actor } from '../policy.ts';
import { firstCharacters } from '../text/characters.ts';
import { maxId } from './api-schemas.ts';

export type FormBody = Record<string, unknown>;

export function form(request: FastifyRequest): FormBody {
  const body = request.body;
  return body && typeof body === 'object' ? (body as FormBody) : {};
}

/** An uploaded file's contents as UTF-8 text (a CSV to import), or a field sent as text; '' when there is neither. */
export function uploadedText(body: FormBody, name: string): string {
  const file = body[name];
  return Buffer.isBuffer(file) ? file.toString('utf8') : typeof file === 'string' ? file : '';
}

export function text(body: FormBody, name: string, max = 10_000): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? firstCharacters(first, max) : '';
}

/**
 * A row id written as text (a form field, a checkbox value): digits only, a positive PostgreSQL integer; else
 * -1, which names no record. Number() would take `1e10`, `0x10` or ` 7`, and SQL refuses what lies past 2^31 − 1.
 */
export function idFromText(value: string): number {
  return /^[0-9]{1,10}$/.test(value) && Number(value) >= 1 && Number(value) <= maxId ? Number(value) : -1;
}

/** An id chosen in a form: null when left empty, -1 (names no record) when it is not a positive PostgreSQL integer. */
export function optionalId(body: FormBody, name: string): number | null {
  const value = text(body, name, 20).trim();
  if (!value) return null;
  return idFromText(value);
}

/** Every id a form sends under one name (checkboxes, repeated hidden fields); anything that is not a positive PostgreSQL integer drops out. */
export function idList(body: FormBody, name: string, max = 50): number[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values
    .slice(0, max)
    .filter((v): v is string => typeof v === 'string' && /^[0-9]{1,10}$/.test(v.trim()))
    .map((v) => Number(v.trim()))
    .filter((id) => id >= 1 && id <= maxId);
}

/**
 * The id in a page's path (or another PostgreSQL integer, such as a photo's 0-based position). Anything
 * outside [minimum, 2147483647] names no record: 404, before it reaches SQL (where 2147483648 would be
 * an error, not a miss).
 */
export function idParam(request: FastifyRequest, name = 'id', minimum = 1): number {
  const value = (request.params as Record<string, string | undefined>)[name] ?? '';
  const id = /^[0-9]{1,10}$/.test(value) ? Number(value) : -1;
  if (id < minimum || id > maxId) throw new DomainError('not_found');
  return id;
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

// Any origin will do: it only has to be one no real path can leave.
const returnBase = new URL('http://return.invalid');

/**
 * A redirect target from a form or query: only a path on this site, else `fallback`.
 * Browsers parse a Location with the WHATWG URL parser, which drops tab, CR and LF and reads `\\` as `/`,
 * so `/\t/evil.example` is `//evil.example` to them. A prefix check cannot see that; we parse the value
 * as the browser would, demand the same origin, and send back the parsed path, query and fragment —
 * always ASCII (non-Latin-1 characters percent-encoded), so the header can never be refused with a 500.
 */
export function safeReturnPath(value: string, fallback = '/'): string {
  // Control characters and backslashes have no business in a link of ours; refusing them outright
  // also refuses whatever a browser might make of them that our parser does not.
  if (!value.startsWith('/') || hasControlOrBackslash(value)) return fallback;
  let parsed: URL;
  try {
    parsed = new URL(value, returnBase);
  } catch {
    return fallback;
  }
  if (parsed.origin !== returnBase.origin) return fallback;
  const target = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  return target.startsWith('/') && !target.startsWith('//') ? target : fallback;
}

function hasControlOrBackslash(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

/** The signed-in actor, or 401: for handlers whose policy admits anonymous visitors but whose action needs someone. */
export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new DomainError('unauthenticated');
  return request.actor;
}
