/**
 * Input fuzz of every HTML form: each page route that takes a POST (read from Fastify's route table, so a
 * new form is fuzzed the day its route exists) gets the fields its form really has — found by loading the
 * pages around it as the person who would see it — mutated: hostile values, repeated and missing fields,
 * extra fields, raw garbage, JSON where a form belongs, multipart with hostile files and multipart that is
 * broken or has no boundary, a wrong CSRF token. Sent with a valid CSRF token and session (an admin's on
 * /admin, the records' author's elsewhere) and anonymously. Every answer is below 500; every 4xx is an HTML
 * error page or the form again with its error summary, translated; a batch refused whole writes no row.
 * Seeded (FUZZ_SEED replays another run); FUZZ_RUNS sets the requests per form and caller; FUZZ_DEBUG=<file>
 * appends every request's status there.
 */

import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.ts';
import { categoryId as categoryIdOf, createOrganization, defaultMunicipality, factoryPassword } from '../../../test/support/factories.ts';
import {
  brokenMultipart,
  changedTables,
  clientAddress,
  hostileFiles,
  hostileText,
  multipart,
  pageAnswerProblem,
  rowCounts,
  samples,
  tally,
  wellFormed,
} from '../../../test/support/fuzz.ts';
import { type FuzzRecords, fuzzRecords } from '../../../test/support/fuzz-records.ts';
import { csrfFrom, formFields } from '../../../test/support/http.ts';
import { routeTable } from '../../../test/support/route-table.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { passwordResetJob } from '../../modules/accounts/accounts.service.ts';
import { countsCaughtUp } from '../../modules/appeals/appeals.counts.ts';
import { broadcastJob } from '../../modules/cabinet/cabinet.threads.ts';
import { unsubscribeToken } from '../../modules/notifications/notifications.rules.ts';
import { encodeCursor } from '../../modules/problems/problems.rules.ts';

const runsPerCaller = Number(process.env.FUZZ_RUNS ?? 20);

// ALTCHA on, as in production: the forms that carry its widget get the `altcha` field fuzzed (see findForm).
const t = await createTestApp({ ALTCHA_ENABLED: 'true' });
afterAll(() => t.stop());

const routes = routeTable(t.app);
const pageRoutes = routes.filter((route) => !route.url.startsWith('/api/') && !route.url.startsWith('/static'));
const formRoutes = pageRoutes.filter((route) => route.method === 'POST').map((route) => route.url);
const pageGets = new Set(pageRoutes.filter((route) => route.method === 'GET').map((route) => route.url));

const territoryId = await defaultMunicipality(t.ctx);
const categoryId = await categoryIdOf(t.ctx);
const organization = await createOrganization(t.ctx, { territoryId });
const shared = { territoryId, categoryId, organization };
type Records = FuzzRecords;

/** A route's concrete path for these records: `/appeals/:id/withdraw` → `/appeals/12/withdraw`. */
function concrete(url: string, records: Records, choice = 0): string {
  // In the cabinet of the organization the records' person heads: its own appeal, members, templates, views, scans.
  if (url.startsWith('/cabinet/')) {
    const { cabinet } = records;
    const byName: Record<string, string | number> = {
      slug: cabinet.slug,
      id: url.includes('/templates/')
        ? cabinet.templateId
        : url.includes('/views/')
          ? cabinet.viewId
          : url.includes('/webhooks/')
            ? cabinet.webhookId
            : cabinet.appealId,
      userId: records.user.id,
      position: 0,
    };
    return url.replace(/:([A-Za-z]+)/g, (_, name: string) => String(byName[name] ?? 1));
  }
  if (url.startsWith('/admin/memberships/')) return url.replace(':id', String(records.cabinet.requestId));
  if (url.endsWith('/merge')) return url.replace(':slug', records.mergeable.slug);
  if (url.startsWith('/report/')) return url.replace(':type', 'comment').replace(':id', String(records.comment.id));
  if (url.startsWith('/moderation/signatures/')) return url.replace(':id', String(records.flagged.appealId));
  if (url.startsWith('/moderation/cases/')) {
    const { moderation } = records;
    const id = url.endsWith('/appeal') ? moderation.appealableCase : url.endsWith('/appeal-decision') ? moderation.appealedCase : moderation.reportedCase;
    return url.replace(':id', String(id));
  }
  return url.replace(/\/([a-z-]+)\/:([A-Za-z]+)/g, (_, collection: string, name: string) => {
    const pick = (values: readonly (string | number)[]) => `/${collection}/${values[choice % values.length] ?? 1}`;
    switch (collection) {
      case 'problems':
        return pick([records.problem.id]);
      case 'appeals':
        return pick([records.draft, records.collecting, records.signed].map((fixture) => fixture.appeal.id));
      case 'tokens':
        return pick(records.tokenIds);
      case 'notifications':
        return pick(records.notificationIds.length ? records.notificationIds : [1]);
      case 'organizations':
        return pick([organization.slug]);
      case 'territories':
        return pick(['28701000']);
      case 'unsubscribe':
        return pick([unsubscribeToken(t.ctx.config.secret, { userId: records.user.id, kind: 'problem.solved', problemId: null })]);
      case 'locale':
        return pick(['ru', 'en']);
      // People administration: the neighbour, a citizen whom the records' admin may give a role or block.
      case 'users':
        return pick([records.neighbour.id]);
      default:
        return `/${collection}/${name === 'id' ? 1 : 'x'}`;
    }
  });
}

