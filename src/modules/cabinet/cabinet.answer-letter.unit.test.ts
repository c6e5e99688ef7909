import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { type AnswerLetterInput, renderAnswerLetter } from './cabinet.answer-letter.ts';

const flat = (value: string) => value.replace(/\s+/g, ' ');
const answer = 'Ремонт моста будет выполнен до 1 июня 2027 года.\n\nПодрядчик определён по итогам аукциона.';

async function input(): Promise<AnswerLetterInput> {
  const logo = await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 180, g: 20, b: 20 } } })
    .png()
    .toBuffer();
  return {
    letterhead: {
      headerLines: ['Администрация Бланкового района', '170100, г. Тверь, ул. Советская, д. 1', 'Тел. (4822) 00-00-00'],
      signaturePosition: 'Глава администрации',
      signatureName: 'Б. Б. Бланкова',
      logoDataUrl: `data:image/png;base64,${logo.toString('base64')}`,
      logoWidth: 200,
      logoHeight: 100,
    },
    outgoingNumber: '01-12/345',
    date: new Date('2026-12-07T12:00:00Z'),
    appealId: 17,
    appealTitle: 'О ремонте моста',
    signatureCount: 52,
    text: answer,
    textSha256: createHash('sha256').update(answer, 'utf8').digest('hex'),
    appealUrl: 'https://democrator.example/appeals/17',
  };
}

describe('the answer letter on the letterhead', () => {
  it('prints the header lines, number and date, the addressee line, the text, the signature block and the hash', async () => {
    const given = await input();
    const pdf = await renderAnswerLetter(given);
    const text = flat((await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true })).text);
    for (const line of given.letterhead.headerLines) expect(text).toContain(line);
    expect(text).toContain('7 декабря 2026 г.');
    expect(text).toContain('№ 01-12/345');
    expect(text).toContain('На коллективное обращение № 17 «О ремонте моста» — подписавшим его (52 человека)');
    expect(text).toContain('Ремонт моста будет выполнен до 1 июня 2027 года.');
    expect(text).toContain('Глава администрации');
    expect(text).toContain('Б. Б. Бланкова');
    expect(text).toContain(given.textSha256);
    expect(text).toContain('https://democrator.example/appeals/17');
  });

  it('sets the Markdown of the answer: lists with their markers, emphasis in the fonts’ faces, a link’s address after its words', async () => {
    const markdown = [
      'Сообщаем о **принятых мерах**:',
      '',
      '- ремонт *начат* 1 декабря;',
      '- подрядчик — ~~ООО «Старый»~~ ООО «Новый».',
      '',
      '1. Первый этап.',
      '2. Второй этап.',
      '',
      '> Цитата из обращения.',
      '',
      'Подробнее — [на сайте администрации](https://tver.example/news/17).',
    ].join('\n');
    const given = { ...(await input()), text: markdown, textSha256: createHash('sha256').update(markdown, 'utf8').digest('hex') };
    const pdf = await renderAnswerLetter(given);
    const document = await getDocumentProxy(new Uint8Array(pdf));
    const text = flat((await extractText(document, { mergePages: true })).text);
    expect(text).toContain('Сообщаем о принятых мерах:');
    expect(text).toContain('ремонт начат 1 декабря;');
    // pdfmake draws a numbered list's markers after its items, so the extracted text has them after the words.
    expect(text).toMatch(/1\. ?Первый этап\.|Первый этап\. ?1\./);
    expect(text).toMatch(/2\. ?Второй этап\.|Второй этап\. ?2\./);
    expect(text).toContain('Цитата из обращения.');
    expect(text).toContain('на сайте администрации (https://tver.example/news/17)');
    expect(text).not.toMatch(/\*\*|~~|^> |\]\(/);
    // The emphasis is set in PT Serif's bold and italic faces, not as asterisks.
    const page = await document.getPage(1);
    await page.getOperatorList();
    const fonts = new Set(
      (await page.getTextContent()).items.flatMap((item) => ('fontName' in item ? [page.commonObjs.get(item.fontName)?.name as string | undefined] : [])),
    );
    expect([...fonts].some((name) => /Bold/.test(name ?? ''))).toBe(true);
    expect([...fonts].some((name) => /Italic/.test(name ?? ''))).toBe(true);
    expect(given.textSha256).toHaveLength(64);
    expect(text).toContain(given.textSha256);
  });

  it('refuses a hash of another text', async () => {
    await expect(renderAnswerLetter({ ...(await input()), textSha256: '0'.repeat(64) })).rejects.toThrow(/SHA-256/);
  });
});
