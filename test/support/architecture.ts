/**
 * Reads the source of src/ with the TypeScript parser (no type checking, so it is fast) and finds
 * what DESIGN.md forbids: import cycles between modules, SQL in routes and views, and a module
 * naming another module's table. Pure functions over file texts, so the checks are tested on small
 * examples as well as run on the real tree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface SourceFile {
  /** Path from the repository root with forward slashes, e.g. src/modules/home/home.pages.tsx. */
  path: string;
  text: string;
}

export function readSources(root: string, folder = 'src'): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (/\.tsx?$/.test(entry.name)) files.push({ path: relative, text: readFileSync(path.join(root, relative), 'utf8') });
    }
  };
  walk(folder);
  return files;
}

export const isTest = (file: string) => /\.test\.tsx?$/.test(file) || file.startsWith('test/');

/** The module a file belongs to: `problems` for src/modules/problems/…, `core/mail` for src/core/mail/…, `core/audit` for src/core/audit.ts. */
export function moduleOf(file: string): string | null {
  const inModule = /^src\/modules\/([^/]+)\//.exec(file);
  if (inModule) return inModule[1] ?? null;
  const inCore = /^src\/core\/([^/.]+)(\/|\.tsx?$)/.exec(file);
  return inCore ? `core/${inCore[1]}` : null;
}

const parsed = new WeakMap<SourceFile, ts.SourceFile>();

/** Each file is parsed once for all the checks. */
function parse(file: SourceFile): ts.SourceFile {
  let source = parsed.get(file);
  if (!source) {
    source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, file.path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    parsed.set(file, source);
  }
  return source;
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

export interface ImportEdge {
  from: string;
  to: string;
  line: number;
}

/** Relative imports (static, type-only and dynamic, and re-exports) resolved to repository paths. */
export function importsOf(file: SourceFile): ImportEdge[] {
  const source = parse(file);
  const edges: ImportEdge[] = [];
  const add = (specifier: ts.Expression | undefined, node: ts.Node) => {
    if (!specifier || !ts.isStringLiteralLike(specifier) || !specifier.text.startsWith('.')) return;
    const to = path.posix.normalize(path.posix.join(path.posix.dirname(file.path), specifier.text));
    edges.push({ from: file.path, to, line: lineOf(source, node) });
  };
  walk(source, (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier, node);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], node);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal as ts.Expression, node);
  });
  return edges;
}

export interface ModuleCycle {
  modules: string[];
  /** The imports between members of the cycle, as evidence to untangle. */
  edges: ImportEdge[];
}

/** Strongly connected groups of src/modules/<area> (tests excluded): every group of two or more is a cycle. */
export function moduleCycles(files: SourceFile[]): ModuleCycle[] {
  const edges = files
    .filter((f) => !isTest(f.path))
    .flatMap(importsOf)
    .filter((e) => e.from.startsWith('src/modules/') && e.to.startsWith('src/modules/'))
    .filter((e) => moduleOf(e.from) !== moduleOf(e.to));
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const from = moduleOf(e.from) as string;
    const to = moduleOf(e.to) as string;
    if (!graph.has(to)) graph.set(to, new Set());
    graph.set(from, (graph.get(from) ?? new Set()).add(to));
  }
  // Tarjan's algorithm: a strongly connected component of size > 1 is a set of modules that import each other.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node) as number, indexOf.get(next) as number));
    }
    if (low.get(node) === indexOf.get(node)) {
      const group: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indexOf.has(node)) connect(node);
  return groups.map((group) => ({
    modules: group,
    edges: edges.filter((e) => group.includes(moduleOf(e.from) as string) && group.includes(moduleOf(e.to) as string)),
  }));
}

export interface Finding {
  file: string;
  line: number;
  what: string;
}

const queryMethods = new Set([
  'selectFrom',
  'insertInto',
  'updateTable',
  'deleteFrom',
  'mergeInto',
  'replaceInto',
  'selectNoFrom',
  'transaction',
  'connection',
]);
const joinMethods = new Set(['innerJoin', 'leftJoin', 'rightJoin', 'fullJoin', 'crossJoin', 'innerJoinLateral', 'leftJoinLateral', 'crossJoinLateral']);
const databaseNames = new Set(['db', 'executor', 'trx', 'Executor', 'Database', 'Transaction']);

