/** The appeal letter read back the way its recipient reads it: the text pdf.js extracts, page by page. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pdfmake from 'pdfmake';
import { extractText, getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { closePdfPool, configurePdfThreads, renderPdfOffThread } from '../../core/pdf/pdf-pool.ts';
import {
  type AppealPdfInput,
  type AppealSignatory,
  appealLetter,
  formatLetterDate,
  peopleCount,
  renderAppealLetter,
  renderAppealPdf,
} from './appeals.letter.ts';

const run = promisify(execFile);

type PDFDocumentProxy = Awaited<ReturnType<typeof getDocumentProxy>>;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Whitespace as a reader sees it: line breaks and runs of spaces (and no-break spaces) are one space. */
const flat = (text: string) => text.replace(/\s+/g, ' ').trim();
/** For words so long that they had to be broken across lines. */
const squash = (text: string) => text.replace(/\s+/g, '');

const LONG_URL = 'https://democrator.example.ru/problems/12345/фотографии-детской-площадки-и-переписка-с-управляющей-компанией';
const LONG_WORD = 'Сверхдлинноесловобезединогопробелакотороеникакневлезаетводнустрокуэтогописьмаиегоприходитсяразрывать';

const paragraphs = [
  'Мы, жители дома № 5 по улице Лесной, обращаемся к вам в связи с тем, что уже третий год во дворе нашего дома не ремонтируется детская площадка. Качели сломаны, песочница разрушена, а ограждение — «временное» — стоит с 2023 года.',
  'Ёлки, высаженные в 2019 году, засохли; ещё весной мы писали об этом в управляющую компанию, но ответа не получили. ЁЛКИ, ЁЖИКИ и прочее — всё это «наше».',
  'Просим провести обследование площадки → составить акт и включить её ремонт в план благоустройства на 2027 год.',
];
const TEXT = `${paragraphs.join('\n\n')}\n\nФотографии: ${LONG_URL}\n\n${LONG_WORD} и обычные слова после него.`;

const surnames = ['Иванов', 'Петров', 'Сидоров', 'Ёлкин', 'Кузнецов', 'Смирнов', 'Фёдоров', 'Щукин', 'Попов', 'Васильев'];
const names = ['Иван', 'Пётр', 'Алексей', 'Семён', 'Артём'];
const patronymics = ['Иванович', 'Петрович', 'Сергеевич', 'Фёдорович', 'Ильич'];

function signatories(count: number): AppealSignatory[] {
  return Array.from({ length: count }, (_, i) => ({
    fullName: `${surnames[i % 10]}-${i + 1} ${names[Math.floor(i / 10) % 5]} ${patronymics[Math.floor(i / 50) % 5]}`,
    postalAddress: `${101000 + i}, г. Москва, ул. Лесная, д. ${(i % 40) + 1}, кв. ${i + 1}`,
    // An hour apart, from 1 November 2026, 12:00 UTC (15:00 in Moscow).
    signedAt: new Date(Date.UTC(2026, 10, 1, 12) + i * 3_600_000),
  }));
}

function appeal(count: number, overrides: Partial<AppealPdfInput> = {}): AppealPdfInput & { signatories: AppealSignatory[] } {
  const text = overrides.text ?? TEXT;
  return {
    appealId: 17,
    addressee: { name: 'Главе управы района Сокольники города Москвы', postalAddress: 'ул. Стромынка, д. 1, Москва, 107014', email: 'sokolniki@mos.ru' },
    // 27 November 2026, 00:30 in Moscow: still 26 November in UTC.
    date: new Date('2026-11-26T21:30:00Z'),
    title: 'О ремонте детской площадки во дворе дома № 5 по ул. Лесной',
    text,
    revisionNumber: 3,
    textSha256: sha256(text),
    problemUrl: 'https://democrator.example.ru/problems/12345',
    appealUrl: 'https://democrator.example.ru/appeals/17',
    signatories: signatories(count),
    ...overrides,
  };
}

async function read(pdf: Buffer): Promise<{ document: PDFDocumentProxy; pages: string[] }> {
  const document = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(document, { mergePages: false });
  return { document, pages: text };
}

