/**
 * Typed domain errors. Each code maps to one HTTP status and one translated message
 * (`errors.<code>` in the dictionaries); users never see a stack trace.
 */
export const errorStatus = {
  validation_failed: 422,
  bad_request: 400,
  malformed_json: 400,
  malformed_body: 400,
  invalid_characters: 400,
  payload_too_large: 413,
  too_many_files: 413,
  upload_too_many_files: 413,
  upload_wrong_type: 422,
  unauthenticated: 401,
  forbidden: 403,
  not_author: 403,
  not_member: 403,
  not_head: 403,
  already_signed_in: 403,
  wrong_state: 409,
  csrf_invalid: 403,
  not_found: 404,
  conflict: 409,
  email_taken: 409,
  invalid_credentials: 401,
  email_not_verified: 403,
  account_blocked: 403,
  cannot_act_on_self: 403,
  cannot_block_staff: 403,
  own_admin_role: 409,
  already_blocked: 409,
  not_blocked: 409,
  token_scope_missing: 403,
  /** An organization's API token used outside that organization's cabinet API (another route, a page). */
  organization_token_cabinet_only: 403,
  /** An organization's API token used on another organization's cabinet. */
  organization_token_other_organization: 403,
  /** What an organization's token may never do: leave the cabinet, manage members, tokens, templates or webhooks. */
  organization_token_not_allowed: 403,
  token_invalid: 400,
  token_expired: 400,
  token_used: 400,
  /** A proof of work (ALTCHA) sent but forged, expired or used before. */
  altcha_failed: 422,
  rate_limited: 429,
  unknown_territory: 422,
  unknown_organization: 422,
  unknown_category: 422,
  import_failed: 422,
  already_signed: 409,
  signing_closed: 409,
  /** The signer read (or his client showed) a version of the text the appeal has replaced since: he reads the current one first. */
  text_changed: 409,
  appeal_frozen: 409,
  appeal_not_open: 409,
  appeal_already_sent: 409,
  appeal_dispatching: 409,
  appeal_still_draft: 409,
  appeal_no_signatures: 409,
  appeal_already_drafted: 409,
  stale_revision: 409,
  /** A save made from an older revision changed a passage that changed meanwhile: the person resolves it. */
  draft_conflict: 409,
  not_coauthor: 403,
  already_coauthor: 409,
  draft_locked: 409,
  /** An amendment can no longer be accepted: the appeal has `limit` signatures or more (the author may start a new appeal). */
  amendment_too_late: 409,
  /** The amendment was made from a version the appeal has replaced since: propose it again on the current text. */
  amendment_outdated: 409,
  /** The signatures reached the appeal's threshold: it goes to the addressee under the text they signed. */
  amendment_threshold_reached: 409,
  /** The amendment was decided already (accepted or rejected). */
  amendment_decided: 409,
  /** Too many amendments of one person (or of the appeal) wait for a decision. */
  amendment_limit: 409,
  letter_already_decided: 409,
  appeal_already_answered: 409,
  not_signer: 403,
  moderator_involved: 403,
  review_closed: 409,
  escalation_not_allowed: 409,
  appeal_already_escalated: 409,
  already_extended: 409,
  extension_too_late: 409,
  /** The appeal was already forwarded to the competent body: it is that body's now, in the next appeal of the chain. */
  already_forwarded: 409,
  /** An appeal is forwarded to another body than its addressee. */
  same_organization: 422,
  already_member: 409,
  membership_pending: 409,
  membership_decided: 409,
  last_head: 409,
  webhook_disabled: 409,
  /** The appeal's or problem's author deleted the account: there is nobody to write to. */
  message_no_citizen: 409,
  /** An organization writes about a problem only while it holds it «на контроль» (or about an appeal addressed to it). */
  message_not_controlled: 409,
  answer_needs_approval: 403,
  answer_not_submitted: 409,
  /** The document's PDF is still being set (a job, seconds after issuing). */
  document_not_ready: 409,
  inbound_secret_invalid: 401,
  language_warning: 422,
  /** Moderation hid it: the reason is shown in its place. */
  content_hidden: 410,
  own_content: 403,
  already_reported: 409,
  /** Another moderator decided the case after this one's page was loaded: nothing is decided twice unseen. */
  case_already_decided: 409,
  already_appealed: 409,
  not_appealable: 409,
  unsubscribe_invalid: 400,
  /** A listing's `after` or `before` link was damaged or made up (problems.rules.ts decodeCursor). */
  invalid_cursor: 400,
  /** The map's `bbox` is not `west,south,east,north` in degrees with west < east and south < north (problems.rules.ts parseMapBox). */
  invalid_bbox: 400,
  internal: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** A field-level problem: the field name and the message key under `validation.`. */
export interface FieldProblem {
  field: string;
  rule: string;
  params?: Record<string, string | number>;
}

export class DomainError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly params: Record<string, string | number> = {},
    readonly fields: FieldProblem[] = [],
  ) {
    super(code);
    this.status = errorStatus[code];
  }
}

export class ValidationError extends DomainError {
  constructor(fields: FieldProblem[]) {
    super('validation_failed', {}, fields);
  }
}

/** Collects field problems and throws them together, so a form shows every mistake at once. */
export class FieldChecks {
  readonly problems: FieldProblem[] = [];
  add(field: string, rule: string, params?: Record<string, string | number>): void {
    this.problems.push({ field, rule, ...(params ? { params } : {}) });
  }
  has(field: string): boolean {
    return this.problems.some((p) => p.field === field);
  }
  throwIfAny(): void {
    if (this.problems.length > 0) throw new ValidationError(this.problems);
  }
}

/** The field problems a refused form carries (a ValidationError, or a domain error naming fields), or null for any other error. */
export function problemsOf(error: unknown): FieldProblem[] | null {
  return error instanceof DomainError && error.fields.length > 0 ? error.fields : null;
}
