/**
 * Schema drift: what `src/core/db/schema.ts` declares (read with the TypeScript compiler, the way Kysely
 * reads it) against what the migrations actually built (read by kysely-codegen's PostgreSQL introspector).
 * Kysely trusts schema.ts blindly; when the two disagree, queries type-check and then fail at run time.
 *
 * Each column is compared by what a query would notice: present or not, nullable or not, the class of
 * its TypeScript value (number, string, boolean, Date, Buffer, json), and whether an insert may leave out
 * a non-null column (only if the database has a default for it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { PostgresDialect, PostgresIntrospector, serializeFromMetadata } from 'kysely-codegen';
import ts from 'typescript';

export type ValueClass = 'number' | 'string' | 'boolean' | 'Date' | 'Buffer' | 'json';

export interface ColumnShape {
  nullable: boolean;
  /** Classes of the non-null values; one for a database column, possibly more in a declared union. */
  classes: ValueClass[];
  /** Declared: an insert may leave it out. Actual: the database fills it in (a default, serial, generated). */
  optionalOnInsert: boolean;
  /** The database type (actual) or the declared TypeScript type (declared), for messages. */
  typeName: string;
}

export type SchemaShape = Map<string, Map<string, ColumnShape>>;

export const schemaFile = path.resolve(import.meta.dirname, '../../src/core/db/schema.ts');

/** Tables the migration tool keeps for itself; the app never queries them. */
const toolTables = new Set(['kysely_migration', 'kysely_migration_lock']);

/**
 * The tables of the `DB` interface (all its merged declarations) and their columns, read from the
 * syntax tree (the type checker would load Kysely's and Node's declarations: many seconds on a busy
 * machine). Local type aliases, unions, literals, `ColumnType<S, I, U>` and `Generated<T>` are
 * understood; anything else fails loudly so this reader grows with schema.ts instead of guessing.
 * `sourceText` replaces the file's content, so a test can show that a broken schema.ts is caught.
 */
