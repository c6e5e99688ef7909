/**
 * Input fuzzing: values generated from a JSON schema (the OpenAPI document's) with fast-check, the hostile
 * values a careless or malicious client sends instead, and the checks every answer to them must pass.
 * Seeded: the same seed sends the same requests, so a failure is replayed by running the file again.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import type { AppContext } from '../../src/core/context.ts';
import { errorStatus } from '../../src/core/errors.ts';

/** The seed of a run; FUZZ_SEED replays another. Each operation derives its own from it, so adding one changes no other's requests. */
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? 20_240_601);

export function seedFor(name: string): number {
  let hash = fuzzSeed | 0;
  for (const char of name) hash = (Math.imul(hash, 31) + (char.codePointAt(0) ?? 0)) | 0;
  return hash;
}

/** `count` values of `arbitrary`, the same ones for the same name and seed. */
export function samples<T>(name: string, arbitrary: fc.Arbitrary<T>, count: number): T[] {
  return fc.sample(arbitrary, { seed: seedFor(name), numRuns: count });
}

// ---------------------------------------------------------------------------------------------
// Hostile values

const deepObject = (depth: number): unknown => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};
const deepArray = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

/** Numbers past PostgreSQL integer and JavaScript's safe range, negative zero, fractions where integers belong. */
export const hostileNumbers: readonly number[] = [2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53 + 1, 1e308, -1e308, -0, 0, -1, 1.5, 5e-324, 1e10];

/** Strings that ajv's type coercion, Number() or the database read as a number, or fail to. */
export const hostileNumberStrings: readonly string[] = [
  'Infinity',
  '-Infinity',
  'NaN',
  '1e10',
  '1e308',
  '1e999',
  '2147483648',
  '-2147483649',
  '9007199254740993',
  '-0',
  '0x10',
  ' 1',
  '1 ',
  '١٢٣',
  '1_000',
  '+1',
  '.5',
  '9'.repeat(400),
];

/** Unicode that is one character to a person and several to JavaScript, invisible, reordering, or not well-formed at all. */
export const hostileUnicode: readonly string[] = [
  '\u0000',
  'Яма\u0000у школы',
  '\ud800',
  '\udfff',
  'Яма \ud83d',
  'a\u2028b\u2029c',
  '\u202eлавонам\u202c',
  `Я${'\u0301\u0302\u0303'.repeat(200)}`,
  '🙂🇷🇺',
  '👨‍👩‍👧‍👦🏳️‍🌈🇷🇺🇺🇦',
  '\ufeffЯма',
  '\uffff\ufffe',
  '\u0001\u001b[31m\u007f\u0085',
  '\u200b\u200d\u2060',
  '𝕐𝕒𝕞𝕒',
  'ß'.repeat(100),
];

/** Strings a server must only ever store or refuse: injection attempts, encodings, lengths. */
export const hostileStrings: readonly string[] = [
  '',
  ' ',
  '1',
  'ab',
  'д. 1',
  '𝔄𝔅',
  '\t\r\n',
  '\r\n\r\nX-Injected: 1',
  "'; drop table users; --",
  "' or '1'='1",
  '<script>alert(1)</script>',
  '{{7*7}}#{7*7}<%= 7*7 %>',
  '../../etc/passwd',
  '%00',
  '%ZZ',
  'https://evil.example/',
  '//evil.example',
  'x'.repeat(100_000),
  '🙂'.repeat(20_000),
  'Я'.repeat(5_001),
  ...hostileUnicode,
  ...hostileNumberStrings,
];

/** Shapes where a scalar belongs, and scalars of the wrong type. */
export const hostileStructures: readonly unknown[] = [
  null,
  true,
  false,
  [],
  [1],
  ['1'],
  [null],
  [[1]],
  Array.from({ length: 1000 }, (_, i) => i),
  {},
  { $gt: '' },
  { toString: 'x', valueOf: 1 },
  deepObject(200),
  deepArray(200),
];

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...hostileStrings) },
  { weight: 2, arbitrary: fc.constantFrom(...hostileNumbers) },
  { weight: 2, arbitrary: fc.constantFrom(...hostileStructures) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Hostile values as they arrive in a query string, a form field or a path segment: text. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...hostileStrings) },
  { weight: 1, arbitrary: fc.constantFrom(...hostileNumbers.map((n) => (Object.is(n, -0) ? '-0' : String(n)))) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** Raw percent-encoded text as a client may send it in a URL, not all of it valid UTF-8 or valid encoding. */
export const hostileUrlText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileText.map((value) => encodeURIComponent(wellFormed(value)).slice(0, 20_000)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%00',
      '%ZZ',
      '%',
      '%E0%A4%A',
      '%ED%A0%80',
      '%C0%AF',
      '%FF%FE',
      '%2F..%2F..',
      '..',
      '%20',
      '+',
      '%2B',
      '%0D%0ASet-Cookie:x=1',
      'a%00b',
      '%EF%BB%BF1',
    ),
  },
);

