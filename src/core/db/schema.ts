/** Typed tables: the one description of the database that Kysely queries are checked against. */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type UserRole = 'citizen' | 'moderator' | 'admin';
export type TerritoryLevel = 'federal_subject' | 'municipality';
export type TerritoryKind =
  | 'republic'
  | 'krai'
  | 'oblast'
  | 'federal_city'
  | 'autonomous_oblast'
  | 'autonomous_okrug'
  | 'municipal_district'
  | 'municipal_okrug'
  | 'urban_okrug';
export type OrganizationKind = 'federal_body' | 'regional_body' | 'municipal_administration' | 'legislative_body' | 'deputy' | 'party' | 'ngo' | 'utility';
export type EmailTokenPurpose = 'verify_email' | 'reset_password' | 'change_email';
export type MailStatus = 'queued' | 'sent' | 'outbox' | 'failed';
/** Why the last attempt to deliver a message failed, in words that may be shown to anyone. */
export type MailErrorKind = 'unreachable' | 'deferred' | 'rejected' | 'other';
export type TokenScope = 'read' | 'sign' | 'write';

export interface TerritoriesTable {
  id: Generated<number>;
  parent_id: number | null;
  level: TerritoryLevel;
  kind: TerritoryKind;
  name: string;
  name_en: string | null;
  okato: string | null;
  oktmo: string;
  iso_code: string | null;
  federal_district: string | null;
  /** IANA zone; set on every federal subject, on a municipality only where it differs from its subject's. */
  time_zone: string | null;
  created_at: CreatedAt;
}

export interface CategoriesTable {
  id: Generated<number>;
  slug: string;
  name_ru: string;
  name_en: string;
  position: number;
}

export interface OrganizationsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  kind: OrganizationKind;
  parent_id: number | null;
  territory_id: number;
  appeal_email: string | null;
  postal_address: string | null;
  website: string | null;
  appeal_threshold: Generated<number>;
  description: string | null;
  created_at: CreatedAt;
  /** E-mail domains of the organization's own staff: a verified address on one joins its cabinet without an administrator. */
  official_email_domains: Generated<string[]>;
  /** A clerk's answer waits for the head's approval before it is published. */
  answers_need_approval: Generated<boolean>;
  /** The timeline names the official (name and position) beside the organization. */
  show_official_names: Generated<boolean>;
}

export interface OrganizationJurisdictionsTable {
  id: Generated<number>;
  organization_id: number;
  territory_id: number;
  /** null: every category. */
  category_id: number | null;
}

export type MemberRole = 'head' | 'clerk';

/** Who works in which organization's cabinet; read with the user by authentication. */
export interface OrganizationMembersTable {
  organization_id: number;
  user_id: number;
  role: MemberRole;
  created_at: CreatedAt;
  position: string | null;
}

export type MembershipRequestStatus = 'pending' | 'approved' | 'rejected' | 'cancelled';

/** An official's request to work in an organization's cabinet (migration 0020). */
export interface MembershipRequestsTable {
  id: Generated<number>;
  organization_id: number;
  user_id: number;
  position: string;
  note: string | null;
  status: Generated<MembershipRequestStatus>;
  decided_by: number | null;
  decided_at: Date | null;
  decision_reason: string | null;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string;
  surname: string;
  first_name: string;
  patronymic: string | null;
  municipality_id: number | null;
  postal_address: string | null;
  role: Generated<UserRole>;
  locale: Generated<string>;
  email_verified_at: Date | null;
  /** A keyed hash of the client network the account was registered from. */
  registration_address_hash: string | null;
  /** The mailbox the address reaches (accounts.rules.ts, canonicalEmail), unique; a pre-existing duplicate keeps its own address. */
  email_canonical: string;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  /** Set, with a reason, when a moderator or admin blocks the account: its sessions and tokens stop working. */
  blocked_at: Date | null;
  blocked_reason: string | null;
  blocked_by: number | null;
}

export interface SessionsTable {
  /** SHA-256 of the cookie token: a stolen database does not yield live sessions. */
  id: string;
  user_id: number;
  created_at: CreatedAt;
  expires_at: Timestamp;
  last_seen_at: Generated<Date>;
  user_agent: string | null;
}

export interface EmailTokensTable {
  id: Generated<number>;
  user_id: number;
  purpose: EmailTokenPurpose;
  token_hash: string;
  new_email: string | null;
  expires_at: Timestamp;
  used_at: Date | null;
  created_at: CreatedAt;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  /** First characters of the token, shown so the owner can tell tokens apart. */
  prefix: string;
  /** What the token may do: read, sign appeals, write (everything else that changes data). */
  scopes: TokenScope[];
  created_at: CreatedAt;
  last_used_at: Date | null;
  /**
   * An organization's token (its cabinet's API only, with a clerk's rights, for its document-management system):
   * `user_id` is then the head who made it. Null for a personal token.
   */
  organization_id: ColumnType<number | null, number | null | undefined, never>;
}

