/**
 * Appeals: the state machine and the frozen text's hash (the 59-FZ deadlines are in appeals.deadlines.ts). No I/O — these
 * functions are the source of truth the property-based tests check.
 *
 *   draft → collecting → sent → registered → answered → review → closed   (the answer opens the review at once)
 *   sent | registered → closed «без ответа» (a grace period after the answer term)
 *   draft | collecting → withdrawn;   sent | registered → forwarded (a new appeal in the chain, appeals.forwarding.ts)
 */
import { createHash } from 'node:crypto';
import type { AppealStatus } from '../../core/db/schema.ts';

export type AppealAction =
  | 'revise'
  | 'open'
  | 'sign'
  | 'withdrawSignature'
  | 'amend'
  | 'dispatch'
  | 'recordSelfSent'
  | 'withdraw'
  | 'markOverdue'
  | 'register'
  | 'receiveLetter'
  | 'recordAnswer'
  | 'rateAnswer'
  | 'closeReview'
  | 'closeUnanswered'
  | 'forward'
  | 'downloadPdf';

const allowed: Record<AppealAction, readonly AppealStatus[]> = {
  revise: ['draft'],
  open: ['draft'],
  sign: ['collecting'],
  withdrawSignature: ['collecting'],
  // The signed text changes only by an accepted amendment, while signatures are collected (and before 1,000 of them: the service).
  amend: ['collecting'],
  dispatch: ['collecting'],
  // A collective appeal goes out with its signatures under a frozen text: a draft has neither (the service checks the count).
  recordSelfSent: ['collecting'],
  withdraw: ['draft', 'collecting'],
  // The body owes an answer (59-FZ Art. 12) from sending until an answer comes; marking it overdue changes no state.
  markOverdue: ['sent', 'registered'],
  // The body registered it (59-FZ Art. 8 p. 2): the answer term runs from that day.
  register: ['sent'],
  // Letters from the body (acknowledgements, notices, answers) come once the appeal went out, also after the answer.
  receiveLetter: ['sent', 'registered', 'answered', 'review', 'closed', 'forwarded'],
  // The answer ends the term; a late answer counts too (the overdue mark stays). Publishing it opens the review at once:
  // only a confirmed (published) answer is recorded, so `answered` is the stage the tracker shows, not a state to wait in.
  recordAnswer: ['sent', 'registered'],
  // The signers and the author rate the answer while its review window is open (the service checks its end).
  rateAnswer: ['review'],
  // The window's end freezes the ratings and closes the appeal with the citizens' verdict.
  closeReview: ['review'],
  // No answer by the due date and a grace period after it: closed «без ответа», counted as unanswered.
  closeUnanswered: ['sent', 'registered'],
  // The body passes it to the competent body (59-FZ Art. 8 p. 3) while it is with the body and not answered: once,
  // since a forwarded appeal is no longer the body's (the competent body forwards its own appeal, the next in the chain).
  forward: ['sent', 'registered'],
  downloadPdf: ['draft', 'collecting', 'sent', 'registered', 'answered', 'review', 'closed', 'forwarded'],
};

export function canPerform(status: AppealStatus, action: AppealAction): boolean {
  return allowed[action].includes(status);
}

/** Whether the body owes an answer (59-FZ Art. 12): from sending until the answer comes, the answer term runs. */
export function awaitsAnswer(status: AppealStatus): boolean {
  return canPerform(status, 'markOverdue');
}

/** The states in which the action is allowed: the guard of a status change written as one SQL update. */
export function statusesAllowing(action: AppealAction): AppealStatus[] {
  return [...allowed[action]];
}

export function nextStatus(status: AppealStatus, action: AppealAction): AppealStatus {
  if (!canPerform(status, action)) throw new Error(`${action} is not allowed in ${status}`);
  switch (action) {
    case 'open':
      return 'collecting';
    case 'dispatch':
    case 'recordSelfSent':
      return 'sent';
    case 'withdraw':
      return 'withdrawn';
    case 'recordAnswer':
      return 'review';
    case 'closeReview':
    case 'closeUnanswered':
      return 'closed';
    case 'register':
      return 'registered';
    case 'forward':
      return 'forwarded';
    default:
      return status;
  }
}