/** The string with each lone surrogate replaced by U+FFFD, as a client must before percent-encoding it (encodeURIComponent throws). */
export function wellFormed(value: string): string {
  return value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** A JSON text that JSON.stringify cannot produce: numbers JSON.parse reads as Infinity, bad escapes, prototype keys, a BOM. */
export function rawJsonVariants(fieldNames: readonly string[]): string[] {
  const field = fieldNames[0] ?? 'x';
  return [
    '',
    '{',
    'null',
    '[]',
    '"x"',
    '1e999',
    `{"${field}":1e999}`,
    `{"${field}":-1e999}`,
    `{"${field}":-0}`,
    `{"${field}":"\\ud800"}`,
    `{"${field}":"\\udc00\\ud800"}`,
    `{"${field}":"\\u0000"}`,
    `{"${field}":"\\x41"}`,
    `{"${field}":NaN}`,
    `{"${field}":1,"${field}":"x"}`,
    `{"${field}":1,}`,
    '{"__proto__":{"isAdmin":true}}',
    '{"constructor":{"prototype":{"isAdmin":true}}}',
    '\ufeff{}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Values from a JSON schema

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
  description?: string;
}

/** Values worth sending for a field of this name: the ids and texts of records that exist, so generated requests reach the service. */
export type Hints = Readonly<Record<string, readonly unknown[]>>;

const words = [
  'Яма',
  'у',
  'школы',
  'на',
  'улице',
  'Советской',
  'тротуар',
  'двор',
  'освещение',
  'просим',
  'отремонтировать',
  'дом',
  '12',
  'Tver',
  '🙂',
  '«д. 1»',
  '—',
  'ё',
];

function text(minLength: number, maxLength: number): fc.Arbitrary<string> {
  const cap = Math.min(maxLength, 300);
  return fc
    .oneof(
      { weight: 3, arbitrary: fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(' ')) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength: cap }) },
    )
    .map((value) => {
      const characters = [...value];
      while (characters.length < minLength) characters.push('ж');
      return characters.slice(0, maxLength).join('');
    });
}

export function valueFor(schema: JsonSchema, resolve: (ref: string) => JsonSchema, hints: Hints = {}, name = ''): fc.Arbitrary<unknown> {
  if (schema.$ref) return valueFor(resolve(schema.$ref), resolve, hints, name);
  const hinted = hints[name];
  const generated = valueFromSchema(schema, resolve, hints, name);
  return hinted?.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...hinted) }, { weight: 1, arbitrary: generated }) : generated;
}

function valueFromSchema(schema: JsonSchema, resolve: (ref: string) => JsonSchema, hints: Hints, name: string): fc.Arbitrary<unknown> {
  const options = schema.anyOf ?? schema.oneOf;
  if (options?.length) return fc.oneof(...options.map((option) => valueFor(option, resolve, hints, name)));
  if (schema.allOf?.length) return valueFor(Object.assign({}, ...schema.allOf), resolve, hints, name);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => valueFor({ ...schema, type }, resolve, hints, name)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000);
      return fc.oneof(fc.integer({ min, max: Math.min(max, min + 100) }), fc.integer({ min, max }));
    }
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'string':
      return stringFor(schema);
    case 'array':
      return fc.array(schema.items ? valueFor(schema.items, resolve, hints, name) : fc.jsonValue({ maxDepth: 1 }), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
      });
    case 'object':
      return objectFor(schema, resolve, hints);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 1000;
  switch (schema.format) {
    case 'email':
      return fc.emailAddress().filter((email) => email.length <= max);
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString());
    case 'date':
      return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
    case 'uri':
      return fc.webUrl();
  }
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((value) => value.length >= min && value.length <= max);
  return text(min, max);
}

function objectFor(schema: JsonSchema, resolve: (ref: string) => JsonSchema, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const model = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valueFor(property, resolve, hints, key)]));
  return fc.record(model, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) }) as fc.Arbitrary<Record<string, unknown>>;
}

// ---------------------------------------------------------------------------------------------
// Multipart bodies, written by hand so that they can be wrong

export interface MultipartPart {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
}

