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
}

export interface OrganizationJurisdictionsTable {
  id: Generated<number>;
  organization_id: number;
  territory_id: number;
  /** null: every category. */
  category_id: number | null;
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
  created_at: CreatedAt;
  updated_at: Generated<Date>;
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
  created_at: CreatedAt;
  last_used_at: Date | null;
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
}

export interface CaptchaUsesTable {
  challenge_id: string;
  used_at: CreatedAt;
  expires_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor_id: number | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  details: ColumnType<Record<string, unknown>, string | Record<string, unknown>, never>;
  ip: string | null;
  created_at: CreatedAt;
}

export interface DB {
  territories: TerritoriesTable;
  categories: CategoriesTable;
  organizations: OrganizationsTable;
  organization_jurisdictions: OrganizationJurisdictionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  email_tokens: EmailTokensTable;
  api_tokens: ApiTokensTable;
  mail_messages: MailMessagesTable;
  captcha_uses: CaptchaUsesTable;
  audit_log: AuditLogTable;
}

export type Territory = Selectable<TerritoriesTable>;
export type Category = Selectable<CategoriesTable>;
export type Organization = Selectable<OrganizationsTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type MailMessage = Selectable<MailMessagesTable>;
