/**
 * The rules of moderation, without I/O: what can be reported and why, when reports hide an item pending review,
 * who may decide on it, and when its author may appeal. A case is one reported item's life:
 *
 *   reported ──(reports from enough different people)──▶ auto_hidden ──▶ hidden | restored
 *   reported ──(a moderator)──▶ hidden | restored;   restored ──(new reports)──▶ reported …
 *   hidden ──(its author appeals, once)──▶ an administrator upholds it (hidden) or reverses it (restored)
 */
import type { ModerationCaseState, ModerationItemType, ModerationSubjectType, ReportReason } from '../../core/db/schema.ts';
import type { Refusal } from '../../core/policy.ts';

/** The items that are shown publicly, each reportable itself or as the way to report its author. */
export const itemTypes = ['problem', 'comment', 'appeal', 'rating', 'amendment', 'amendment_comment'] as const satisfies readonly ModerationItemType[];
export const subjectTypes = [...itemTypes, 'user'] as const satisfies readonly ModerationSubjectType[];
/** What a report is about: the item, or the person who wrote it. */
export const reportTargets = ['item', 'author'] as const;
export type ReportTarget = (typeof reportTargets)[number];
export const reportReasons = ['spam', 'abuse', 'personal_data', 'illegal', 'misleading', 'other'] as const satisfies readonly ReportReason[];
export const decisions = ['hide', 'restore'] as const;
export type Decision = (typeof decisions)[number];
export const appealOutcomes = ['upheld', 'reversed'] as const;
export type AppealOutcome = (typeof appealOutcomes)[number];

export const detailsMaxLength = 1000;
/** The public reason shown in place of hidden content: a sentence, not an essay. */
export const reasonMinLength = 5;
export const reasonMaxLength = 500;
export const appealMinLength = 10;
export const appealMaxLength = 2000;
/** At most this many items in one bulk decision: one page of the queue. */
export const bulkMax = 50;

export function isItemType(value: unknown): value is ModerationItemType {
  return typeof value === 'string' && (itemTypes as readonly string[]).includes(value);
}
export function isReportReason(value: unknown): value is ReportReason {
  return typeof value === 'string' && (reportReasons as readonly string[]).includes(value);
}
export function isDecision(value: unknown): value is Decision {
  return typeof value === 'string' && (decisions as readonly string[]).includes(value);
}
export function isAppealOutcome(value: unknown): value is AppealOutcome {
  return typeof value === 'string' && (appealOutcomes as readonly string[]).includes(value);
}

/**
 * Whether the report that brought the open reports to `openReports` hides the item now, pending review. Never a
 * person: reports can take words off a page until a moderator looks, but blocking someone is a moderator's act.
 */
export function hidesPendingReview(type: ModerationSubjectType, state: ModerationCaseState, openReports: number, threshold: number): boolean {
  return type !== 'user' && state === 'reported' && openReports >= threshold;
}

/** The state a new report leaves: a restored item reported again waits for review again. */
export function stateAfterReport(state: ModerationCaseState): ModerationCaseState {
  return state === 'restored' ? 'reported' : state;
}

export interface CaseForDecision {
  authorId: number | null;
  state: ModerationCaseState;
  /** The author appealed and no administrator has decided yet. */
  appealPending: boolean;
}

/**
 * Whether this person may decide on the case (CONSUL's rule: moderators never act on their own content), nor on
 * one they reported (they would be judge in their own complaint). An appealed decision is the administrator's.
 */
export function decisionRefusal(actorId: number, item: CaseForDecision, reportedByActor: boolean): Refusal | null {
  if (item.authorId === actorId || reportedByActor) return 'own_content';
  if (item.appealPending) return 'wrong_state';
  return null;
}

export interface CaseForAppeal {
  authorId: number | null;
  state: ModerationCaseState;
  appealedAt: Date | null;
}

/** The author may appeal a moderator's decision to hide his item, once. */
export function appealRefusal(actorId: number, item: CaseForAppeal): Refusal | null {
  if (item.authorId !== actorId) return 'not_author';
  if (item.appealedAt) return 'already_appealed';
  if (item.state !== 'hidden') return 'not_appealable';
  return null;
}

/** What a report about this person's own item is: refused, so nobody hides what he regrets by reporting it. */
export function reportRefusal(actorId: number, authorId: number | null): Refusal | null {
  return authorId === actorId ? 'own_content' : null;
}
