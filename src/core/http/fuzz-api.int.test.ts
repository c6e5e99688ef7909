/**
 * Input fuzz from the OpenAPI document: every operation the app documents gets requests generated from its
 * own schemas (bodies, path parameters, queries) and mutated — wrong types, NUL bytes, numbers past
 * PostgreSQL integer, non-finite numbers, unicode edge cases, deep nesting, long strings, arrays for scalars,
 * missing and extra fields, raw JSON no serializer writes, wrong content types, broken multipart — from a
 * verified citizen with an API token and from an anonymous caller (and an admin where the citizen is
 * refused by the route's policy). Every answer is below 500, every 4xx carries the error envelope with a
 * known code and a translated message, and a batch that was refused whole writes no row anywhere.
 * A new operation is fuzzed the day it is documented. Seeded (FUZZ_SEED replays another run); FUZZ_RUNS
 * sets the requests per operation and caller; FUZZ_DEBUG=<file> appends every request's status there.
 */

import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.ts';
import {
  apiTokenFor,
  categoryId as categoryIdOf,
  createOrganization,
  createUser,
  defaultMunicipality,
  factoryPassword,
} from '../../../test/support/factories.ts';
import {
  apiAnswerProblem,
  brokenMultipart,
  changedTables,
  clientAddress,
  type Hints,
  hostileFiles,
  hostileText,
  hostileUrlText,
  hostileValue,
  type JsonSchema,
  multipart,
  rawJsonVariants,
  rowCounts,
  samples,
  tally,
  valueFor,
  wellFormed,
} from '../../../test/support/fuzz.ts';
import { type FuzzRecords, fuzzRecords } from '../../../test/support/fuzz-records.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { passwordResetJob } from '../../modules/accounts/accounts.service.ts';
import { countsCaughtUp } from '../../modules/appeals/appeals.counts.ts';
import { broadcastJob } from '../../modules/cabinet/cabinet.threads.ts';
import { encodeCursor } from '../../modules/problems/problems.rules.ts';

const runsPerCaller = Number(process.env.FUZZ_RUNS ?? 20);

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  operationId: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema: JsonSchema }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** One request as app.inject takes it, with what was done to it (for the report). */
interface FuzzCase {
  mutation: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

// ALTCHA on, as in production: the `altcha` field of signing, registering and publishing reaches its verifier.
const t = await createTestApp({ ALTCHA_ENABLED: 'true' });
afterAll(() => t.stop());

const document = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as OpenApiDocument;
const resolve = (ref: string): JsonSchema => {
  const name = ref.replace('#/components/schemas/', '');
  const schema = document.components?.schemas?.[name];
  if (!schema) throw new Error(`unresolved $ref ${ref}`);
  return schema;
};
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
);

// Shared by every operation: a place, a topic, an addressee.
const territoryId = await defaultMunicipality(t.ctx);
const categoryId = await categoryIdOf(t.ctx);
const organization = await createOrganization(t.ctx, { territoryId });
const shared = { territoryId, categoryId, organization };
const admin = await createUser(t.ctx, { role: 'admin' });
const adminToken = await apiTokenFor(t.ctx, admin);
type Records = FuzzRecords;

function hintsFor(records: Records): Hints {
  return {
    categoryId: [categoryId],
    territoryId: [territoryId],
    municipalityId: [territoryId, null],
    organizationId: [organization.id],
    parentId: [records.comment.id, null],
    baseRevision: [1, 2],
    email: [records.user.email, 'nobody@example.test'],
    newEmail: ['new-address@example.test', records.user.email],
    token: records.mailedLinks.map((link) => link.slice(link.indexOf('=') + 1)),
    password: [factoryPassword, 'wrong-Password-1'],
    fullName: ['Проверкина Вера Ивановна'],
    postalAddress: ['170100, г. Тверь, ул. Советская, д. 1, кв. 2', '«д. 1»'],
    consentTransfer: [true],
    title: ['Отремонтируйте тротуар у школы'],
    text: ['Просим отремонтировать тротуар у школы № 5: ямы глубиной до 20 см.'],
    description: ['Глубокая яма на тротуаре у школы, дети обходят её по дороге.'],
    body: ['Поддерживаю, хожу там каждый день.'],
    name: ['Администрация (проверка)'],
    slug: [organization.slug],
    subjectType: ['comment', 'problem'],
    subjectId: [records.comment.id, records.problem.id],
    reason: ['abuse', 'other', 'Нарушение правил обсуждения.'],
    details: ['Оскорбляет соседей.', ''],
    caseIds: [[records.moderation.reportedCase]],
    signatureIds: [[records.flagged.signatureId]],
    decision: ['hide', 'restore'],
    outcome: ['upheld', 'reversed'],
    // A listing's cursors: one that reads (of the default order), one of another order, damaged ones.
    after: [...cursors(records.problem.id)],
    before: [...cursors(records.problem.id)],
  };
}