/** Positions of `needle` in `haystack`, one after another; -1 once one is missing. */
function inOrder(haystack: string, needles: string[]): number[] {
  let from = 0;
  return needles.map((needle) => {
    const at = haystack.indexOf(needle, from);
    if (at >= 0) from = at + needle.length;
    return at;
  });
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;
const dateInMoscow = (date: Date) =>
  new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow', day: '2-digit', month: '2-digit', year: 'numeric' }).format(date);

describe('renderAppealPdf with 50 signatories', () => {
  const input = appeal(50);
  let pdf: Buffer;
  let document: PDFDocumentProxy;
  let pages: string[];
  let first: string;
  let annex: string;

  beforeAll(async () => {
    pdf = await renderAppealPdf(input);
    ({ document, pages } = await read(pdf));
    first = flat(pages[0]!);
    annex = flat(pages.slice(1).join('\n'));
  }, 60_000);

  it('is a PDF of a few pages', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(document.numPages).toBe(pages.length);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.length).toBeLessThanOrEqual(5);
  });

  it('starts like a letter: addressee, date and number, heading and subject', () => {
    expect(
      inOrder(first, ['27 ноября 2026 г.', '№ 17', 'Главе управы района Сокольники города Москвы', 'ул. Стромынка, д. 1, Москва, 107014', 'sokolniki@mos.ru']),
    ).not.toContain(-1);
    expect(
      inOrder(first, ['sokolniki@mos.ru', 'Коллективное обращение', 'О ремонте детской площадки во дворе дома № 5 по ул. Лесной', paragraphs[0]!]),
    ).not.toContain(-1);
  });

  it('carries the whole text, paragraph by paragraph, with «», —, №, ё, Ё and → intact', () => {
    expect(inOrder(first, paragraphs)).not.toContain(-1);
    expect(first).toContain('— «временное» —');
    expect(first).toContain('ЁЛКИ, ЁЖИКИ');
    expect(first).toContain('площадки → составить');
  });

  it('breaks a long URL and a long word across lines without losing a character', () => {
    expect(squash(pages[0]!)).toContain(squash(`Фотографии: ${LONG_URL}`));
    expect(squash(pages[0]!)).toContain(squash(`${LONG_WORD} и обычные слова после него.`));
  });

  it('closes with the 59-ФЗ paragraph, where to answer, the problem link and the annex line', () => {
    expect(first).toContain('Федерального закона от 02.05.2006 № 59-ФЗ «О порядке рассмотрения обращений граждан Российской Федерации»');
    expect(first).toContain('каждому из подписавших по почтовому адресу, указанному в прилагаемом списке, либо через платформу Democrator');
    expect(first).toContain('Описание проблемы: https://democrator.example.ru/problems/12345');
    expect(first).toContain('Приложение: список подписавших — 50 человек');
    expect(inOrder(first, [LONG_WORD.slice(0, 20), '59-ФЗ', 'Приложение: список подписавших'])).not.toContain(-1);
  });

  it('numbers every page and prints the revision, the hash and where to check it in every footer', () => {
    pages.forEach((page, index) => {
      const text = flat(page);
      expect(text).toContain(`Обращение № 17, редакция 3. SHA-256 текста: ${input.textSha256}.`);
      expect(text).toContain('Проверка: https://democrator.example.ru/appeals/17');
      expect(text).toContain(`стр. ${index + 1} из ${pages.length}`);
    });
    expect(first).toContain(`стр. 1 из ${pages.length}`);
  });

  it('lists all 50 signatories in signing order, numbered, with their addresses and Moscow dates', () => {
    expect(annex).toContain('Приложение к коллективному обращению от 27 ноября 2026 г. № 17');
    expect(annex).toContain('Список граждан, подписавших коллективное обращение');
    const rows = input.signatories.map((s, i) => `${i + 1} ${s.fullName} ${s.postalAddress} ${dateInMoscow(s.signedAt)}`);
    expect(inOrder(annex, rows)).not.toContain(-1);
    // The 9th signature, 20:00 UTC, is at 23:00 in Moscow; the 10th, 21:00 UTC, is already the next day there.
    expect(annex).toContain(`9 ${input.signatories[8]!.fullName} ${input.signatories[8]!.postalAddress} 01.11.2026`);
    expect(annex).toContain(`10 ${input.signatories[9]!.fullName} ${input.signatories[9]!.postalAddress} 02.11.2026`);
    expect(first).not.toContain(input.signatories[0]!.fullName);
  });

  it('repeats the table header on every page of the list', () => {
    for (const page of pages.slice(1)) {
      expect(flat(page)).toMatch(/^Приложение|^№ Фамилия, имя, отчество Почтовый адрес Дата подписи/);
      expect(occurrences(flat(page), 'Фамилия, имя, отчество Почтовый адрес Дата подписи')).toBe(1);
    }
  });

  it('embeds its TrueType fonts instead of relying on the standard 14', async () => {
    const page = await document.getPage(1);
    await page.getOperatorList();
    const content = await page.getTextContent();
    const fonts = Object.keys(content.styles).map((id) => page.commonObjs.get(id) as { name: string; missingFile: boolean });
    expect(fonts.map((f) => f.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^[A-Z]{6}\+PTSerif-Regular$/), expect.stringMatching(/\+PTSerif-Bold$/)]),
    );
    // «→» is not in PT Serif: it comes from DejaVu Serif rather than being dropped.
    expect(fonts.map((f) => f.name)).toContainEqual(expect.stringMatching(/\+DejaVuSerif$/));
    for (const font of fonts) {
      expect(font.missingFile).toBe(false);
      expect(font.name).not.toMatch(/Helvetica|Times|Courier|Symbol|Dingbats/);
    }
  });

  it('is the same file every time for the same appeal', async () => {
    expect((await renderAppealPdf(input)).equals(pdf)).toBe(true);
  });

  // A worker thread starts and loads pdfmake and the fonts first: seconds on a loaded machine.
  it('is the same file when a worker thread of the PDF pool renders it', async () => {
    configurePdfThreads(1);
    try {
      expect((await renderPdfOffThread(appealLetter, input)).equals(pdf)).toBe(true);
      // The worker finds a document kind by its module and export name; a wrong name is a clear error, not a blank page.
      await expect(renderPdfOffThread({ ...appealLetter, exportName: 'noSuchDocument' }, input)).rejects.toThrow(
        /exports no PDF document named noSuchDocument/,
      );
    } finally {
      await closePdfPool();
    }
  }, 60_000);
});