/**
 * Pages that may hold the form posting to `url`: the links mailed to the person for it (a reset form needs
 * its token), its own GET, each shorter path (the comment form is on the problem's page), then pages any
 * visitor gets a CSRF token from.
 */
function pagesAround(url: string, records: Records): string[] {
  const pages = records.mailedLinks.filter((link) => link.startsWith(`${url}?`));
  for (let path = url; path; path = path.slice(0, Math.max(0, path.lastIndexOf('/')))) if (pageGets.has(path)) pages.push(path);
  return [...pages, '/', '/login'];
}

/** The forms found with the ALTCHA widget's holder. */
const altchaForms = new Set<string>();

interface FoundForm {
  fields: Record<string, string[]>;
  files: string[];
  multipart: boolean;
}

async function findForm(url: string, records: Records, cookie: string): Promise<{ form: FoundForm | null; csrf: string; cookies: string }> {
  const jar = cookie ? [cookie] : [];
  let csrf = '';
  // The appeals' pages differ (a draft, one to sign, one signed): the form may be on any of them.
  const pages = [
    ...new Set(pagesAround(url, records).flatMap((page) => [0, 1, 2].map((choice) => (page.includes('?') ? page : concrete(page, records, choice))))),
  ];
  const actions = [...new Set([0, 1, 2].map((choice) => concrete(url, records, choice)))];
  for (const page of pages) {
    const response = await t.app.inject({ method: 'GET', url: page, headers: { cookie: jar.join('; ') } });
    const setCookie = ([] as string[]).concat((response.headers['set-cookie'] as string | string[] | undefined) ?? []);
    // The CSRF secret is set once; every token rendered with it afterwards is valid.
    const csrfCookie = setCookie.map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith('_csrf='));
    if (csrfCookie) jar.push(csrfCookie);
    if (response.body.includes('name="_csrf"')) csrf = csrfFrom(response.body);
    for (const action of actions) {
      const start = response.body.indexOf(`action="${action}"`);
      if (start < 0) continue;
      const tag = response.body.slice(response.body.lastIndexOf('<form', start), response.body.indexOf('>', start));
      const html = response.body.slice(start, response.body.indexOf('</form>', start));
      const files = [...html.matchAll(/<input [^>]*type="file"[^>]*>/g)].map((m) => /name="([^"]+)"/.exec(m[0])?.[1] ?? 'file');
      // The ALTCHA widget adds its field in a browser; here it starts empty (no JavaScript) and is mutated like the rest.
      const withAltcha = html.includes('data-challenge-url=');
      if (withAltcha) altchaForms.add(url);
      const fields = { ...formFields(response.body, action), ...(withAltcha ? { altcha: [''] } : {}) };
      return { form: { fields, files, multipart: /multipart\/form-data/.test(tag) }, csrf, cookies: jar.join('; ') };
    }
  }
  return { form: null, csrf, cookies: jar.join('; ') };
}

