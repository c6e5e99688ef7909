/**
 * The cabinet's pure rules: the checks on what officials type (a request to join, a template, an answer being
 * prepared), and how the inbox reads its filters from a query string. No I/O.
 */
import type { MemberRole } from '../../core/db/schema.ts';
import type { FieldChecks } from '../../core/errors.ts';
import { characterCount } from '../../core/text/characters.ts';

export const memberRoles: readonly MemberRole[] = ['head', 'clerk'];

export function isMemberRole(value: unknown): value is MemberRole {
  return typeof value === 'string' && (memberRoles as readonly string[]).includes(value);
}

export const positionMaxLength = 200;
export const requestNoteMaxLength = 1000;
export const decisionReasonMaxLength = 1000;
export const templateTitleMaxLength = 200;
export const answerTextMaxLength = 20_000;
export const returnReasonMaxLength = 2000;
export const savedViewNameMaxLength = 100;

export function checkPosition(checks: FieldChecks, position: string, field = 'position'): void {
  const trimmed = position.trim();
  if (!trimmed) checks.add(field, 'required');
  else if (characterCount(trimmed) > positionMaxLength) checks.add(field, 'tooLong', { limit: positionMaxLength });
}

export function checkMembershipRequest(checks: FieldChecks, input: { position: string; note: string }): void {
  checkPosition(checks, input.position);
  if (characterCount(input.note.trim()) > requestNoteMaxLength) checks.add('note', 'tooLong', { limit: requestNoteMaxLength });
}

export function checkTemplate(checks: FieldChecks, input: { title: string; body: string }): void {
  const title = input.title.trim();
  if (!title) checks.add('title', 'required');
  else if (characterCount(title) > templateTitleMaxLength) checks.add('title', 'tooLong', { limit: templateTitleMaxLength });
  const body = input.body.trim();
  if (!body) checks.add('body', 'required');
  else if (characterCount(body) > answerTextMaxLength) checks.add('body', 'tooLong', { limit: answerTextMaxLength });
}

/** A template's text with the appeal's own details put in: {номер}, {дата}, {заголовок}. */
export function fillTemplate(body: string, appeal: { id: number; title: string; registrationNumber: string | null; sentOn: string | null }): string {
  return body
    .replaceAll('{номер}', appeal.registrationNumber ?? `№ ${appeal.id}`)
    .replaceAll('{дата}', appeal.sentOn ?? '')
    .replaceAll('{заголовок}', appeal.title);
}

export function checkSavedViewName(checks: FieldChecks, name: string): void {
  const trimmed = name.trim();
  if (!trimmed) checks.add('name', 'required');
  else if (characterCount(trimmed) > savedViewNameMaxLength) checks.add('name', 'tooLong', { limit: savedViewNameMaxLength });
}

/** The inbox's own query parameters, in their order: a saved view keeps exactly these. */
export const inboxParameters = ['state', 'overdue', 'assignee', 'territory', 'category', 'q', 'sort'] as const;

/** A query string reduced to the inbox's parameters (anything else dropped), for saving a view. */
export function inboxQuery(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const name of inboxParameters) {
    const value = query[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string' && first.trim()) params.set(name, first.trim().slice(0, 200));
  }
  return params.toString();
}