export interface MailMessagesTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: Generated<MailStatus>;
  message_id: string | null;
  error: string | null;
  attempts: Generated<number>;
  created_at: CreatedAt;
  sent_at: Date | null;
  /** Extra headers of this message (List-Unsubscribe of a notification). */
  headers: ColumnType<Record<string, string>, string | undefined, string>;
  /** When the next attempt is due; while an attempt runs, the end of its lease. */
  next_attempt_at: Date | null;
  error_kind: MailErrorKind | null;
  failed_at: Date | null;
}

export interface CaptchaUsesTable {
  challenge_id: string;
  used_at: CreatedAt;
  expires_at: Timestamp;
}

export interface AuditLogTable {
  /** Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE (migration 0027). */
  id: Generated<number>;
  /** Who acted; no foreign key, so the entry keeps the id when the account is deleted. */
  actor_id: number | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  details: ColumnType<Record<string, unknown>, string | Record<string, unknown>, never>;
  ip: string | null;
  created_at: CreatedAt;
}

/** A site setting an admin changed from its default (src/config.ts); one without a row has its default. */
export interface SiteSettingsTable {
  key: string;
  value: number;
  updated_by: number | null;
  updated_at: Generated<Date>;
}

export interface DB {
  territories: TerritoriesTable;
  categories: CategoriesTable;
  organizations: OrganizationsTable;
  organization_jurisdictions: OrganizationJurisdictionsTable;
  organization_members: OrganizationMembersTable;
  membership_requests: MembershipRequestsTable;
  users: UsersTable;
  sessions: SessionsTable;
  email_tokens: EmailTokensTable;
  api_tokens: ApiTokensTable;
  mail_messages: MailMessagesTable;
  captcha_uses: CaptchaUsesTable;
  audit_log: AuditLogTable;
  site_settings: SiteSettingsTable;
}

export type Territory = Selectable<TerritoriesTable>;
export type Category = Selectable<CategoriesTable>;
export type Organization = Selectable<OrganizationsTable>;
export type OrganizationMember = Selectable<OrganizationMembersTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type MailMessage = Selectable<MailMessagesTable>;

export type ProblemStatus = 'open' | 'solved' | 'closed' | 'hidden';
export type AppealOutcome = 'resolved' | 'partly' | 'unresolved' | 'unanswered';
export type AnswerVerdict = 'yes' | 'partly' | 'no';
export type AppealStatus = 'draft' | 'collecting' | 'sent' | 'registered' | 'answered' | 'review' | 'closed' | 'forwarded' | 'withdrawn';

export interface ProblemsTable {
  id: Generated<number>;
  title: string;
  description: string;
  category_id: number;
  territory_id: number;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  author_id: number | null;
  status: Generated<ProblemStatus>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  solved_at: Date | null;
  /** Who marked the problem solved (its author), and the short note left with it. */
  solved_by: number | null;
  solved_note: string | null;
  /** Why moderation hid the problem (shown in its place), and the status it had, which restoring gives back. */
  hidden_reason: Generated<string | null>;
  status_before_hidden: Generated<'open' | 'solved' | 'closed' | null>;
  /** Place and topic words (municipality, region, category) the search document takes beside the address; written by the problems service. */
  search_places: Generated<string>;
  /** Generated from title, description, address and search_places; PostgreSQL reports every generated column as nullable. */
  search: ColumnType<string | null, never, never>;
  /** Signatures of all the problem's appeals, and of the resonance window's days: written by the signature fold (appeals.counts.ts). */
  support_signatures: Generated<number>;
  support_recent: Generated<number>;
}

/**
 * The listed problems with a point, counted per cell of the map's grid (levels 2, 5, 8, 10, 12, 14; migration 0033), per
 * municipality and status, for all categories and (up to level 12) per category. A trigger on problems keeps them; problems.markers.ts reads them.
 */
export interface ProblemMapCellsTable {
  level: number;
  cell_x: number;
  cell_y: number;
  territory_id: number;
  /** 0: all categories; a category's own rows only up to mapCellCategoryLevel (problems.rules.ts). */
  category_id: number;
  status: 'open' | 'solved' | 'closed';
  problems: number;
  latitude_sum: number;
  longitude_sum: number;
}

export interface ProblemPhotosTable {
  id: Generated<number>;
  problem_id: number;
  position: number;
  content_type: string;
  width: number;
  height: number;
  image: Buffer;
  thumbnail: Buffer;
  thumbnail_content_type: string;
  created_at: CreatedAt;
}