/** For a form no page showed (it needs a state the records lack): the field names forms here use. */
const commonFields: Record<string, string[]> = {
  token: ['x'],
  email: [''],
  password: [''],
  title: [''],
  body: [''],
  text: [''],
  name: [''],
  id: ['1'],
  // The preview of an invalidation and its confirmation are reached by a button's formaction and by a POST: no GET shows them.
  signatureId: [''],
  reason: [''],
};

/** What a person would type into a field of this name, so that a valid submission gets past the first check. */
function typed(name: string, records: Records): string | undefined {
  const values: Record<string, string> = {
    email: records.user.email,
    token: records.mailedLinks[0]?.split('=')[1] ?? 'x',
    newEmail: 'new-address@example.test',
    password: factoryPassword,
    currentPassword: factoryPassword,
    newPassword: 'another-Horse-battery-8',
    passwordConfirmation: 'another-Horse-battery-8',
    title: 'Отремонтируйте тротуар у школы',
    description: 'Глубокая яма на тротуаре у школы, дети обходят её по дороге.',
    text: 'Просим отремонтировать тротуар у школы № 5: ямы глубиной до 20 см.',
    body: 'Поддерживаю, хожу там каждый день.',
    fullName: 'Проверкина Вера Ивановна',
    postalAddress: '170100, г. Тверь, ул. Советская, д. 1, кв. 2',
    surname: 'Проверкина',
    firstName: 'Вера',
    name: 'Проверочный токен',
    organizationId: String(organization.id),
    categoryId: String(categoryId),
    territoryId: String(territoryId),
    sentOn: '2025-01-15',
    signatureId: String(records.flagged.signatureId),
  };
  return values[name];
}

type Submission = { mutation: string; headers: Record<string, string>; payload: string | Buffer };