export function multipart(parts: readonly MultipartPart[], boundary = 'fuzzboundary7MA4YWxkTrZu0gW'): { payload: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.contentType ? `Content-Type: ${part.contentType}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head), Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Files that claim to be images and are not, or barely are. */
export const hostileFiles: readonly { filename: string; contentType: string; value: Buffer }[] = [
  { filename: 'photo.jpg', contentType: 'image/jpeg', value: Buffer.from('not a jpeg at all') },
  { filename: 'photo.png', contentType: 'image/png', value: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') },
  { filename: 'photo.jpg', contentType: 'image/jpeg', value: Buffer.from('ffd8ffe000104a46494600', 'hex') },
  { filename: 'empty.webp', contentType: 'image/webp', value: Buffer.alloc(0) },
  { filename: '../../etc/passwd', contentType: 'text/plain', value: Buffer.from('root:x:0:0') },
  { filename: 'файл\u0000.gif', contentType: 'image/gif', value: Buffer.from('GIF89a') },
  { filename: 'list.csv', contentType: 'text/csv', value: Buffer.from('region_oktmo,oktmo,okato,name,kind\n28000000,2870100\u0000,,x,urban_okrug\n') },
];

/** Damaged multipart bodies: cut short, a broken part header, no closing delimiter. */
export const brokenMultipart: readonly { payload: string; contentType: string }[] = [
  { payload: '', contentType: 'multipart/form-data; boundary=b' },
  { payload: '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx', contentType: 'multipart/form-data; boundary=b' },
  { payload: '--b\r\nBroken header line\r\n\r\nx\r\n--b--\r\n', contentType: 'multipart/form-data; boundary=b' },
  { payload: '--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n', contentType: 'multipart/form-data; boundary=b' },
  { payload: 'garbage before any boundary', contentType: 'multipart/form-data; boundary=b' },
  { payload: 'x', contentType: 'multipart/form-data' },
  { payload: 'x', contentType: 'multipart/form-data; boundary=' },
  { payload: 'x', contentType: 'multipart/mixed' },
  { payload: `--${'b'.repeat(100)}\r\n`, contentType: `multipart/form-data; boundary=${'b'.repeat(100)}` },
];

// ---------------------------------------------------------------------------------------------
// Checks

export const errorCodes = new Set(Object.keys(errorStatus));

export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** What is wrong with an API answer to bad input, or null: a 5xx, or a 4xx without the JSON error envelope and a known code. */
export function apiAnswerProblem(answer: Answer): string | null {
  if (answer.statusCode >= 500) return `${answer.statusCode} ${answer.body.slice(0, 200)}`;
  if (answer.statusCode < 400) return null;
  if (!String(answer.headers['content-type'] ?? '').startsWith('application/json')) return `${answer.statusCode} not JSON: ${answer.headers['content-type']}`;
  let parsed: { error?: { code?: unknown; message?: unknown } };
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return `${answer.statusCode} body is not JSON: ${answer.body.slice(0, 100)}`;
  }
  const code = parsed.error?.code;
  const message = parsed.error?.message;
  if (typeof code !== 'string' || !errorCodes.has(code)) return `${answer.statusCode} unknown error code ${JSON.stringify(code)}`;
  if (typeof message !== 'string' || message.trim() === '' || message.startsWith('errors.'))
    return `${answer.statusCode} ${code}: untranslated message ${JSON.stringify(message)}`;
  return null;
}

/** What is wrong with a page's answer to a bad form, or null: a 5xx, or a 4xx that is neither an error page nor a form showing its errors. */
export function pageAnswerProblem(answer: Answer): string | null {
  if (answer.statusCode >= 500) return `${answer.statusCode} ${answer.body.slice(0, 200)}`;
  if (answer.statusCode < 400) return null;
  if (!String(answer.headers['content-type'] ?? '').startsWith('text/html')) return `${answer.statusCode} not HTML: ${answer.headers['content-type']}`;
  if (!/class="error-page"|class="error-summary"/.test(answer.body)) return `${answer.statusCode} HTML without an error page or error summary`;
  if (/errors\.[a-z_]+|validation\.[a-zA-Z]+/.test(answer.body)) return `${answer.statusCode} untranslated message key in the page`;
  return null;
}

/** Row counts of every table of the application's schema: what a refused request must leave as it found. */
export async function rowCounts(ctx: AppContext): Promise<Map<string, number>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(ctx.db);
  const counts = new Map<string, number>();
  const selects = tables.rows.map((row) => `select '${row.table_name}' as name, count(*)::int as n from "${row.table_name}"`).join(' union all ');
  if (!selects) return counts;
  const result = await sql<{ name: string; n: number }>`${sql.raw(selects)}`.execute(ctx.db);
  for (const row of result.rows) counts.set(row.name, row.n);
  return counts;
}

/** Tables whose count changed between two snapshots, but for those a refused request may rightly write (named with the reason). */
export function changedTables(before: Map<string, number>, after: Map<string, number>, mayChange: ReadonlySet<string>): string[] {
  const changed: string[] = [];
  for (const [table, count] of after) if (!mayChange.has(table) && before.get(table) !== count) changed.push(`${table} ${before.get(table)} → ${count}`);
  return changed;
}

/**
 * The client address of the n-th fuzz request: a new one each time, since the per-address rate limits
 * would answer 429 long before the input is read.
 */
export function clientAddress(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Counts one answer in a run's tally of requests and statuses. */
export function tally(totals: { requests: number; byStatus: Map<number, number> }, status: number): void {
  totals.requests += 1;
  totals.byStatus.set(status, (totals.byStatus.get(status) ?? 0) + 1);
}