/** A photo attached to a problem form that has not been published yet (see migration 0010). */
export interface PendingPhotosTable {
  id: Generated<number>;
  user_id: number;
  content_type: string;
  width: number;
  height: number;
  image: Buffer;
  thumbnail: Buffer;
  thumbnail_content_type: string;
  created_at: CreatedAt;
}

export interface ProblemFollowsTable {
  user_id: number;
  problem_id: number;
  created_at: CreatedAt;
}

export interface CommentsTable {
  id: Generated<number>;
  problem_id: number;
  parent_id: number | null;
  author_id: number | null;
  body: string;
  html: string;
  created_at: CreatedAt;
  hidden_at: Date | null;
  /** Why moderation hid it: shown in its place. */
  hidden_reason: Generated<string | null>;
}

export interface AppealsTable {
  id: Generated<number>;
  problem_id: number;
  previous_appeal_id: number | null;
  organization_id: number;
  author_id: number | null;
  title: string;
  status: Generated<AppealStatus>;
  threshold: number;
  frozen_revision_id: number | null;
  text_sha256: string | null;
  opened_at: Date | null;
  threshold_reached_at: Date | null;
  /** Set by the dispatch's first step: from then on nobody signs or withdraws; the letter is being made. */
  dispatch_started_at: Date | null;
  sent_at: Date | null;
  sent_by: 'platform' | 'author' | null;
  registration_number: string | null;
  registration_due_at: Date | null;
  forwarding_due_at: Date | null;
  answer_due_at: Date | null;
  /** When the overdue sweep found the answer term passed with no answer (set once). */
  answer_overdue_at: Date | null;
  /** When the author (or a moderator) confirmed a letter from the body as its answer. */
  answered_at: Date | null;
  /** The end of the two-week review window the answer opened: ratings change until then, and freeze after. */
  review_closes_at: Date | null;
  closed_at: Date | null;
  /** The citizens' verdict at closing (null: nobody rated), or `unanswered` for an appeal closed with no answer. */
  outcome: AppealOutcome | null;
  dispatch_message_id: string | null;
  withdrawn_at: Date | null;
  /** The clerk of the addressee the appeal is assigned to in its cabinet. */
  assignee_id: Generated<number | null>;
  /** The one extension of the answer term (59-FZ Art. 12 p. 2): when, by how many days, and why. */
  extended_at: Generated<Date | null>;
  extension_days: Generated<number | null>;
  extension_reason: Generated<string | null>;
  /** Forwarded to the competent body (59-FZ Art. 8 p. 3): when and why; the next appeal of the chain goes there. */
  forwarded_at: Generated<Date | null>;
  forwarded_appeal_id: Generated<number | null>;
  forwarding_reason: Generated<string | null>;
  /** Hidden by moderation: the text and the sign form give way to the reason. */
  hidden_at: Generated<Date | null>;
  hidden_reason: Generated<string | null>;
  /** The author shared the draft: anyone may read it, a verified citizen may join as a co-author. */
  shared_at: Generated<Date | null>;
  /** The author locked the draft's text: co-authors read it, only the author writes. */
  text_locked_at: Generated<Date | null>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface AppealRevisionsTable {
  id: Generated<number>;
  appeal_id: number;
  number: number;
  /** The plain text the letter prints and the signatures' SHA-256 covers. */
  text: string;
  author_id: number | null;
  created_at: CreatedAt;
  /** The rich text as written (ProseMirror JSON, sanitized); null for a revision written as plain text. */
  doc: ColumnType<Record<string, unknown> | null, string | null | undefined, never>;
  /** `doc` rendered to sanitized HTML for the pages. */
  html: Generated<string | null>;
  /** Everyone whose typing the revision records (the author of a form save alone). */
  contributor_ids: Generated<number[]>;
  /** The number of the revision this one restored, when the author restored an old one. */
  restored_from: Generated<number | null>;
}

export interface AppealCoauthorsTable {
  appeal_id: number;
  user_id: number;
  joined_at: Generated<Date>;
  removed_at: Date | null;
  removed_by: number | null;
}

/** A comment on a draft's text: a thread anchored to a quoted passage, or a reply (no passage). */
export interface DraftCommentsTable {
  id: Generated<number>;
  appeal_id: number;
  parent_id: number | null;
  author_id: number | null;
  revision_number: number;
  passage: string | null;
  body: string;
  created_at: CreatedAt;
  resolved_at: Date | null;
  resolved_by: number | null;
}

/** A proposed amendment of a collecting appeal's text: the new text against the version it was made from, and the author's decision. */
export interface AppealAmendmentsTable {
  id: Generated<number>;
  appeal_id: number;
  /** 1, 2, … per appeal. */
  number: number;
  proposer_id: number | null;
  base_revision_id: number;
  text: string;
  html: string;
  /** Sanitized ProseMirror JSON, as a revision's. */
  doc: ColumnType<Record<string, unknown>, string, never>;
  /** The word-level changes from the base version (appeals.revisions.rules.ts `wordDiff`): made once, when proposed. */
  diff: ColumnType<{ kind: 'same' | 'added' | 'removed'; text: string }[], string, never>;
  reason: string;
  status: Generated<AmendmentStatus>;
  decided_at: Date | null;
  decided_by: number | null;
  decision_reason: string | null;
  /** The version accepting it published. */
  revision_id: number | null;
  /** How many signatures the replaced version had when accepting it published the new one (they wait to be given again). */
  superseded_count: number | null;
  /** Hidden by moderation, with the public reason shown in its place. */
  hidden_at: Date | null;
  hidden_reason: string | null;
  created_at: CreatedAt;
}

export type AmendmentStatus = 'proposed' | 'accepted' | 'rejected';

/** The discussion of an amendment. */
export interface AmendmentCommentsTable {
  id: Generated<number>;
  amendment_id: number;
  author_id: number | null;
  body: string;
  hidden_at: Date | null;
  hidden_reason: string | null;
  created_at: CreatedAt;
}

/** A signature given for a version the appeal has since replaced: kept as given, not counted, until its signer signs the new one. */
export interface SupersededSignaturesTable {
  signature_id: number;
  appeal_id: number;
  user_id: number;
  revision_id: number;
  text_sha256: string;
  full_name: string;
  postal_address: string;
  municipality_id: number | null;
  public_name: string | null;
  consent_author: boolean;
  flagged: boolean;
  /** Why it was flagged, carried into its signer's signature of the new version. */
  flag_reasons: Generated<string[]>;
  signed_at: Date;
  superseded_at: Date;
}

/** The live Yjs state of a draft's co-editing session and the revision it was last recorded as. */
export interface AppealDraftsTable {
  appeal_id: number;
  state: Uint8Array;
  revision_number: number;
  contributor_ids: Generated<number[]>;
  changed_since_revision: Generated<boolean>;
  updated_at: Generated<Date>;
}

export interface SignaturesTable {
  id: Generated<number>;
  appeal_id: number;
  user_id: number;
  revision_id: number;
  text_sha256: string;
  full_name: string;
  postal_address: string;
  municipality_id: number | null;
  consent_transfer: boolean;
  /** Consent to give the appeal's author the full name and postal address, for a letter he sends himself. */
  consent_author: Generated<boolean>;
  public_name: string | null;
  flagged_at: Date | null;
  /** A keyed hash of the signer's client network (core/security/client-address.ts); never the address. */
  client_hash: string | null;
  /** The domain of the signer's e-mail, for bursts from one domain. */
  email_domain: string | null;
  /** Why the signing statement flagged it (appeals.flags.rules.ts); empty when not flagged. */
  flag_reasons: Generated<string[]>;
  cleared_at: Date | null;
  cleared_by: number | null;
  created_at: CreatedAt;
}

export interface AppealDocumentsTable {
  id: Generated<number>;
  appeal_id: number;
  kind: 'dispatch';
  pdf: Buffer;
  sha256: string;
  signatures_count: number;
  created_at: CreatedAt;
}

export interface ProblemEventsTable {
  id: Generated<number>;
  problem_id: number;
  appeal_id: number | null;
  kind: string;
  actor_id: number | null;
  data: ColumnType<Record<string, unknown>, string | Record<string, unknown>, never>;
  created_at: CreatedAt;
}

export interface MailAttachmentsTable {
  id: Generated<number>;
  message_id: number;
  filename: string;
  content_type: string;
  content: Buffer;
}

export interface DB {
  problems: ProblemsTable;
  problem_map_cells: ProblemMapCellsTable;
  problem_photos: ProblemPhotosTable;
  pending_photos: PendingPhotosTable;
  problem_follows: ProblemFollowsTable;
  comments: CommentsTable;
  appeals: AppealsTable;
  appeal_revisions: AppealRevisionsTable;
  appeal_coauthors: AppealCoauthorsTable;
  appeal_drafts: AppealDraftsTable;
  draft_comments: DraftCommentsTable;
  signatures: SignaturesTable;
  appeal_documents: AppealDocumentsTable;
  problem_events: ProblemEventsTable;
  mail_attachments: MailAttachmentsTable;
  appeal_signature_counts: AppealSignatureCountsTable;
  appeal_signature_days: AppealSignatureDaysTable;
  signature_removals: SignatureRemovalsTable;
  signature_count_progress: SignatureCountProgressTable;
  signature_clears: SignatureClearsTable;
  signature_invalidations: SignatureInvalidationsTable;
  appeal_amendments: AppealAmendmentsTable;
  amendment_comments: AmendmentCommentsTable;
  superseded_signatures: SupersededSignaturesTable;
}

/** Counted (not flagged) signatures per appeal, folded in off the signing path (appeals.counts.ts). */
export interface AppealSignatureCountsTable {
  appeal_id: number;
  problem_id: number;
  signatures: Generated<number>;
  /** Of them, those with a public name («Иван П.»): the appeal's page names that many signers. */
  named: Generated<number>;
}

/** The same counts per appeal and UTC day: signatures of the last N days. */
export interface AppealSignatureDaysTable {
  appeal_id: number;
  day: Date;
  problem_id: number;
  signatures: Generated<number>;
}

/** Signatures deleted since the fold last ran, written by a trigger on signatures. */
export interface SignatureRemovalsTable {
  id: Generated<number>;
  appeal_id: number;
  signature_id: number;
  signed_at: Date;
  flagged: boolean;
  /** The signature had a public name. */
  named: Generated<boolean>;
}

/** Flags a moderator cleared since the fold last ran (appeals.counts.ts). */
export interface SignatureClearsTable {
  id: Generated<number>;
  appeal_id: number;
  signature_id: number;
  signed_at: Date;
  /** The signature has a public name. */
  named: Generated<boolean>;
}

/** Signatures a moderator invalidated: the row is gone from signatures, this says whose it was and why. */
export interface SignatureInvalidationsTable {
  id: Generated<number>;
  appeal_id: number;
  signature_id: number;
  user_id: number | null;
  flag_reasons: Generated<string[]>;
  was_counted: boolean;
  reason: string;
  invalidated_by: number | null;
  invalidated_at: CreatedAt;
}

/** One row: how far the fold has counted the signatures (see appeals.counts.ts). */
export interface SignatureCountProgressTable {
  id: Generated<boolean>;
  counted_through: number;
  staged_through: number | null;
  horizon_through: number | null;
  horizon_xid: number | null;
  /** The first day of the resonance window the problems' support_recent counts hold. */
  support_since: Date | null;
}

export type Problem = Selectable<ProblemsTable>;
export type Appeal = Selectable<AppealsTable>;
export type AppealRevision = Selectable<AppealRevisionsTable>;
export type DraftComment = Selectable<DraftCommentsTable>;
export type AppealAmendment = Selectable<AppealAmendmentsTable>;
export type Signature = Selectable<SignaturesTable>;

/** How a person wants mail about something: at once, in the daily digest, or not at all (the site still lists it). */
export type NotificationMailChoice = 'immediately' | 'digest' | 'off';
/** What became of one notification's mail: a choice, or `capped` by the per-appeal limit. */
export type NotificationMail = NotificationMailChoice | 'capped';
export type NotificationReason = 'author' | 'signer' | 'follower' | 'official';

export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  kind: string;
  /** One notification per person per event: a retried job cannot notify twice. */
  event_key: string;
  reason: NotificationReason;
  problem_id: number | null;
  appeal_id: number | null;
  data: ColumnType<Record<string, unknown>, string | undefined, never>;
  mail: Generated<NotificationMail>;
  digest_id: number | null;
  created_at: CreatedAt;
  read_at: Date | null;
}