/** Files that must not hold SQL: HTML routes, views and REST routes. */
export const isRouteOrView = (file: string) => /\.(pages|views)\.tsx$|\.api\.ts$/.test(file);

/**
 * SQL in a file: Kysely query builders, raw `sql` templates, imports of kysely or of the database
 * module, and any use of the database handle (ctx.db, an executor or a transaction), even when it is
 * only passed on — a route hands the context to a service, never the database.
 */
export function sqlUses(file: SourceFile): Finding[] {
  const source = parse(file);
  const findings: Finding[] = [];
  const found = (node: ts.Node, what: string) => findings.push({ file: file.path, line: lineOf(source, node), what });
  walk(source, (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const specifier = node.moduleSpecifier.text;
      if (specifier === 'kysely' || /\/core\/db\/database\.ts$/.test(specifier)) found(node, `imports ${specifier}`);
    } else if (ts.isTaggedTemplateExpression(node) && node.tag.getText(source).split('.')[0] === 'sql') {
      found(node, 'sql`…` template');
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && queryMethods.has(node.expression.name.text)) {
      if (node.expression.name.text !== 'transaction' || /\bdb\b|trx|executor/.test(node.expression.expression.getText(source))) {
        found(node, `.${node.expression.name.text}(…)`);
      }
    } else if (ts.isPropertyAccessExpression(node) && node.name.text === 'db') {
      found(node, `${node.getText(source)}`);
    } else if (ts.isIdentifier(node) && databaseNames.has(node.text) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) {
      found(node, node.text);
    }
  });
  return findings;
}

/** What tableUses reports for a table named by a variable (`selectFrom(table)`). */
export const dynamicTable = '(a table chosen at run time)';

export interface TableUse extends Finding {
  table: string;
}

function firstTableName(argument: ts.Expression | undefined): string[] {
  if (!argument) return [];
  if (ts.isStringLiteralLike(argument)) return [argument.text.trim().split(/\s+/)[0] ?? ''];
  if (ts.isArrayLiteralExpression(argument)) return argument.elements.flatMap((e) => firstTableName(e));
  return [];
}

/** Tables a file names in SQL: builder calls and joins with a literal table, and `from`/`join`/`into`/`update` inside raw templates. */
export function tableUses(file: SourceFile, tables: ReadonlySet<string>): TableUse[] {
  const source = parse(file);
  const uses: TableUse[] = [];
  const use = (node: ts.Node, table: string, what: string) => {
    if (tables.has(table)) uses.push({ file: file.path, line: lineOf(source, node), table, what });
  };
  walk(source, (node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      if (queryMethods.has(method) || joinMethods.has(method))
        for (const table of firstTableName(node.arguments[0])) use(node, table, `.${method}('${table}')`);
      // A table chosen at run time cannot be checked: it counts as foreign everywhere.
      const argument = node.arguments[0];
      if (queryMethods.has(method) && method !== 'transaction' && argument && ts.isIdentifier(argument)) {
        uses.push({ file: file.path, line: lineOf(source, node), table: dynamicTable, what: `.${method}(${argument.text})` });
      }
    } else if (ts.isTaggedTemplateExpression(node) && node.tag.getText(source).split('.')[0] === 'sql') {
      const template = node.template;
      const parts = ts.isNoSubstitutionTemplateLiteral(template) ? [template.text] : [template.head.text, ...template.templateSpans.map((s) => s.literal.text)];
      for (const part of parts) {
        for (const match of part.matchAll(/\b(from|join|into|update|table)\s+("?)([a-z_][a-z0-9_]*)\2/gi)) {
          use(node, (match[3] ?? '').toLowerCase(), `sql\`… ${match[1]} ${match[3]} …\``);
        }
      }
    }
  });
  return uses;
}

/** Uses of a table by a file outside the module that owns it (migrations and the schema are everybody's). */
export function foreignTableUses(files: SourceFile[], owners: Readonly<Record<string, string>>): (TableUse & { owner: string; module: string })[] {
  const tables = new Set(Object.keys(owners));
  return files
    .filter((f) => !isTest(f.path) && !f.path.startsWith('src/core/db/'))
    .flatMap((f) => tableUses(f, tables).map((u) => ({ ...u, owner: owners[u.table] ?? 'nobody', module: moduleOf(f.path) ?? f.path })))
    .filter((u) => u.owner !== u.module);
}
