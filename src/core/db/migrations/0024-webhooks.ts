import { type Kysely, sql } from 'kysely';

/**
 * Webhooks of an organization's cabinet (issue 12, «API и вебхуки»), all owned by the cabinet module.
 *
 * - `webhook_endpoints`: a URL the organization's head registers, the events it subscribes to, its signing
 *   secret (`whsec_…`, Standard Webhooks), and whether it is on: the head turns it off (`manual`), or the platform
 *   does after repeated failure (`failing`), counting failed attempts in a row in `consecutive_failures`.
 * - `webhook_deliveries`: one event for one endpoint (an outbox: written in the transaction of what caused it),
 *   with its `webhook-id` (`msg_…`), how many attempts were made, when the next one is due (null: none), the last
 *   status code or error, and when it was delivered or given up.
 * - `webhook_delivery_attempts`: every attempt's status code or error and how long it took (the delivery log).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table webhook_endpoints (
    id serial primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    url text not null check (length(url) between 1 and 2000),
    secret text not null check (secret like 'whsec_%'),
    event_types text[] not null check (cardinality(event_types) between 1 and 20),
    enabled boolean not null default true,
    disabled_at timestamptz,
    disabled_reason text check (disabled_reason is null or disabled_reason in ('manual', 'failing')),
    consecutive_failures integer not null default 0,
    created_by integer references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index webhook_endpoints_organization_idx on webhook_endpoints (organization_id, id)`.execute(db);
  await sql`create table webhook_deliveries (
    id serial primary key,
    endpoint_id integer not null references webhook_endpoints (id) on delete cascade,
    event_type text not null check (length(event_type) between 1 and 100),
    payload jsonb not null,
    message_id text not null unique check (message_id like 'msg_%'),
    attempts integer not null default 0,
    next_attempt_at timestamptz,
    last_status_code integer,
    last_error text check (last_error is null or length(last_error) <= 1000),
    delivered_at timestamptz,
    failed_at timestamptz,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, id desc)`.execute(db);
  await sql`create table webhook_delivery_attempts (
    id serial primary key,
    delivery_id integer not null references webhook_deliveries (id) on delete cascade,
    attempt integer not null check (attempt >= 1),
    attempted_at timestamptz not null,
    status_code integer,
    error text check (error is null or length(error) <= 1000),
    duration_ms integer not null,
    unique (delivery_id, attempt)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table webhook_delivery_attempts`.execute(db);
  await sql`drop table webhook_deliveries`.execute(db);
  await sql`drop table webhook_endpoints`.execute(db);
}