export function declaredSchema(sourceText?: string, file = schemaFile): SchemaShape {
  const source = ts.createSourceFile(file, sourceText ?? readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const aliases = new Map<string, ts.TypeNode>();
  const interfaces = new Map<string, ts.InterfaceDeclaration[]>();
  for (const statement of source.statements) {
    if (ts.isTypeAliasDeclaration(statement)) aliases.set(statement.name.text, statement.type);
    if (ts.isInterfaceDeclaration(statement)) interfaces.set(statement.name.text, [...(interfaces.get(statement.name.text) ?? []), statement]);
  }
  const members = (name: string) =>
    (interfaces.get(name) ?? [])
      .flatMap((declaration) => declaration.members.filter(ts.isPropertySignature))
      .map((member) => {
        if (!member.type) throw new Error(`schema.ts: ${name}.${member.name.getText(source)} has no type`);
        return { name: member.name.getText(source), type: member.type };
      });
  const tables = members('DB');
  if (tables.length === 0) throw new Error(`${file} declares no DB interface`);
  const shape: SchemaShape = new Map();
  for (const table of tables) {
    if (!ts.isTypeReferenceNode(table.type) || !interfaces.has(table.type.typeName.getText(source)))
      throw new Error(`schema.ts: DB.${table.name} is not a table interface of this file`);
    const columns = new Map<string, ColumnShape>();
    for (const column of members(table.type.typeName.getText(source))) columns.set(column.name, declaredColumn(source, aliases, column.type));
    shape.set(table.name, columns);
  }
  return shape;
}

type Part = ValueClass | 'null' | 'undefined' | 'never';

function declaredColumn(source: ts.SourceFile, aliases: Map<string, ts.TypeNode>, node: ts.TypeNode): ColumnShape {
  const resolve = (type: ts.TypeNode): ts.TypeNode => {
    while (ts.isTypeReferenceNode(type) && !type.typeArguments && aliases.has(type.typeName.getText(source)))
      type = aliases.get(type.typeName.getText(source)) as ts.TypeNode;
    return ts.isParenthesizedTypeNode(type) ? resolve(type.type) : type;
  };
  const parts = (type: ts.TypeNode): Part[] => {
    const resolved = resolve(type);
    if (ts.isUnionTypeNode(resolved)) return resolved.types.flatMap(parts);
    if (ts.isLiteralTypeNode(resolved)) {
      if (resolved.literal.kind === ts.SyntaxKind.NullKeyword) return ['null'];
      if (ts.isStringLiteral(resolved.literal)) return ['string'];
      if (ts.isNumericLiteral(resolved.literal)) return ['number'];
      return ['boolean'];
    }
    switch (resolved.kind) {
      case ts.SyntaxKind.StringKeyword:
        return ['string'];
      case ts.SyntaxKind.NumberKeyword:
      case ts.SyntaxKind.BigIntKeyword:
        return ['number'];
      case ts.SyntaxKind.BooleanKeyword:
        return ['boolean'];
      case ts.SyntaxKind.UndefinedKeyword:
        return ['undefined'];
      case ts.SyntaxKind.NeverKeyword:
        return ['never'];
      case ts.SyntaxKind.TypeLiteral:
        return ['json'];
    }
    // The database side classes every array column as json (see below); so does this one.
    if (ts.isArrayTypeNode(resolved)) return ['json'];
    if (ts.isTypeReferenceNode(resolved)) {
      const name = resolved.typeName.getText(source);
      if (name === 'Date') return ['Date'];
      if (name === 'Buffer' || name === 'Uint8Array') return ['Buffer'];
      if (name === 'Record') return ['json'];
    }
    throw new Error(`schema.ts: no database value class for the type ${resolved.getText(source)}`);
  };
  // Kysely's ColumnType<Select, Insert, Update>; Generated<T> selects T and may be left out of an insert.
  let select: Part[];
  let insert: Part[];
  const resolved = resolve(node);
  const wrapper = ts.isTypeReferenceNode(resolved) ? resolved.typeName.getText(source) : '';
  const [first, second] = ts.isTypeReferenceNode(resolved) ? (resolved.typeArguments ?? []) : [];
  if (wrapper === 'ColumnType' && first) {
    select = parts(first);
    insert = second ? parts(second) : select;
  } else if ((wrapper === 'Generated' || wrapper === 'GeneratedAlways') && first) {
    select = parts(first);
    insert = ['undefined'];
  } else {
    select = parts(resolved);
    insert = select;
  }
  const classes = [...new Set(select.filter((part): part is ValueClass => !['null', 'undefined', 'never'].includes(part)))].sort();
  return {
    nullable: select.includes('null'),
    classes,
    optionalOnInsert: insert.includes('undefined') || insert.includes('never'),
    typeName: (ts.isTypeReferenceNode(resolved) && first ? first : resolved).getText(source),
  };
}

/** How node-postgres and PGlite hand each PostgreSQL type to JavaScript (int8 is parsed as a number, see database.ts). */
const classOfDatabaseType: Record<string, ValueClass> = {
  int2: 'number',
  int4: 'number',
  int8: 'number',
  float4: 'number',
  float8: 'number',
  oid: 'number',
  text: 'string',
  varchar: 'string',
  bpchar: 'string',
  citext: 'string',
  uuid: 'string',
  numeric: 'string',
  tsvector: 'string',
  inet: 'string',
  interval: 'string',
  bool: 'boolean',
  timestamptz: 'Date',
  timestamp: 'Date',
  date: 'Date',
  bytea: 'Buffer',
  json: 'json',
  jsonb: 'json',
};

/**
 * The tables of the `public` schema as kysely-codegen's introspector sees them, and the interfaces
 * kysely-codegen would generate from them (kept as an artifact to read beside schema.ts when they disagree).
 */
export async function actualSchema(db: Kysely<unknown>): Promise<{ shape: SchemaShape; generated: string }> {
  // biome-ignore lint/suspicious/noExplicitAny: kysely-codegen types its introspector for its own DB interface.
  const metadata = await new PostgresIntrospector().introspect({ db: db as Kysely<any> });
  const generated = serializeFromMetadata({ metadata, dialect: new PostgresDialect(), skipAutogeneratedFileComment: true });
  const shape: SchemaShape = new Map();
  for (const table of metadata.tables) {
    if ((table.schema ?? 'public') !== 'public' || toolTables.has(table.name) || table.isView) continue;
    const columns = new Map<string, ColumnShape>();
    for (const column of table.columns) {
      const valueClassOf = column.isArray ? 'json' : classOfDatabaseType[column.dataType];
      if (!valueClassOf)
        throw new Error(`${table.name}.${column.name}: no value class known for the PostgreSQL type ${column.dataType}; add it to classOfDatabaseType`);
      columns.set(column.name, {
        nullable: column.isNullable,
        classes: [valueClassOf],
        optionalOnInsert: column.hasDefaultValue || column.isAutoIncrementing,
        typeName: column.isArray ? `${column.dataType}[]` : column.dataType,
      });
    }
    shape.set(table.name, columns);
  }
  return { shape, generated };
}

/** Every disagreement, one readable line each; empty when schema.ts describes the database. */
export function schemaDrift(declared: SchemaShape, actual: SchemaShape): string[] {
  const findings: string[] = [];
  for (const table of [...actual.keys()].filter((name) => !declared.has(name)).sort())
    findings.push(`table ${table}: in the database, missing from the DB interface of schema.ts`);
  for (const [table, declaredColumns] of [...declared].sort(([a], [b]) => a.localeCompare(b))) {
    const actualColumns = actual.get(table);
    if (!actualColumns) {
      findings.push(`table ${table}: declared in schema.ts, not in the migrated database`);
      continue;
    }
    for (const column of [...actualColumns.keys()].filter((name) => !declaredColumns.has(name)).sort())
      findings.push(`${table}.${column}: in the database (${actualColumns.get(column)?.typeName}), not declared in schema.ts`);
    for (const [column, want] of declaredColumns) {
      const have = actualColumns.get(column);
      if (!have) {
        findings.push(`${table}.${column}: declared in schema.ts (${want.typeName}), not in the database`);
        continue;
      }
      if (want.nullable !== have.nullable)
        findings.push(
          `${table}.${column}: schema.ts says ${want.nullable ? 'nullable' : 'not null'}, the database says ${have.nullable ? 'nullable' : 'not null'}`,
        );
      const haveClass = have.classes[0] as ValueClass;
      if (want.classes.length !== 1 || want.classes[0] !== haveClass)
        findings.push(
          `${table}.${column}: schema.ts gives ${want.classes.join(' | ') || 'no value'} (${want.typeName}), the database column is ${have.typeName} (${haveClass})`,
        );
      if (want.optionalOnInsert && !want.nullable && !have.optionalOnInsert)
        findings.push(`${table}.${column}: schema.ts lets an insert leave it out, but the database has no default and it is not null`);
    }
  }
  return findings;
}
