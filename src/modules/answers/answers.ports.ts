/**
 * What the answers module needs from modules above it (see Ports in core/context.ts): the cabinet, built on
 * answers, delivers an organization's webhooks; an answer's rating and a review's close are events its
 * subscribers hear, told in the transaction that rates or closes.
 */
import type { EmitOrganizationEvent } from '../appeals/appeals.ports.ts';

export interface AnswerPorts {
  organizationEvent: EmitOrganizationEvent;
}

declare module '../../core/context.ts' {
  interface Ports {
    answers: AnswerPorts;
  }
}