export interface NotificationDigestsTable {
  id: Generated<number>;
  user_id: number;
  /** The Moscow day the digest belongs to: one per person per day. */
  day: ColumnType<Date, string, never>;
  items: Generated<number>;
  mail_message_id: number | null;
  created_at: CreatedAt;
}

export interface NotificationKindPreferencesTable {
  user_id: number;
  kind: string;
  mail: NotificationMailChoice;
  updated_at: Generated<Date>;
}

export interface NotificationProblemPreferencesTable {
  user_id: number;
  problem_id: number;
  mail: NotificationMailChoice;
  updated_at: Generated<Date>;
}

export interface NotificationSettingsTable {
  user_id: number;
  mail_enabled: Generated<boolean>;
  unlimited_appeal_mail: Generated<boolean>;
  updated_at: Generated<Date>;
}

export interface NotificationAppealMailsTable {
  user_id: number;
  appeal_id: number;
  mails: number;
}

export interface DB {
  notifications: NotificationsTable;
  notification_digests: NotificationDigestsTable;
  notification_kind_preferences: NotificationKindPreferencesTable;
  notification_problem_preferences: NotificationProblemPreferencesTable;
  notification_settings: NotificationSettingsTable;
  notification_appeal_mails: NotificationAppealMailsTable;
}