function submissions(form: FoundForm | null, records: Records, csrf: string): fc.Arbitrary<Submission> {
  const fields: Record<string, string[]> = Object.fromEntries(
    Object.entries(form?.fields ?? commonFields).map(([name, values]) => [name, values.map((value) => value || typed(name, records) || value)]),
  );
  const names = [...Object.keys(fields), 'unknownField'];
  const urlencoded = (values: Record<string, string[]>, token = csrf) => {
    const params = new URLSearchParams();
    params.append('_csrf', token);
    for (const [name, list] of Object.entries(values)) for (const value of list) params.append(name, wellFormed(value));
    return { mutation: '', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: params.toString() };
  };
  const asMultipart = (values: Record<string, string[]>, files: typeof hostileFiles = []) => {
    const parts = [
      { name: '_csrf', value: csrf },
      ...Object.entries(values).flatMap(([name, list]) => list.map((value) => ({ name, value: wellFormed(value) }))),
      ...files.map((file, i) => ({ name: form?.files[i % Math.max(1, form.files.length)] ?? 'photos', ...file })),
    ];
    const body = multipart(parts);
    return { mutation: '', headers: { 'content-type': body.contentType }, payload: body.payload };
  };
  const encoded = fc.boolean();
  const encode = (values: Record<string, string[]>, asParts: boolean) => (asParts ? asMultipart(values) : urlencoded(values));
  const families: { weight: number; arbitrary: fc.Arbitrary<Submission> }[] = [
    // The form as the page gives it, empty fields filled in as a person would.
    { weight: 2, arbitrary: encoded.map((asParts) => ({ ...encode(fields, asParts || (form?.multipart ?? false)), mutation: 'as the page gives it' })) },
    // One field replaced by a hostile value, repeated, or left out.
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.constantFrom(...names), hostileText, fc.constantFrom('replace', 'repeat', 'missing'), encoded)
        .map(([name, value, how, asParts]) => {
          const changed = { ...fields };
          if (how === 'replace') changed[name] = [value];
          else if (how === 'repeat') changed[name] = [value, ...(fields[name] ?? ['1']), '1'];
          else delete changed[name];
          return { ...encode(changed, asParts), mutation: `${how} ${name}=${JSON.stringify(value).slice(0, 40)}${asParts ? ' (multipart)' : ''}` };
        }),
    },
    // Every field hostile at once.
    {
      weight: 2,
      arbitrary: fc.tuple(fc.array(hostileText, { minLength: names.length, maxLength: names.length }), encoded).map(([values, asParts]) => ({
        ...encode(Object.fromEntries(names.map((name, i) => [name, [values[i] ?? '']])), asParts),
        mutation: `all fields hostile${asParts ? ' (multipart)' : ''}`,
      })),
    },
    // Extra fields, prototype keys, bracket syntax.
    {
      weight: 1,
      arbitrary: hostileText.map((value) => ({
        ...urlencoded(
          Object.fromEntries([
            ...Object.entries(fields),
            ...['__proto__', 'constructor[prototype][x]', 'a[]', 'x\u0000y', 'role'].map((name) => [name, [value]]),
          ]),
        ),
        mutation: 'extra fields',
      })),
    },
    // Hostile files in the file inputs (or in "photos" where the form has none).
    {
      weight: form?.files.length ? 3 : 1,
      arbitrary: fc
        .subarray([...hostileFiles], { minLength: 1 })
        .map((files) => ({ ...asMultipart(fields, files), mutation: `files ${files.map((f) => f.filename).join(', ')}` })),
    },
    // Bodies that are not a form: raw garbage, JSON with objects and arrays for fields, text, too large, empty.
    {
      weight: 2,
      arbitrary: fc.constantFrom('garbage', 'json', 'text', 'none', 'empty', 'too large', 'semicolons').map((kind): Submission => {
        const variants: Record<string, Omit<Submission, 'mutation'>> = {
          garbage: {
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: `_csrf=${encodeURIComponent(csrf)}&%ZZ=%ZZ&&&=&a=%00&%E0%A4%A=1&b=%ED%A0%80`,
          },
          json: {
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({ _csrf: csrf, ...Object.fromEntries(names.map((name, i) => [name, [[1], { a: 1 }, null, 2 ** 31, true][i % 5]])) }),
          },
          text: { headers: { 'content-type': 'text/plain' }, payload: urlencoded(fields).payload },
          none: { headers: {}, payload: urlencoded(fields).payload },
          empty: { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' },
          'too large': {
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: `${urlencoded(fields).payload}&pad=${'x'.repeat(1_100_000)}`,
          },
          semicolons: {
            headers: { 'content-type': 'application/x-www-form-urlencoded; charset=koi8-r' },
            payload: `_csrf=${encodeURIComponent(csrf)};a=b;c=d`,
          },
        };
        const variant = variants[kind] ?? { headers: {}, payload: '' };
        return { ...variant, mutation: `body ${kind}` };
      }),
    },
    // Multipart that cannot be read: no boundary, cut short, garbage.
    {
      weight: 1,
      arbitrary: fc.constantFrom(...brokenMultipart).map((broken) => ({
        headers: { 'content-type': broken.contentType },
        payload: broken.payload,
        mutation: `multipart broken ${broken.contentType.slice(0, 40)}`,
      })),
    },
    // A forged CSRF token.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', 'x', csrf.slice(0, -2), `${csrf}x`)
        .map((token) => ({ ...urlencoded(fields, token), mutation: `csrf ${JSON.stringify(token.slice(0, 10))}` })),
    },
  ];
  return fc.oneof(...families);
}

const totals = { forms: 0, formsFound: 0, requests: 0, failures: 0, refusedBatches: 0, byStatus: new Map<number, number>() };
// A refused registration may rightly leave one trace: a CAPTCHA question answered (right or wrong) is used up.
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
  await waitFor(async () => ((await countsCaughtUp(t.ctx)) ? true : undefined), 30_000, { what: 'the signature counts to catch up' });
  return rowCounts(t.ctx);
}