function cursors(problemId: number): string[] {
  const real = encodeCursor({ sort: 'new', createdMicros: Date.now() * 1000, id: problemId });
  return [real, encodeCursor({ sort: 'resonant', recent: 0, signatures: 0, id: problemId }), `${real}A`, 'garbage', ''];
}

/** A path parameter's real value, by the collection it names (`/appeals/{id}` → an appeal of the citizen's). */
function pathValues(path: string, name: string, records: Records): string[] {
  const collection = new RegExp(`/([a-z-]+)/\\{${name}\\}`).exec(path)?.[1];
  // In the cabinet of the organization the records' person heads: its own appeal, members, templates, views.
  if (path.startsWith('/api/v1/cabinet/')) {
    const { cabinet } = records;
    const byCollection: Record<string, string> = {
      cabinet: cabinet.slug,
      appeals: String(cabinet.appealId),
      members: String(records.user.id),
      templates: String(cabinet.templateId),
      views: String(cabinet.viewId),
      webhooks: String(cabinet.webhookId),
    };
    return [byCollection[collection ?? ''] ?? '1'];
  }
  if (collection === 'membership-requests') return [String(records.cabinet.requestId)];
  if (path.endsWith('/merge')) return [records.mergeable.slug];
  if (path.startsWith('/api/v1/moderation/signatures/')) return [String(records.flagged.appealId)];
  if (collection === 'cases') {
    const { moderation } = records;
    return [
      String(path.endsWith('/appeal') ? moderation.appealableCase : path.endsWith('/appeal-decision') ? moderation.appealedCase : moderation.reportedCase),
    ];
  }
  switch (collection) {
    case 'problems':
      return [String(records.problem.id)];
    case 'appeals':
      return [records.draft, records.collecting, records.signed].map((fixture) => String(fixture.appeal.id));
    case 'tokens':
      return records.tokenIds.map(String);
    case 'notifications':
      return records.notificationIds.length ? records.notificationIds.map(String) : ['1'];
    case 'organizations':
      return [organization.slug];
    case 'territories':
      return ['28701000', '28000000'];
    default:
      return ['1'];
  }
}

const jsonHeaders = { 'content-type': 'application/json' };