export type Notification = Selectable<NotificationsTable>;

export type InboundChannel = 'smtp' | 'webhook';
export type InboundStatus = 'received' | 'matched' | 'unmatched' | 'duplicate';

/** A message that came in to an appeal's reply address (or failed to match one), kept raw as it arrived. */
export interface InboundMessagesTable {
  id: Generated<number>;
  channel: InboundChannel;
  envelope_from: string | null;
  envelope_to: ColumnType<string[], string[] | undefined, string[]>;
  raw: Uint8Array;
  size: number;
  received_at: CreatedAt;
  status: Generated<InboundStatus>;
  /** Why it matched no appeal: no_reply_address, bad_signature, unknown_appeal, not_sent, malformed. */
  reason: string | null;
  appeal_id: number | null;
  message_id: string | null;
  from_address: string | null;
  from_name: string | null;
  subject: string | null;
  sent_at: Date | null;
  text_body: string | null;
  auto_reply: Generated<boolean>;
  processed_at: Date | null;
}

export interface InboundAttachmentsTable {
  id: Generated<number>;
  inbound_message_id: number;
  position: number;
  filename: string;
  content_type: string;
  size: number;
  content: Uint8Array;
}

/** A scan of an uploaded answer: a PDF as checked at upload, or an image re-encoded without its metadata. */
export interface LetterAttachmentsTable {
  id: Generated<number>;
  letter_id: number;
  position: number;
  filename: string;
  content_type: string;
  size: number;
  content: Uint8Array;
  /** `scan`: uploaded with the answer; `letterhead`: the letter the platform set on the organization's letterhead. */
  kind: Generated<LetterAttachmentKind>;
}

