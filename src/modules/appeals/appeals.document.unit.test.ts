import { describe, expect, it } from 'vitest';
import { documentToHtml, documentToMarkdown, documentToText, markdownToDocument, sanitizeDocument, textToDocument } from './appeals.document.ts';

describe('the rich text of an appeal', () => {
  it('keeps the toolbar’s formats and gives the letter their plain text', () => {
    const doc = markdownToDocument('## Суть\n\nПросим **срочно** и *письменно*.\n\n- одно\n- другое\n\n1. раз\n2. два\n\n> цитата');
    expect(documentToHtml(doc)).toBe(
      '<h2>Суть</h2><p>Просим <strong>срочно</strong> и <em>письменно</em>.</p><ul><li><p>одно</p></li><li><p>другое</p></li></ul><ol><li><p>раз</p></li><li><p>два</p></li></ol><blockquote><p>цитата</p></blockquote>',
    );
    expect(documentToText(doc)).toBe('Суть\n\nПросим срочно и письменно.\n\n— одно\n— другое\n\n1. раз\n2. два\n\nцитата');
    expect(markdownToDocument(documentToMarkdown(doc))).toEqual(doc);
  });

  it('leaves no script, event handler, javascript: or data: link in what it renders', () => {
    const html = documentToHtml(
      markdownToDocument(
        'Текст [a](javascript:alert(1)) [b](data:text/html,x) [c](JaVaScRiPt:alert(1)) [d](https://example.org) <img src=x onerror=alert(1)> <script>alert(1)</script>',
      ),
    );
    expect(html.match(/<[^>]+>/g)).toEqual(['<p>', '<a rel="nofollow ugc noopener" href="https://example.org/">', '</a>', '</p>']);
  });

  it('drops unknown nodes, attributes and marks from a document the editor sends', () => {
    const doc = sanitizeDocument({
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          attrs: { onclick: 'x' },
          content: [{ type: 'text', text: 'a', marks: [{ type: 'link', attrs: { href: 'vbscript:x' } }, { type: 'code' }] }],
        },
        { type: 'image', attrs: { src: 'x' } },
        { type: 'heading', attrs: { level: 1, style: 'x' }, content: [{ type: 'text', text: 'b' }] },
      ],
    });
    expect(doc).toEqual({
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'a' }] },
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'b' }] },
      ],
    });
  });

  it('takes a thousand nested quotes, and Markdown the parser would choke on, without running out of stack or time', () => {
    let deep: Record<string, unknown> = { type: 'paragraph', content: [{ type: 'text', text: 'глубоко' }] };
    for (let i = 0; i < 1500; i++) deep = { type: 'blockquote', content: [deep] };
    expect(sanitizeDocument({ type: 'doc', content: [deep, { type: 'paragraph', content: [{ type: 'text', text: 'рядом' }] }] })).not.toBeNull();
    expect(documentToText(markdownToDocument(`${'>'.repeat(1000)} x`))).toContain('x');
    expect(documentToText(markdownToDocument('*а'.repeat(30_000)))).toHaveLength(60_000);
  });

  it('takes unclosed links and code spans by the thousand (an amendment anyone may send) in milliseconds, not seconds', () => {
    for (const bomb of ['[a]('.repeat(12_000), '`a'.repeat(24_000), '[a]('.repeat(6_000) + '`a'.repeat(12_000), '!['.repeat(24_000), '~~a'.repeat(16_000)]) {
      const started = performance.now();
      const text = documentToText(markdownToDocument(bomb));
      expect(performance.now() - started).toBeLessThan(400);
      expect(text.length).toBeGreaterThan(40_000);
    }
  });

  it('reads a revision written as plain text as paragraphs and line breaks', () => {
    expect(documentToText(textToDocument('Строка один\nстрока два\n\nАбзац'))).toBe('Строка один\nстрока два\n\nАбзац');
  });
});