function casesFor(path: string, method: string, operation: Operation, records: Records): fc.Arbitrary<FuzzCase> {
  const hints = hintsFor(records);
  const parameters = operation.parameters ?? [];
  const pathParameters = parameters.filter((p) => p.in === 'path');
  const queryParameters = parameters.filter((p) => p.in === 'query');
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  const writes = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method);
  const fileField = /field "([^"]+)"/.exec(operation.summary ?? '')?.[1] ?? 'file';
  const takesCsv = /text\/csv/.test(`${operation.summary} ${operation.description}`);

  const validPath = fc.record(Object.fromEntries(pathParameters.map((p) => [p.name, fc.constantFrom(...pathValues(path, p.name, records))])));
  const validQuery = fc.record(
    Object.fromEntries(queryParameters.map((p) => [p.name, valueFor(p.schema, resolve, hints, p.name).map((value) => String(value))])),
    { requiredKeys: queryParameters.filter((p) => p.required).map((p) => p.name) },
  ) as fc.Arbitrary<Record<string, string>>;
  const validBody: fc.Arbitrary<unknown> = bodySchema ? valueFor(bodySchema, resolve, hints) : fc.constant(undefined);

  const url = (params: Record<string, string>, query: string) =>
    path.replace(/\{([^}]+)\}/g, (_, name: string) => params[name] ?? '1') + (query ? `?${query}` : '');
  const queryString = (query: Record<string, string>) => new URLSearchParams(Object.entries(query).map(([k, v]) => [k, wellFormed(v)])).toString();
  const json = (value: unknown) => (value === undefined ? {} : { headers: jsonHeaders, payload: JSON.stringify(value) });

  const families: { weight: number; arbitrary: fc.Arbitrary<FuzzCase> }[] = [];
  const add = (weight: number, arbitrary: fc.Arbitrary<FuzzCase>) => families.push({ weight, arbitrary });

  // As the schema describes it: what a correct client sends (fields may still be refused by the service's rules).
  add(
    3,
    fc.tuple(validPath, validQuery, validBody).map(([params, query, body]) => {
      const sent = json(body);
      return { mutation: 'valid', url: url(params, queryString(query)), headers: { ...sent.headers }, payload: sent.payload };
    }),
  );

  if (pathParameters.length > 0) {
    add(
      2,
      fc.tuple(validPath, fc.constantFrom(...pathParameters.map((p) => p.name)), hostileUrlText, validBody).map(([params, name, value, body]) => {
        const sent = json(body);
        return {
          mutation: `path ${name}=${value.slice(0, 40)}`,
          url: url({ ...params, [name]: value }, ''),
          headers: { ...sent.headers },
          payload: sent.payload,
        };
      }),
    );
  }

  if (queryParameters.length > 0) {
    const names = [...queryParameters.map((p) => p.name), 'unknownParameter'];
    add(
      3,
      fc
        .tuple(validPath, validQuery, fc.constantFrom(...names), hostileUrlText, fc.constantFrom('replace', 'repeat', 'bracket'))
        .map(([params, query, name, value, how]) => {
          const rest = queryString(Object.fromEntries(Object.entries(query).filter(([key]) => key !== name)));
          const hostile = how === 'replace' ? `${name}=${value}` : how === 'repeat' ? `${name}=${value}&${name}=1&${name}=` : `${name}[]=${value}&${name}[a]=1`;
          return { mutation: `query ${how} ${name}=${value.slice(0, 40)}`, url: url(params, [rest, hostile].filter(Boolean).join('&')), headers: {} };
        }),
    );
  }

  if (bodySchema) {
    const properties = Object.keys(bodySchema.properties ?? {});
    const required = bodySchema.required ?? [];
    if (properties.length > 0) {
      // One field replaced by a hostile value: a NUL, 2^31, "Infinity", an array, an object, a 100 000-character string…
      add(
        5,
        fc.tuple(validPath, validBody, fc.constantFrom(...properties), hostileValue).map(([params, body, name, value]) => ({
          mutation: `body ${name}=${JSON.stringify(value)?.slice(0, 40)}`,
          url: url(params, ''),
          headers: jsonHeaders,
          payload: JSON.stringify({ ...(body as object), [name]: value }),
        })),
      );
      // Strings at their schema's length limit, in characters outside the BMP (2 UTF-16 units each), and one past it.
      const limited = properties.filter((name) => typeof bodySchema.properties?.[name]?.maxLength === 'number');
      if (limited.length > 0) {
        add(
          1,
          fc.tuple(validPath, validBody, fc.constantFrom(...limited), fc.constantFrom(0, 1)).map(([params, body, name, over]) => {
            const limit = bodySchema.properties?.[name]?.maxLength ?? 0;
            return {
              mutation: `body ${name} of ${limit + over} characters`,
              url: url(params, ''),
              headers: jsonHeaders,
              payload: JSON.stringify({ ...(body as object), [name]: `д. 1 ${'𝔄'.repeat(Math.max(0, limit + over - 5))}` }),
            };
          }),
        );
      }
      // Nested fields (a list of objects) get the same treatment inside.
      const nested = properties.filter((name) => bodySchema.properties?.[name]?.type === 'array' && bodySchema.properties[name]?.items?.properties);
      if (nested.length > 0) {
        add(
          1,
          fc.tuple(validPath, validBody, fc.constantFrom(...nested), hostileValue).map(([params, body, name, value]) => {
            const items = bodySchema.properties?.[name]?.items?.properties ?? {};
            const inner = Object.fromEntries(Object.keys(items).map((key) => [key, value]));
            return {
              mutation: `body ${name}[0].*=${JSON.stringify(value)?.slice(0, 40)}`,
              url: url(params, ''),
              headers: jsonHeaders,
              payload: JSON.stringify({ ...(body as object), [name]: [inner] }),
            };
          }),
        );
      }
    }
    // Missing, extra and prototype-polluting fields; the whole body replaced by a scalar, an array, deep nesting.
    add(
      2,
      fc.tuple(validPath, validBody, fc.constantFrom(...required, '(all)'), fc.constantFrom('missing', 'extra', 'whole')).chain(([params, body, name, how]) => {
        if (how === 'missing') {
          const rest = name === '(all)' ? {} : Object.fromEntries(Object.entries(body as object).filter(([key]) => key !== name));
          return fc.constant({ mutation: `body without ${name}`, url: url(params, ''), headers: jsonHeaders, payload: JSON.stringify(rest) });
        }
        if (how === 'extra') {
          return hostileValue.map((value) => ({
            mutation: 'body with extra fields',
            url: url(params, ''),
            headers: jsonHeaders,
            payload: JSON.stringify({ ...(body as object), id: value, userId: 1, role: 'admin', status: 'sent', 'x\u0000': value }),
          }));
        }
        return hostileValue.map((value) => ({
          mutation: `body is ${JSON.stringify(value)?.slice(0, 40)}`,
          url: url(params, ''),
          headers: jsonHeaders,
          payload: JSON.stringify(value),
        }));
      }),
    );
    // JSON no serializer writes: 1e999, bad escapes, lone surrogates, __proto__, a BOM, 5 000 levels of arrays.
    add(
      2,
      fc.tuple(validPath, fc.constantFrom(...rawJsonVariants(properties))).map(([params, raw]) => ({
        mutation: `raw JSON ${raw.slice(0, 40)}`,
        url: url(params, ''),
        headers: jsonHeaders,
        payload: raw,
      })),
    );
  }

  if (writes) {
    // A body the route does not take: wrong or missing content type, a form, text, broken or boundary-less multipart, too large.
    add(
      2,
      fc
        .tuple(
          validPath,
          validBody,
          fc.constantFrom(
            'text/plain',
            'application/xml',
            'application/x-www-form-urlencoded',
            'application/json; charset=utf-16',
            'none',
            'gzip',
            'too large',
            'octet',
          ),
        )
        .map(([params, body, type]) => {
          const text = JSON.stringify(body ?? {});
          const form = new URLSearchParams(
            Object.entries((body ?? {}) as object).map(([k, v]) => [k, wellFormed(typeof v === 'string' ? v : JSON.stringify(v))]),
          ).toString();
          const variants: Record<string, { headers: Record<string, string>; payload: string | Buffer }> = {
            'text/plain': { headers: { 'content-type': 'text/plain' }, payload: text },
            'application/xml': {
              headers: { 'content-type': 'application/xml' },
              payload: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            },
            'application/x-www-form-urlencoded': { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form },
            'application/json; charset=utf-16': { headers: { 'content-type': 'application/json; charset=utf-16' }, payload: Buffer.from(text, 'utf16le') },
            none: { headers: {}, payload: text },
            gzip: { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: text },
            'too large': { headers: jsonHeaders, payload: JSON.stringify({ ...(body as object), padding: 'x'.repeat(1_100_000) }) },
            octet: { headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from([0, 255, 1, 254]) },
          };
          const variant = variants[type] ?? { headers: {}, payload: '' };
          return { mutation: `content ${type}`, url: url(params, ''), headers: variant.headers, payload: variant.payload };
        }),
    );
    const fields = Object.keys(bodySchema?.properties ?? {});
    add(
      bodySchema ? 1 : 4,
      fc
        .tuple(validPath, fc.constantFrom(...brokenMultipart, null), fc.subarray([...hostileFiles]), fc.constantFrom(fileField, 'file', 'photos'), hostileText)
        .map(([params, broken, files, name, value]) => {
          if (broken)
            return {
              mutation: `multipart broken ${broken.contentType}`,
              url: url(params, ''),
              headers: { 'content-type': broken.contentType },
              payload: broken.payload,
            };
          const parts = [
            ...fields.map((field) => ({ name: field, value: wellFormed(value) })),
            ...files.map((file) => ({ name, ...file })),
            { name: 'extra', value: wellFormed(value) },
          ];
          const body = multipart(parts);
          return {
            mutation: `multipart ${files.length} files in ${name}`,
            url: url(params, ''),
            headers: { 'content-type': body.contentType },
            payload: body.payload,
          };
        }),
    );
    if (takesCsv) {
      add(
        3,
        fc.tuple(validPath, fc.array(hostileText, { minLength: 1, maxLength: 5 })).map(([params, cells]) => ({
          mutation: 'csv',
          url: url(params, ''),
          headers: { 'content-type': 'text/csv' },
          payload: `region_oktmo,oktmo,okato,name,kind\n${cells.map((cell) => `28000000,${cell.replaceAll(',', ' ')},,${cell},urban_okrug`).join('\n')}\n`,
        })),
      );
    }
  }

  return fc.oneof(...families);
}