describe('renderAppealPdf with no signatories yet', () => {
  const input = appeal(0, { addressee: { name: 'Администрация городского округа Химки', postalAddress: null, email: 'admin@himki.example.ru' } });

  it('is a one-page letter without an annex, answered through the platform', async () => {
    const { pages } = await read(await renderAppealPdf(input));
    const text = flat(pages.join('\n'));
    expect(pages).toHaveLength(1);
    expect(
      inOrder(text, ['27 ноября 2026 г.', '№ 17', 'Администрация городского округа Химки', 'admin@himki.example.ru', 'Коллективное обращение']),
    ).not.toContain(-1);
    expect(inOrder(text, paragraphs)).not.toContain(-1);
    expect(text).toContain('№ 59-ФЗ');
    expect(text).toContain('Ответ на обращение просим направить через платформу Democrator');
    expect(text).not.toContain('Приложение');
    expect(text).not.toContain('Фамилия, имя, отчество');
    expect(text).toContain(`SHA-256 текста: ${input.textSha256}.`);
    expect(text).toContain('стр. 1 из 1');
  });
});

describe('renderAppealPdf with 1,000 signatories', () => {
  const input = appeal(1000, { text: 'Короткий текст.' });
  let pages: string[];
  let annexPages: string[];

  beforeAll(async () => {
    const pdf = await renderAppealPdf(input);
    ({ pages } = await read(pdf));
    annexPages = pages.slice(1).map(flat);
  }, 120_000);

  it('lists the first and the last signatory, with the header on every page', () => {
    const count = pages.length;
    expect(count).toBeGreaterThan(20);
    expect(flat(pages[0]!)).toContain('Приложение: список подписавших — 1000 человек');
    expect(flat(pages[0]!)).toContain(`стр. 1 из ${count}`);
    const [firstSignatory, lastSignatory] = [input.signatories[0]!, input.signatories[999]!];
    expect(annexPages[0]).toContain(`№ Фамилия, имя, отчество Почтовый адрес Дата подписи 1 ${firstSignatory.fullName} ${firstSignatory.postalAddress}`);
    expect(annexPages.at(-1)).toContain(`1000 ${lastSignatory.fullName} ${lastSignatory.postalAddress} ${dateInMoscow(lastSignatory.signedAt)}`);
    expect(annexPages.at(-1)).toContain(`стр. ${count} из ${count}`);
    annexPages.forEach((page) => {
      expect(occurrences(page, 'Фамилия, имя, отчество Почтовый адрес Дата подписи')).toBe(1);
    });
    // Nobody is lost or listed twice.
    const numbers = annexPages.flatMap((page) => [...page.matchAll(/(?:^|\s)(\d{1,4}) [А-ЯЁ][а-яё]+-\d+ /g)].map((m) => Number(m[1])));
    expect(numbers).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });
});