export type LetterAttachmentKind = 'scan' | 'letterhead';
export type LetterSource = 'email' | 'author' | 'admin' | 'cabinet';
export type LetterKind = 'acknowledgement' | 'letter';
export type LetterDecision = 'answer' | 'not_answer';

/** A letter from the body about an appeal: an acknowledgement, or a letter the author says is (or is not) the answer. */
export interface AppealLettersTable {
  id: Generated<number>;
  appeal_id: number;
  source: LetterSource;
  inbound_message_id: number | null;
  kind: LetterKind;
  /** null while the author has not said whether it is the answer (a pending letter: never shown publicly). */
  decision: LetterDecision | null;
  subject: string | null;
  text: string;
  sender: string | null;
  received_at: Date;
  /** A registration number the letter gives (a registration notice), offered to the author to confirm. */
  registration_number: string | null;
  /** The body's outgoing number and date as a paper answer gives them (an uploaded or admin-published answer). */
  outgoing_number: Generated<string | null>;
  /** YYYY-MM-DD. */
  outgoing_date: Generated<string | null>;
  decided_by: number | null;
  decided_at: Date | null;
  created_at: CreatedAt;
}

export interface AnswerRatingsTable {
  id: Generated<number>;
  appeal_id: number;
  user_id: number;
  score: number;
  /** «Решена ли проблема»: the rater's own verdict. */
  solved: AnswerVerdict;
  /** An optional public comment under the answer. */
  comment: string | null;
  /** The comment hidden by moderation (the score still counts): the reason is shown in its place. */
  comment_hidden_at: Generated<Date | null>;
  comment_hidden_reason: Generated<string | null>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface OrganizationStatsTable {
  organization_id: number;
  answered: Generated<number>;
  answered_on_time: Generated<number>;
  /** Answers by whole days from sending (index = days; the last bucket holds longer ones). */
  answer_days: Generated<number[]>;
  unanswered: Generated<number>;
  overdue_open: Generated<number>;
  closed: Generated<number>;
  resolved: Generated<number>;
  partly: Generated<number>;
  unresolved: Generated<number>;
  no_verdict: Generated<number>;
  rating_count: Generated<number>;
  rating_sum: Generated<number>;
  /** Ratings of closed appeals by score, 1 to 5. */
  score_counts: Generated<number[]>;
  updated_at: Generated<Date>;
}

export interface OrganizationMonthlyStatsTable {
  organization_id: number;
  /** The first day of the month, in the organization's time zone. */
  month: ColumnType<Date, string, string>;
  on_time: Generated<number>;
  late: Generated<number>;
  unanswered: Generated<number>;
}

export interface OrganizationStatChangesTable {
  id: Generated<number>;
  organization_id: number;
  appeal_id: number;
  kind: 'answered' | 'overdue' | 'closed' | 'unanswered';
  created_at: CreatedAt;
}

export interface DB {
  inbound_messages: InboundMessagesTable;
  inbound_attachments: InboundAttachmentsTable;
  appeal_letters: AppealLettersTable;
  letter_attachments: LetterAttachmentsTable;
  answer_ratings: AnswerRatingsTable;
  organization_stats: OrganizationStatsTable;
  organization_monthly_stats: OrganizationMonthlyStatsTable;
  organization_stat_changes: OrganizationStatChangesTable;
}

export type InboundMessage = Selectable<InboundMessagesTable>;
export type AppealLetter = Selectable<AppealLettersTable>;
export type AnswerRating = Selectable<AnswerRatingsTable>;
export type OrganizationStats = Selectable<OrganizationStatsTable>;

// The cabinet module's tables (migration 0020).

export interface AnswerTemplatesTable {
  id: Generated<number>;
  organization_id: number;
  title: string;
  body: string;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export type AnswerDraftStatus = 'draft' | 'awaiting_approval';

/** The answer an organization prepares for an appeal in its cabinet, until it is published (then it is a letter). */
export interface AnswerDraftsTable {
  id: Generated<number>;
  appeal_id: number;
  organization_id: number;
  text: Generated<string>;
  outgoing_number: string | null;
  /** YYYY-MM-DD. */
  outgoing_date: string | null;
  status: Generated<AnswerDraftStatus>;
  written_by: number | null;
  submitted_by: number | null;
  submitted_at: Date | null;
  /** Why the head sent it back to the clerk, until it is submitted again. */
  returned_reason: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface AnswerDraftAttachmentsTable {
  id: Generated<number>;
  draft_id: number;
  position: number;
  filename: string;
  content_type: string;
  size: number;
  content: Buffer;
}

export interface CabinetSavedViewsTable {
  id: Generated<number>;
  organization_id: number;
  user_id: number;
  name: string;
  /** The inbox's query string, as the filter form sends it. */
  query: string;
  created_at: CreatedAt;
}

/** An organization's letterhead (migration 0045): what its answer PDFs print above and below the text. */
export interface OrganizationLetterheadsTable {
  organization_id: number;
  header_lines: ColumnType<string[], string[] | undefined, string[]>;
  signature_position: ColumnType<string, string | undefined, string>;
  signature_name: ColumnType<string, string | undefined, string>;
  /** Re-encoded PNG or JPEG, metadata stripped, at most logoLimits.maxDimension on its longer side. */
  logo: Buffer | null;
  logo_content_type: 'image/png' | 'image/jpeg' | null;
  logo_width: number | null;
  logo_height: number | null;
  updated_by: number | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type OrganizationLetterhead = Selectable<OrganizationLetterheadsTable>;

/** A document an organization issued on its letterhead about a problem (migration 0048). */
export interface OrganizationDocumentsTable {
  id: Generated<number>;
  organization_id: number;
  problem_id: number;
  title: string;
  addressee: string;
  outgoing_number: string | null;
  /** As issued, in the comment Markdown subset; `text_sha256` is its SHA-256 (hex), printed on every page. */
  text: string;
  text_sha256: string;
  /** Signatures of the problem's appeals when it was issued. */
  signatures: number;
  /** How many of their signers the annex names (set with the PDF). */
  named: number | null;
  issued_by: number | null;
  issued_at: Generated<Date>;
  pdf: Buffer | null;
  pdf_sha256: string | null;
}
export type OrganizationDocument = Selectable<OrganizationDocumentsTable>;

/** An organization holds a problem «на контроль» (migration 0022); released controls stay as its history. */
export interface ProblemControlsTable {
  id: Generated<number>;
  problem_id: number;
  organization_id: number;
  taken_by: number | null;
  taken_at: Generated<Date>;
  released_by: number | null;
  released_at: Date | null;
}

/** The organization's one message to all the signers of an appeal (migration 0052); each reply starts a private thread. */
export interface MessageBroadcastsTable {
  id: Generated<number>;
  organization_id: number;
  appeal_id: number;
  body: string;
  /** The organization's name, and the official's where it shows them, as the signers read it. */
  signature: string | null;
  sent_by: number | null;
  recipients: Generated<number>;
  created_at: CreatedAt;
}
export type MessageBroadcast = Selectable<MessageBroadcastsTable>;

/** A private conversation between an organization and one citizen about an appeal or a problem (migration 0052). */
export interface MessageThreadsTable {
  id: Generated<number>;
  organization_id: number;
  citizen_id: number;
  problem_id: number;
  appeal_id: number | null;
  subject: string;
  started_by: number | null;
  created_at: CreatedAt;
  last_message_at: Generated<Date>;
  organization_read_at: Date | null;
  citizen_read_at: Date | null;
}
export type MessageThread = Selectable<MessageThreadsTable>;

export type ThreadSide = 'organization' | 'citizen';
export type ThreadChannel = 'site' | 'api' | 'email' | 'broadcast';

export interface ThreadMessagesTable {
  id: Generated<number>;
  thread_id: number;
  side: ThreadSide;
  author_id: number | null;
  body: string;
  signature: string | null;
  channel: ThreadChannel;
  inbound_message_id: number | null;
  /** The Message-ID of the e-mail it came in, so a message delivered twice is filed once. */
  mail_message_id: string | null;
  /** The organization's message to all signers this message copies into the signer's thread. */
  broadcast_id: number | null;
  created_at: CreatedAt;
}
export type ThreadMessage = Selectable<ThreadMessagesTable>;

export interface DB {
  message_broadcasts: MessageBroadcastsTable;
  message_threads: MessageThreadsTable;
  thread_messages: ThreadMessagesTable;
}

export interface DB {
  problem_controls: ProblemControlsTable;
  answer_templates: AnswerTemplatesTable;
  answer_drafts: AnswerDraftsTable;
  answer_draft_attachments: AnswerDraftAttachmentsTable;
  cabinet_saved_views: CabinetSavedViewsTable;
  organization_letterheads: OrganizationLetterheadsTable;
  organization_documents: OrganizationDocumentsTable;
}

/** Why an endpoint is off: its head turned it off, or the platform did after repeated failure. */
export type WebhookDisabledReason = 'manual' | 'failing';

/** A URL an organization's head registered to receive its events (Standard Webhooks). */
export interface WebhookEndpointsTable {
  id: Generated<number>;
  organization_id: number;
  url: string;
  /** `whsec_` and the base64 key the payloads are signed with. */
  secret: string;
  event_types: ColumnType<string[], string[], string[]>;
  enabled: Generated<boolean>;
  disabled_at: Date | null;
  disabled_reason: WebhookDisabledReason | null;
  /** Failed attempts in a row, over all its deliveries; a success sets it back to 0. */
  consecutive_failures: Generated<number>;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

/** One event for one endpoint: the outbox row its delivery job reads, and its outcome. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  endpoint_id: number;
  event_type: string;
  payload: ColumnType<Record<string, unknown>, string, never>;
  /** The `webhook-id` header: `msg_…`, the same on every attempt. */
  message_id: string;
  attempts: Generated<number>;
  /** When the next attempt is due; null once delivered or given up. */
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  failed_at: Date | null;
  created_at: CreatedAt;
}

export interface WebhookDeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface DB {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}

export type MembershipRequest = Selectable<MembershipRequestsTable>;
export type AnswerTemplate = Selectable<AnswerTemplatesTable>;
export type AnswerDraft = Selectable<AnswerDraftsTable>;
export type WebhookEndpoint = Selectable<WebhookEndpointsTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
export type WebhookDeliveryAttempt = Selectable<WebhookDeliveryAttemptsTable>;

/** What can be reported: an item, or a person (`user`), reported through one of his items (the report's origin). */
export type ModerationItemType = 'problem' | 'comment' | 'appeal' | 'rating' | 'amendment' | 'amendment_comment';
export type ModerationSubjectType = ModerationItemType | 'user';
/** reported: visible, waiting; auto_hidden: enough reports hid it pending review; hidden/restored: a moderator decided. */
export type ModerationCaseState = 'reported' | 'auto_hidden' | 'hidden' | 'restored';
export type ReportReason = 'spam' | 'abuse' | 'personal_data' | 'illegal' | 'misleading' | 'other';

export interface ModerationCasesTable {
  id: Generated<number>;
  subject_type: ModerationSubjectType;
  subject_id: number;
  author_id: number | null;
  state: Generated<ModerationCaseState>;
  open_reports: Generated<number>;
  last_reported_at: Date | null;
  public_reason: string | null;
  decided_by: number | null;
  decided_at: Date | null;
  appeal_text: string | null;
  appealed_at: Date | null;
  appeal_outcome: 'upheld' | 'reversed' | null;
  appeal_reason: string | null;
  appeal_decided_by: number | null;
  appeal_decided_at: Date | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface ModerationReportsTable {
  id: Generated<number>;
  case_id: number;
  reporter_id: number;
  reason: ReportReason;
  details: string | null;
  /** For a report about a person: the item of his it was made from. */
  origin_type: ModerationItemType | null;
  origin_id: number | null;
  created_at: CreatedAt;
  resolved_at: Date | null;
}

export interface DB {
  moderation_cases: ModerationCasesTable;
  moderation_reports: ModerationReportsTable;
}

export type ModerationCase = Selectable<ModerationCasesTable>;
export type ModerationReport = Selectable<ModerationReportsTable>;

/** The address of an organization merged into another: a permanent redirect to the survivor. */
export interface OrganizationSlugRedirectsTable {
  slug: string;
  organization_id: number;
  merged_at: Generated<Date>;
}

export interface DB {
  organization_slug_redirects: OrganizationSlugRedirectsTable;
}