/** Authentication headers a client gets wrong, for the anonymous caller. */
const brokenAuthorization = [
  'Bearer',
  'Bearer ',
  'Bearer x',
  `Bearer ${'a'.repeat(10_000)}`,
  'Basic Zm9vOmJhcg==',
  'Bearer dm_0000000000000000000000000000000000000000000',
  'bearer dm_\u00ff\u00fe',
];

interface Caller {
  name: 'citizen' | 'anonymous' | 'admin';
  headers: (index: number) => Record<string, string>;
}

const totals = { operations: 0, requests: 0, failures: 0, refusedBatches: 0, byStatus: new Map<number, number>() };
// A refused registration may rightly leave one trace: a CAPTCHA answered (right or wrong) is used up.
// And a webhook delivery's attempts are written by its retries, jobs on their own schedule (5 s, 5 min, …), whenever
// they come due: in a slow run one landed inside a refused batch. A request that queues a delivery still shows
// (webhook_deliveries is counted).
const mayChangeOnRefusal = new Set(['captcha_uses', 'webhook_delivery_attempts']);
let address = 0;

/**
 * Row counts once the jobs a request leaves behind have run (a password reset mails from a job, so that it
 * takes as long for any address), and once the signature counts caught up with the signatures (the fold job
 * writes them about a second after signing, whoever signed): what changes after that, the request wrote.
 */
