/**
 * The module boundaries of DESIGN.md (Layout), checked on the source: no import cycle between
 * modules, no SQL in routes or views, no module naming a table another module owns
 * (src/core/db/table-owners.ts). Each check is first shown to catch a small example, so a
 * passing run means the tree is clean, not that the check is blind.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  foreignTableUses,
  isRouteOrView,
  isTest,
  moduleCycles,
  moduleOf,
  readSources,
  type SourceFile,
  sqlUses,
  tableUses,
} from '../test/support/architecture.ts';
import { tableOwners } from './core/db/table-owners.ts';

const root = path.resolve(import.meta.dirname, '..');
const sources = readSources(root);
const describeFinding = (f: { file: string; line: number; what: string }) => `${f.file}:${f.line} ${f.what}`;

describe('the checks catch what they look for', () => {
  it('finds a cycle between two modules, through any kind of import, and not inside one module', () => {
    const files: SourceFile[] = [
      { path: 'src/modules/a/a.pages.tsx', text: "import { b } from '../b/b.service.ts';\nimport './a.service.ts';" },
      { path: 'src/modules/a/a.service.ts', text: "import './a.pages.tsx';" },
      { path: 'src/modules/b/b.service.ts', text: "import type { A } from '../a/a.service.ts';" },
      { path: 'src/modules/c/c.service.ts', text: "export { b } from '../b/b.service.ts';\nconst later = () => import('../a/a.pages.tsx');" },
      { path: 'src/modules/b/b.int.test.ts', text: "import '../c/c.service.ts';" },
    ];
    const cycles = moduleCycles(files);
    expect(cycles.map((c) => c.modules)).toEqual([['a', 'b']]);
    expect(cycles[0]?.edges.map((e) => `${e.from}:${e.line} → ${e.to}`)).toEqual([
      'src/modules/a/a.pages.tsx:1 → src/modules/b/b.service.ts',
      'src/modules/b/b.service.ts:1 → src/modules/a/a.service.ts',
    ]);
    // A test importing upwards is not part of the architecture; the same import from a module is.
    expect(moduleCycles([...files, { path: 'src/modules/b/b.jobs.ts', text: "import '../c/c.service.ts';" }]).map((c) => c.modules)).toEqual([['a', 'b', 'c']]);
  });

  it('finds SQL and the database handle in a page, but not a service call', () => {
    const page: SourceFile = {
      path: 'src/modules/a/a.pages.tsx',
      text: [
        "import { sql } from 'kysely';",
        "import type { Executor } from '../../core/db/database.ts';",
        'async function route(ctx, executor: Executor) {',
        "  await ctx.db.selectFrom('users').selectAll().execute();",
        '  await sql`select 1`.execute(executor);',
        '  await service.list(ctx, { limit: 1 });',
        "  await executor.insertInto('problems').values({}).execute();",
        '}',
      ].join('\n'),
    };
    const found = sqlUses(page).map(describeFinding);
    expect(found).toEqual(
      expect.arrayContaining([
        'src/modules/a/a.pages.tsx:1 imports kysely',
        'src/modules/a/a.pages.tsx:2 imports ../../core/db/database.ts',
        'src/modules/a/a.pages.tsx:4 ctx.db',
        'src/modules/a/a.pages.tsx:4 .selectFrom(…)',
        'src/modules/a/a.pages.tsx:5 sql`…` template',
        'src/modules/a/a.pages.tsx:7 .insertInto(…)',
      ]),
    );
    expect(found.filter((f) => f.includes(':6 '))).toEqual([]);
    expect(sqlUses({ path: 'src/modules/a/a.views.tsx', text: 'export const View = ({ items }) => items.map((i) => i.title);' })).toEqual([]);
  });

  it("finds another module's table in builders, joins and raw SQL", () => {
    const service: SourceFile = {
      path: 'src/modules/problems/problems.service.ts',
      text: [
        "db.selectFrom('problems as p').innerJoin('territories as t', 't.id', 'p.territory_id')",
        "  .select(sql`(select count(*) from signatures s join appeals a on a.id = s.appeal_id)`.as('n'));",
        "db.selectFrom('problem_follows').leftJoin('users as u', 'u.id', 'user_id');",
        "db.with('recent', (q) => q.selectFrom('problems')).selectFrom('recent');",
        'const count = (table) => db.selectFrom(table);',
      ].join('\n'),
    };
    const tables = new Set(Object.keys(tableOwners));
    expect(tableUses(service, tables).map((u) => `${u.line} ${u.table}`)).toEqual(
      expect.arrayContaining(['1 problems', '1 territories', '2 signatures', '2 appeals', '3 problem_follows', '3 users', '4 problems']),
    );
    expect(tableUses(service, tables).filter((u) => u.table === 'recent')).toEqual([]);
    expect(
      foreignTableUses([service], tableOwners)
        .map((u) => `${u.table} (${u.owner})`)
        .sort(),
    ).toEqual(['(a table chosen at run time) (nobody)', 'appeals (appeals)', 'signatures (appeals)', 'territories (territories)', 'users (accounts)']);
  });

  it('knows which module a file belongs to', () => {
    expect(moduleOf('src/modules/home/home.pages.tsx')).toBe('home');
    expect(moduleOf('src/core/mail/mailer.ts')).toBe('core/mail');
    expect(moduleOf('src/core/audit.ts')).toBe('core/audit');
    expect(moduleOf('src/app.ts')).toBeNull();
  });
});

// Parsing the whole tree takes seconds when the machine is busy; the checks themselves are quick.
describe('the source tree', { timeout: 60_000 }, () => {
  it('has modules to check', () => {
    // Guards against a broken walk making every check below pass on nothing.
    expect(sources.filter((f) => f.path.startsWith('src/modules/') && !isTest(f.path)).length).toBeGreaterThan(30);
    expect(sources.filter((f) => isRouteOrView(f.path)).length).toBeGreaterThan(15);
  });

  it('has no import cycle between modules', () => {
    const cycles = moduleCycles(sources).map((c) => `${c.modules.join(' ↔ ')}:\n${c.edges.map((e) => `  ${e.from}:${e.line} → ${e.to}`).join('\n')}`);
    expect(cycles).toEqual([]);
  });

  it('has no SQL in routes or views (*.pages.tsx, *.views.tsx, *.api.ts)', () => {
    const found = sources.filter((f) => isRouteOrView(f.path) && !isTest(f.path)).flatMap(sqlUses);
    expect(found.map(describeFinding)).toEqual([]);
  });

  it("has no module naming another module's table", () => {
    // A module that needs another's data names the owner's function, or an SQL fragment the owner exports
    // (territoryDisplayColumns, withinTerritory, membershipsOf, problems.ports.ts), never the table itself.
    const found = foreignTableUses(sources, tableOwners);
    expect(found.map((u) => `${u.file}:${u.line} ${u.what} — ${u.table} belongs to ${u.owner}`)).toEqual([]);
  });
});