describe('the letter of 2,500 signatories read in batches of 250', () => {
  // The signatories are made batch by batch as the letter asks for them (twice: to count its pages, then to set them),
  // as the dispatch reads them from the database (in batches of 1,000; smaller here, so that ten batches make a
  // letter the unit suite renders in a second or two); pdftotext (poppler) reads the result back.
  // bench/letter.bench.ts renders 10,000 and 100,000.
  it('lists every signatory once, in signing order, with the header on every page', async () => {
    const count = 2_500;
    const batch = 250;
    const input = appeal(0, { text: 'Короткий текст.', textSha256: sha256('Короткий текст.') });
    const asked: number[] = [];
    const rows = {
      async *batches() {
        asked.push(0);
        for (let at = 0; at < count; at += batch) {
          asked[asked.length - 1]! += 1;
          yield signatories(Math.min(count, at + batch)).slice(at);
        }
      },
    };
    const pdf = await renderAppealLetter({ ...input, signatories: undefined, signatoryCount: count }, rows);
    expect(asked).toEqual([10, 10]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'letter-'));
    try {
      writeFileSync(path.join(dir, 'letter.pdf'), pdf);
      const { stdout } = await run('pdftotext', ['-raw', path.join(dir, 'letter.pdf'), '-'], { maxBuffer: 1 << 28 });
      const pages = stdout.split('\f').slice(0, -1).map(flat);
      expect(pages[0]).toContain('Приложение: список подписавших — 2500 человек');
      const text = ` ${pages.slice(1).join(' ')} `;
      const all = signatories(count);
      let from = 0;
      const misplaced = all.flatMap((s, index) => {
        const row = ` ${index + 1} ${s.fullName} ${s.postalAddress} ${dateInMoscow(s.signedAt)} `;
        const at = text.indexOf(row, from);
        if (at < 0) return [index + 1];
        from = at + row.length - 1;
        return [];
      });
      expect(misplaced).toEqual([]);
      pages.slice(1).forEach((page, index) => {
        expect(occurrences(page, 'Фамилия, имя, отчество Почтовый адрес Дата подписи')).toBe(1);
        expect(page).toContain(`стр. ${index + 2} из ${pages.length}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('renderAppealPdf with unbreakable words everywhere', () => {
  it('keeps every piece of text inside the margins and the footer on every page', async () => {
    const appealUrl = `https://democrator.example.ru/appeals/17?check=${'a'.repeat(400)}`;
    const input = appeal(3, { appealUrl });
    input.signatories[0]!.fullName = `${'Ф'.repeat(80)} Иван Иванович`;
    input.signatories[1]!.postalAddress = `Москва, ${'Адрес'.repeat(30)}`;
    const { document, pages } = await read(await renderAppealPdf(input));
    const [pageWidth, rightMargin, leftMargin] = [595.28, (20 * 72) / 25.4, (30 * 72) / 25.4];
    for (let number = 1; number <= document.numPages; number++) {
      const page = await document.getPage(number);
      for (const item of (await page.getTextContent()).items) {
        if (!('str' in item) || item.str.trim() === '') continue;
        expect({ text: item.str, x: item.transform[4] }).toEqual({ text: item.str, x: expect.toSatisfy((x: number) => x >= leftMargin - 1) });
        expect({ text: item.str, right: item.transform[4] + item.width }).toEqual({
          text: item.str,
          right: expect.toSatisfy((right: number) => right <= pageWidth - rightMargin + 1),
        });
      }
      const text = squash(pages[number - 1]!);
      expect(text).toContain(squash(`SHA-256 текста: ${input.textSha256}. Проверка: ${appealUrl}`));
      expect(text).toContain(squash(`стр. ${number} из ${document.numPages}`));
    }
    expect(squash(pages.slice(1).join(''))).toContain(squash(`1 ${input.signatories[0]!.fullName} ${input.signatories[0]!.postalAddress}`));
    expect(squash(pages.slice(1).join(''))).toContain(squash(`2 ${input.signatories[1]!.fullName} ${input.signatories[1]!.postalAddress}`));
  });
});

describe('the shared pdfmake instance', () => {
  it('renders without pdfmake warnings about access policies', async () => {
    const warn = vi.spyOn(console, 'warn');
    await renderAppealPdf(appeal(2));
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('registers its fonts again if another module replaced pdfmake fonts', async () => {
    await renderAppealPdf(appeal(1));
    pdfmake.setFonts({});
    const { pages } = await read(await renderAppealPdf(appeal(1)));
    expect(flat(pages[0]!)).toContain('Коллективное обращение');
  });
});

describe('input checks and wording', () => {
  it('refuses a hash that is not the hash of the text', async () => {
    await expect(renderAppealPdf(appeal(1, { textSha256: sha256('другой текст') }))).rejects.toThrow(/not the SHA-256/);
  });

  it('accepts the hash in upper case', async () => {
    const pdf = await renderAppealPdf(appeal(1, { textSha256: sha256(TEXT).toUpperCase() }));
    expect(flat((await read(pdf)).pages[0]!)).toContain('Приложение: список подписавших — 1 человек');
  });

  it.each([
    [0, '0 человек'],
    [1, '1 человек'],
    [2, '2 человека'],
    [4, '4 человека'],
    [5, '5 человек'],
    [11, '11 человек'],
    [12, '12 человек'],
    [21, '21 человек'],
    [22, '22 человека'],
    [104, '104 человека'],
    [1000, '1000 человек'],
  ])('%i → %s', (count, expected) => {
    expect(peopleCount(count)).toBe(expected);
  });

  it('dates the letter in Moscow time', () => {
    expect(formatLetterDate(new Date('2026-11-26T21:30:00Z'))).toBe('27 ноября 2026 г.');
    expect(formatLetterDate(new Date('2026-01-05T12:00:00Z'))).toBe('5 января 2026 г.');
  });
});

describe('the letter of an escalated appeal', () => {
  it('names each earlier appeal of the chain after the text: where it went, its answer and the citizens’ verdict, or that none came', async () => {
    const input = appeal(3, {
      chain: [
        {
          appealId: 9,
          organization: 'Управа района Сокольники',
          sentAt: new Date('2026-09-01T09:00:00Z'),
          answeredAt: new Date('2026-09-25T09:00:00Z'),
          outcome: 'unresolved',
          closed: true,
          url: 'https://democrator.example.ru/appeals/9',
        },
        {
          appealId: 12,
          organization: 'Префектура ВАО',
          sentAt: new Date('2026-10-10T09:00:00Z'),
          answeredAt: null,
          outcome: 'unanswered',
          closed: true,
          url: 'https://democrator.example.ru/appeals/12',
        },
      ],
    });
    const { pages } = await read(await renderAppealPdf(input));
    const first = flat(pages.join(' '));
    expect(
      inOrder(first, [
        'в план благоустройства на 2027 год',
        'Ранее по этой проблеме обращение № 9 от 1 сентября 2026 г. было направлено адресату: Управа района Сокольники.',
        'Ответ получен 25 сентября 2026 г.; по итогам оценки ответа подписавшими проблема не решена.',
        'Ранее по этой проблеме обращение № 12 от 10 октября 2026 г. было направлено адресату: Префектура ВАО.',
        'Ответ не получен и после истечения установленного срока.',
        'Обращение является коллективным',
      ]),
    ).not.toContain(-1);
  });
});
