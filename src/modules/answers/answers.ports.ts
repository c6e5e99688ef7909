/**
 * What the answers module needs from modules above it (see Ports in core/context.ts): the cabinet, built on
 * answers, delivers an organization's webhooks; an answer's rating and a review's close are events its
 * subscribers hear, told in the transaction that rates or closes. And the cabinet's message threads: a citizen's
 * e-mailed reply to a thread's reply address arrives as inbound mail like a letter, and the cabinet files it.
 */
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EmitOrganizationEvent } from '../appeals/appeals.ports.ts';

/** A thread's reply address (or one signer's address for the organization's message to all signers), its signature checked. */
export type MessageReplyAddress = { threadId: number } | { broadcastId: number; userId: number };

/** An inbound message as the cabinet files it into a thread. */
export interface InboundReply {
  inboundId: number;
  messageId: string | null;
  fromAddress: string | null;
  text: string;
  receivedAt: Date;
}

/** What became of it: filed (`matched`), a copy of one filed before, or kept as unmatched with the reason. */
export interface MessageReplyOutcome {
  status: 'matched' | 'duplicate' | 'unmatched';
  reason: string | null;
}

export interface MessageReplies {
  /** The first recipient that is a message thread's reply address, `bad_signature` when one is forged, or null when none is. */
  address(ctx: AppContext, recipients: readonly string[]): MessageReplyAddress | 'bad_signature' | null;
  /** Files the reply in the inbound message's transaction (so a message is filed once, or not at all). */
  file(ctx: AppContext, trx: Executor, address: MessageReplyAddress, reply: InboundReply): Promise<MessageReplyOutcome>;
}

export interface AnswerPorts {
  organizationEvent: EmitOrganizationEvent;
  messageReplies: MessageReplies;
}

declare module '../../core/context.ts' {
  interface Ports {
    answers: AnswerPorts;
  }
}
