/**
 * Which module owns each table: only the owner's files may name it in SQL (src/architecture.unit.test.ts
 * checks every selectFrom/join/insertInto/updateTable/deleteFrom and raw `sql` text). Other modules ask
 * the owner's exported functions. Typed by the schema, so a new table does not compile until it has an owner.
 * `core/<folder>` owners are infrastructure (mail, audit, jobs): modules reach them through core's functions.
 */
import type { DB } from './schema.ts';

export type TableOwner =
  | 'accounts'
  | 'territories'
  | 'organizations'
  | 'problems'
  | 'appeals'
  | 'drafting'
  | 'notifications'
  | 'answers'
  | 'cabinet'
  | 'admin'
  | 'moderation'
  | 'core/mail'
  | 'core/audit'
  | 'core/security';

export const tableOwners = {
  territories: 'territories',
  categories: 'organizations',
  organizations: 'organizations',
  organization_jurisdictions: 'organizations',
  organization_members: 'organizations',
  organization_slug_redirects: 'organizations',
  membership_requests: 'cabinet',
  users: 'accounts',
  sessions: 'accounts',
  email_tokens: 'accounts',
  api_tokens: 'accounts',
  captcha_uses: 'core/security',
  mail_messages: 'core/mail',
  mail_attachments: 'core/mail',
  audit_log: 'core/audit',
  site_settings: 'admin',
  problems: 'problems',
  problem_map_cells: 'problems',
  problem_photos: 'problems',
  pending_photos: 'problems',
  problem_follows: 'problems',
  comments: 'problems',
  problem_events: 'problems',
  appeals: 'appeals',
  appeal_revisions: 'appeals',
  signatures: 'appeals',
  appeal_documents: 'appeals',
  appeal_signature_counts: 'appeals',
  appeal_signature_days: 'appeals',
  signature_removals: 'appeals',
  signature_count_progress: 'appeals',
  signature_clears: 'appeals',
  signature_invalidations: 'appeals',
  appeal_amendments: 'appeals',
  amendment_comments: 'appeals',
  superseded_signatures: 'appeals',
  notifications: 'notifications',
  notification_digests: 'notifications',
  notification_kind_preferences: 'notifications',
  notification_problem_preferences: 'notifications',
  notification_settings: 'notifications',
  notification_appeal_mails: 'notifications',
  inbound_messages: 'answers',
  inbound_attachments: 'answers',
  appeal_letters: 'answers',
  letter_attachments: 'answers',
  answer_ratings: 'answers',
  organization_stats: 'answers',
  organization_monthly_stats: 'answers',
  organization_stat_changes: 'answers',
  answer_templates: 'cabinet',
  answer_drafts: 'cabinet',
  answer_draft_attachments: 'cabinet',
  cabinet_saved_views: 'cabinet',
  organization_letterheads: 'cabinet',
  organization_documents: 'cabinet',
  problem_controls: 'cabinet',
  message_broadcasts: 'cabinet',
  message_threads: 'cabinet',
  thread_messages: 'cabinet',
  webhook_endpoints: 'cabinet',
  webhook_deliveries: 'cabinet',
  webhook_delivery_attempts: 'cabinet',
  moderation_cases: 'moderation',
  moderation_reports: 'moderation',
  appeal_coauthors: 'appeals',
  appeal_drafts: 'drafting',
  draft_comments: 'drafting',
} as const satisfies Record<keyof DB, TableOwner>;