async function settledRowCounts() {
  await t.ctx.jobs.drain(passwordResetJob, 60_000);
  // A message to all signers is mailed by a job, after the request that wrote it answered.
  await t.ctx.jobs.drain(broadcastJob, 60_000);
  // So is the notice of a proposed amendment to the appeal's author.
  await t.ctx.jobs.drain('appeals.notify-amendment', 60_000);
  await waitFor(async () => ((await countsCaughtUp(t.ctx)) ? true : undefined), 30_000, { what: 'the signature counts to catch up' });
  return rowCounts(t.ctx);
}

describe.each(operations)('$method $path', ({ path, method, operation }) => {
  it(`${operation.operationId}: no 5xx, every 4xx with the error envelope, nothing written when refused`, async () => {
    const records = await fuzzRecords(t.ctx, shared);
    const arbitrary = casesFor(path, method, operation, records);
    const callers: Caller[] = [
      { name: 'citizen', headers: () => ({ authorization: `Bearer ${records.token}` }) },
      {
        name: 'anonymous',
        headers: (index): Record<string, string> => (index % 5 === 4 ? { authorization: brokenAuthorization[index % brokenAuthorization.length] ?? '' } : {}),
      },
    ];
    const failures: string[] = [];
    for (let c = 0; c < callers.length; c++) {
      const caller = callers[c] as Caller;
      const cases = samples(`${operation.operationId}/${caller.name}`, arbitrary, runsPerCaller);
      const before = await settledRowCounts();
      const statuses: number[] = [];
      for (const [index, fuzz] of cases.entries()) {
        address += 1;
        const started = performance.now();
        const response = await t.app.inject({
          method: method as 'GET',
          url: fuzz.url,
          headers: { ...fuzz.headers, ...caller.headers(index) },
          ...(fuzz.payload !== undefined ? { payload: fuzz.payload } : {}),
          remoteAddress: clientAddress(address),
        });
        statuses.push(response.statusCode);
        tally(totals, response.statusCode);
        if (process.env.FUZZ_DEBUG)
          appendFileSync(
            process.env.FUZZ_DEBUG,
            `${Math.round(performance.now() - started)}ms ${response.statusCode} ${caller.name} ${method} ${path} [${fuzz.mutation}]\n`,
          );
        const problem = apiAnswerProblem(response);
        if (problem) failures.push(`${caller.name} ${method} ${fuzz.url.slice(0, 120)} [${fuzz.mutation}] → ${problem}`);
      }
      // Refused whole: not one row may have been written, in any table.
      if (statuses.every((status) => status >= 400)) {
        totals.refusedBatches += 1;
        const changed = changedTables(before, await settledRowCounts(), mayChangeOnRefusal);
        if (changed.length) failures.push(`${caller.name}: every request refused, yet rows were written: ${changed.join(', ')}`);
      }
      // An operation only admins may call was refused to the citizen before its input was read: fuzz it as an admin too.
      if (caller.name === 'citizen' && statuses.every((status) => status === 403)) {
        callers.splice(c + 1, 0, { name: 'admin', headers: () => ({ authorization: `Bearer ${adminToken}` }) });
      }
    }
    totals.operations += 1;
    totals.failures += failures.length;
    expect(failures).toEqual([]);
  });
});

describe('the fuzz itself', () => {
  it('covers the documented API', () => {
    expect(operations.length).toBeGreaterThan(40);
  });
});

afterAll(() => {
  const statuses = [...totals.byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  console.log(
    `API fuzz (seed ${process.env.FUZZ_SEED ?? 'default'}): ${totals.operations} operations, ${totals.requests} requests, ${totals.failures} failures, ${totals.refusedBatches} refused batches checked for writes; ${statuses.join(' ')}`,
  );
});
