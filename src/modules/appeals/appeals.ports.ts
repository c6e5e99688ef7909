/**
 * What the appeals module needs from modules above it (see Ports in core/context.ts). The answers module
 * builds on appeals (it reads an appeal to file a letter to it), yet the appeal page shows the answer and
 * the letters: appeals declare here what they ask for, answers implements it, src/app.ts plugs it in.
 */
import type { VNode } from 'preact';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, AppealRevision } from '../../core/db/schema.ts';
import type { Actor } from '../../core/policy.ts';

/**
 * What an organization's integrations hear (its cabinet's webhooks, Standard Webhooks). `message.received`: a citizen
 * answered in one of the organization's message threads (the cabinet's messages), on the site or by e-mail.
 */
export const organizationEventTypes = ['appeal.received', 'appeal.overdue', 'appeal.forwarded', 'answer.rated', 'review.closed', 'message.received'] as const;
export type OrganizationEventType = (typeof organizationEventTypes)[number];

/** An event for the organization's subscribers: what happened, to which appeal, and its details (no personal data). */
export interface OrganizationEvent {
  organizationId: number;
  type: OrganizationEventType;
  data: Record<string, unknown>;
}

/** Tells the organization's subscribers of an event, in the caller's transaction (an outbox: sent only if it commits). */
export type EmitOrganizationEvent = (ctx: AppContext, trx: Executor, event: OrganizationEvent) => Promise<void>;

/** The live co-editing session of drafts (the drafting module): what appeals tell it, and ask of it. */
export interface DraftSessions {
  /**
   * Records the session's typing not yet in a revision and holds further typing back (before a form save, a restore,
   * or freezing the text): every settle is followed by `revised`, whatever the outcome, which lets typing in again.
   */
  settle(ctx: AppContext, appealId: number): Promise<void>;
  /** After a settle: the revision saved outside the session (the session's document takes it), or null for none. */
  revised(ctx: AppContext, appealId: number, revision: AppealRevision | null): Promise<void>;
  /** Who may write changed (a co-author joined, left or was removed, the text was locked, the draft unshared or frozen): open connections are checked again now, `userId` alone or everyone's when null. */
  accessChanged(ctx: AppContext, appealId: number, userId: number | null): Promise<void>;
}

export interface AppealPorts {
  drafts: DraftSessions;
  /** An appeal reached its addressee, or became overdue: the addressee's webhooks hear it (the cabinet implements it). */
  organizationEvent: EmitOrganizationEvent;
  /** The appeal's answer and letters as the viewer may see them (pending letters only for whoever decides), or null when there are none. */
  lettersSection(ctx: AppContext, viewer: Actor | null, appealId: number): Promise<VNode | null>;
  /** The overdue sweep marked the appeal: its addressee's rating counts it, in the sweep's transaction. */
  answerOverdue(trx: Executor, appeal: Pick<Appeal, 'id' | 'organization_id'>, at: Date): Promise<void>;
  /**
   * The addressee forwarded the appeal to the competent body: it owes no answer to it any more, so its rating stops
   * counting it (an overdue mark included), in the forwarding's transaction.
   */
  appealForwarded(trx: Executor, appeal: Pick<Appeal, 'id' | 'organization_id' | 'answer_overdue_at'>, at: Date): Promise<void>;
}

declare module '../../core/context.ts' {
  interface Ports {
    appeals: AppealPorts;
  }
}