/** Line endings and surrounding blank space are not part of the text a signer agrees to. */
export function normalizeAppealText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .trim()
    .normalize('NFC');
}

export function textSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Full name as the law wants it in a written appeal (Art. 7): surname, first name, patronymic if any. */
export function signatoryName(surname: string, firstName: string, patronymic: string | null): string {
  return [surname, firstName, patronymic]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
}

/**
 * A calendar date typed into a form: Russian «05.03.2026» (also «5.3.2026»), or ISO «2026-03-05» (what a browser's date
 * picker and older forms send). Noon in Moscow, so the day is the same in every time zone the server may run in.
 * Null for anything else, including days that do not exist (31.02.2026).
 */
export function parseFormDate(value: string): Date | null {
  const text = value.trim();
  const russian = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const [year, month, dayOfMonth] = russian ? [russian[3], russian[2], russian[1]] : iso ? [iso[1], iso[2], iso[3]] : [];
  if (!year || !month || !dayOfMonth) return null;
  const [y, m, d] = [Number(year), Number(month), Number(dayOfMonth)];
  const calendar = new Date(Date.UTC(y, m - 1, d));
  if (calendar.getUTCFullYear() !== y || calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== d) return null;
  return new Date(`${year}-${month.padStart(2, '0')}-${dayOfMonth.padStart(2, '0')}T12:00:00+03:00`);
}

/** The stages an appeal goes through, in order, as its tracker shows them. */
export const appealStageOrder = ['draft', 'collecting', 'sent', 'registered', 'answered', 'review', 'closed'] as const;
export type AppealStage = (typeof appealStageOrder)[number] | 'withdrawn' | 'forwarded';
export type StageState = 'done' | 'current' | 'upcoming';

/**
 * The tracker of an appeal: every stage passed is done, the status is current, the rest upcoming. A withdrawn
 * appeal ends after the stages it reached (a draft, or signatures too if it was opened), a forwarded one after
 * sending (and registration, if the body gave a number); their end state is current and nothing follows it.
 */
export function appealStages(
  appeal: { status: AppealStatus } & Partial<{ opened_at: Date | null; registration_number: string | null; answered_at: Date | null }>,
): { stage: AppealStage; state: StageState }[] {
  const passed = (upTo: number) => appealStageOrder.slice(0, upTo).map((stage) => ({ stage, state: 'done' as const }));
  if (appeal.status === 'withdrawn') return [...passed(appeal.opened_at ? 2 : 1), { stage: 'withdrawn', state: 'current' }];
  if (appeal.status === 'forwarded') return [...passed(appeal.registration_number ? 4 : 3), { stage: 'forwarded', state: 'current' }];
  const at = appealStageOrder.indexOf(appeal.status);
  // A closed appeal has nothing ahead: its last stage is done, not waiting. One closed with no answer skipped the answer and its review.
  if (appeal.status === 'closed')
    return appeal.answered_at === null ? [...passed(appeal.registration_number ? 4 : 3), { stage: 'closed', state: 'done' }] : passed(appealStageOrder.length);
  return appealStageOrder.map((stage, i) => ({ stage, state: i < at ? 'done' : i === at ? 'current' : 'upcoming' }));
}

/**
 * Whether the author may escalate the appeal to another body (DESIGN §2): after it closed unresolved, partly
 * resolved, unrated or unanswered, or while its answer is overdue. A problem the citizens called solved is not
 * escalated; neither is an appeal still in its course.
 */
export function escalationRefusal(
  appeal: { status: AppealStatus } & Partial<{ outcome: 'resolved' | 'partly' | 'unresolved' | 'unanswered' | null; answer_overdue_at: Date | null }>,
): 'escalation_not_allowed' | null {
  if (appeal.status === 'closed') return appeal.outcome === 'resolved' ? 'escalation_not_allowed' : null;
  if (awaitsAnswer(appeal.status) && appeal.answer_overdue_at) return null;
  return 'escalation_not_allowed';
}