describe.each(formRoutes)('POST %s', (url) => {
  it('no 5xx, every 4xx an error page or the form with its errors, nothing written when refused', async () => {
    // Administration and moderation are an administrator's (a moderator's) to reach past their gates.
    const records = await fuzzRecords(t.ctx, shared, { admin: url.startsWith('/admin') || (url.startsWith('/moderation') && !url.endsWith('/appeal')) });
    const failures: string[] = [];
    for (const caller of ['signed in', 'anonymous'] as const) {
      const { form, csrf, cookies } = await findForm(url, records, caller === 'signed in' ? records.cookie : '');
      if (caller === 'signed in' && form) totals.formsFound += 1;
      const cases = samples(`${url}/${caller}`, submissions(form, records, csrf), caller === 'signed in' ? runsPerCaller : Math.ceil(runsPerCaller / 2));
      const before = await settledRowCounts();
      const statuses: number[] = [];
      for (const [index, submission] of cases.entries()) {
        address += 1;
        const action = concrete(url, records, index);
        const started = performance.now();
        const response = await t.app.inject({
          method: 'POST',
          url: action,
          headers: { ...submission.headers, cookie: cookies },
          payload: submission.payload,
          remoteAddress: clientAddress(address),
        });
        statuses.push(response.statusCode);
        tally(totals, response.statusCode);
        if (process.env.FUZZ_DEBUG)
          appendFileSync(
            process.env.FUZZ_DEBUG,
            `${Math.round(performance.now() - started)}ms ${response.statusCode} ${caller} ${url} [${submission.mutation}] found=${Boolean(form)}\n`,
          );
        const problem = pageAnswerProblem(response);
        if (problem) failures.push(`${caller} POST ${action.slice(0, 100)} [${submission.mutation}] → ${problem}`);
      }
      if (statuses.every((status) => status >= 400)) {
        totals.refusedBatches += 1;
        const changed = changedTables(before, await settledRowCounts(), mayChangeOnRefusal);
        if (changed.length) failures.push(`${caller}: every post refused, yet rows were written: ${changed.join(', ')}`);
      }
    }
    totals.forms += 1;
    totals.failures += failures.length;
    expect(failures).toEqual([]);
  });
});

describe('the cursors of the listings', () => {
  it('answer every «next» and «previous» cursor, damaged, made up or of another order, below 500 with a translated page', async () => {
    const records = await fuzzRecords(t.ctx, shared);
    const first = await t.app.inject({ method: 'GET', url: '/problems' });
    const real = /href="[^"]*after=([A-Za-z0-9_-]+)"/.exec(first.body)?.[1] ?? encodeCursor({ sort: 'new', createdMicros: 0, id: records.problem.id });
    const cursor = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(real, `${real}x`, real.slice(1), encodeCursor({ sort: 'resonant', recent: 1, signatures: 2, id: 3 })) },
      { weight: 3, arbitrary: hostileText.map((value) => encodeURIComponent(wellFormed(value))) },
      { weight: 1, arbitrary: fc.constantFrom('%00', '%ff', '%', Buffer.from('n.1.2.3').toString('base64url'), 'A'.repeat(5000)) },
    );
    const request = fc.record({
      page: fc.constantFrom('/problems', '/problems/map'),
      which: fc.constantFrom('after', 'before'),
      sort: fc.constantFrom('', '&sort=resonant', '&sort=solved'),
      cursor,
    });
    const failures: string[] = [];
    const statuses = new Set<number>();
    for (const { page, which, sort, cursor: value } of samples('listing cursors', request, runsPerCaller * 3)) {
      const url = `${page}?${which}=${value}${sort}`;
      const response = await t.app.inject({ method: 'GET', url });
      statuses.add(response.statusCode);
      tally(totals, response.statusCode);
      const problem = pageAnswerProblem(response);
      if (problem) failures.push(`GET ${url.slice(0, 120)} → ${problem}`);
    }
    expect(failures).toEqual([]);
    // Both outcomes were met: a real cursor answers, a damaged one is refused.
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 400]));
  });
});

describe('the fuzz itself', () => {
  it('finds the forms of the route table', () => {
    expect(formRoutes).toEqual(expect.arrayContaining(['/login', '/register', '/problems/new', '/problems/:id/comments', '/appeals/:id/signatures']));
    // The ALTCHA field reaches the forms that carry the widget.
    expect([...altchaForms].sort()).toEqual(['/appeals/:id/signatures', '/problems/new', '/register']);
    expect(formRoutes.length).toBeGreaterThan(25);
  });
});

afterAll(() => {
  const statuses = [...totals.byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  console.log(
    `Form fuzz (seed ${process.env.FUZZ_SEED ?? 'default'}): ${totals.forms} forms (${totals.formsFound} found on a page), ${totals.requests} requests, ${totals.failures} failures, ${totals.refusedBatches} refused batches checked for writes; ${statuses.join(' ')}`,
  );
});
