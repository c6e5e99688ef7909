import { describe, expect, it } from 'vitest';
import { commentLinkRel, markdownToPlainText, renderMarkdown } from './markdown.ts';

const allowedTags = new Set(['p', 'br', 'em', 'strong', 's', 'ul', 'ol', 'li', 'blockquote', 'code', 'pre', 'a']);
const allowedAttributes: Record<string, string[]> = { a: ['href', 'rel'], ol: ['start'] };

/** Every tag and attribute in the output, checked against the allow-list; every href against the schemes. */
function expectOnlyAllowedMarkup(html: string): void {
  for (const [, closing, name, rest] of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    const tag = name!.toLowerCase();
    expect(allowedTags, `tag <${tag}> in ${html}`).toContain(tag);
    if (closing) continue;
    for (const [, attribute, value] of rest!.matchAll(/([^\s=/]+)(?:="([^"]*)")?/g)) {
      expect(allowedAttributes[tag] ?? [], `attribute ${attribute} on <${tag}> in ${html}`).toContain(attribute);
      if (attribute === 'href') expect(value).toMatch(/^(https?:\/\/|mailto:)/i);
      if (attribute === 'rel') expect(value).toBe(commentLinkRel);
    }
  }
}

describe('renderMarkdown: XSS', () => {
  it.each([
    ['script tag', '<script>alert(1)</script>'],
    ['script tag split over lines', '<script>\nalert(1)\n</script>'],
    ['img onerror', '<img src=x onerror=alert(1)>'],
    ['img onerror inside text', 'смотрите <img src="x" onerror="alert(document.cookie)"> тут'],
    ['raw a href', '<a href="javascript:alert(1)">нажми</a>'],
    ['raw a href http', '<a href="https://evil.example" target="_blank">нажми</a>'],
    ['iframe and style', '<style>body{display:none}</style><iframe src="https://evil.example"></iframe>'],
    ['svg onload', '<svg onload=alert(1)>'],
    ['javascript link', '[x](javascript:alert(1))'],
    ['mixed-case javascript link', '[x](JaVaScRiPt:alert(1))'],
    ['javascript link after a space', '[x]( javascript:alert(1))'],
    ['javascript link in angle brackets', '[x](<javascript:alert(1)>)'],
    ['decimal entity in scheme', '[x](&#106;avascript:alert(1))'],
    ['hex entity in scheme', '[x](&#x6A;avascript:alert(1))'],
    ['named entity colon', '[x](javascript&colon;alert(1))'],
    ['tab inside the scheme', '[x](java\tscript:alert(1))'],
    ['data link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['data image link', '[x](data:image/png;base64,iVBORw0KGgo=)'],
    ['vbscript link', '[x](vbscript:msgbox(1))'],
    ['javascript autolink', '<javascript:alert(1)>'],
    ['javascript reference definition', '[x]: javascript:alert(1)\n\n[x]'],
    ['attribute breakout in href', '[x](https://democrator.ru" onmouseover="alert(1))'],
    ['attribute breakout in title', '[x](https://democrator.ru "a\\" onmouseover=\\"alert(1)")'],
    ['image', '![x](https://democrator.ru/x.png)'],
    ['image with javascript', '![x](javascript:alert(1))'],
    ['entity-encoded tags', '&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;'],
    ['html in code', '`<script>alert(1)</script>`\n\n```\n<img src=x onerror=alert(1)>\n```'],
  ])('%s', (_name, source) => {
    const html = renderMarkdown(source);
    expectOnlyAllowedMarkup(html);
    expect(html).not.toMatch(/<script|<img|<iframe|<svg|<style/i);
    // Only real tags matter: escaped source text may well contain "onerror=" or "href=".
    expect(html).not.toMatch(/<a\s[^>]*href="(?!https?:\/\/|mailto:)/i);
  });

  it('escapes raw HTML instead of interpreting it', () => {
    expect(renderMarkdown('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(renderMarkdown('<b>жирный</b>')).toBe('<p>&lt;b&gt;жирный&lt;/b&gt;</p>');
    expect(renderMarkdown('<a href="javascript:alert(1)">нажми</a>')).toBe('<p>&lt;a href="javascript:alert(1)"&gt;нажми&lt;/a&gt;</p>');
  });

  it('leaves a rejected link as its literal text', () => {
    expect(renderMarkdown('[x](JaVaScRiPt:alert(1))')).toBe('<p>[x](JaVaScRiPt:alert(1))</p>');
    expect(renderMarkdown('[x](&#106;avascript:alert(1))')).toBe('<p>[x](javascript:alert(1))</p>');
  });

  it('accepts only http, https and mailto targets', () => {
    expect(renderMarkdown('[x](ftp://democrator.ru)')).toBe('<p>[x](ftp://democrator.ru)</p>');
    expect(renderMarkdown('[x](//evil.example)')).toBe('<p>[x](//evil.example)</p>');
    expect(renderMarkdown('[x](/problems/1)')).toBe('<p>[x](/problems/1)</p>');
    expect(renderMarkdown('[x]()')).toBe('<p>x</p>');
    expect(renderMarkdown('[почта](mailto:info@democrator.ru)')).toBe(`<p><a href="mailto:info@democrator.ru" rel="${commentLinkRel}">почта</a></p>`);
    expect(renderMarkdown('[x](HTTP://DEMOCRATOR.RU)')).toContain('href="HTTP://DEMOCRATOR.RU"');
  });

  it('renders no image, only a link to it', () => {
    expect(renderMarkdown('![схема](https://democrator.ru/x.png)')).toBe(`<p>!<a href="https://democrator.ru/x.png" rel="${commentLinkRel}">схема</a></p>`);
  });
});

describe('renderMarkdown: links', () => {
  it('linkifies a bare URL with rel and without target', () => {
    expect(renderMarkdown('См. https://democrator.ru/problems/1')).toBe(
      '<p>См. <a href="https://democrator.ru/problems/1" rel="nofollow ugc noopener noreferrer">https://democrator.ru/problems/1</a></p>',
    );
  });

  it('keeps trailing punctuation out of a linkified URL', () => {
    expect(renderMarkdown('Подробнее: https://democrator.ru/problems/1.')).toBe(
      `<p>Подробнее: <a href="https://democrator.ru/problems/1" rel="${commentLinkRel}">https://democrator.ru/problems/1</a>.</p>`,
    );
  });

  it('linkifies e-mail addresses as mailto', () => {
    expect(renderMarkdown('пишите на info@democrator.ru')).toBe(
      `<p>пишите на <a href="mailto:info@democrator.ru" rel="${commentLinkRel}">info@democrator.ru</a></p>`,
    );
  });

  it('encodes Cyrillic domains and paths in href, shows them readable', () => {
    const html = renderMarkdown('https://демократор.рф/проблемы/1');
    expect(html).toContain('href="https://xn--80ahdujmcocs.xn--p1ai/%D0%BF%D1%80%D0%BE%D0%B1%D0%BB%D0%B5%D0%BC%D1%8B/1"');
    expect(html).toContain('>https://демократор.рф/проблемы/1</a>');
  });

  it('sets rel on every link, drops titles, never adds target', () => {
    const html = renderMarkdown('[a](https://democrator.ru "заголовок") <https://democrator.ru/b> [c][ref]\n\n[ref]: http://democrator.ru/c');
    expect(html.match(/<a /g)).toHaveLength(3);
    expect(html.match(/rel="nofollow ugc noopener noreferrer"/g)).toHaveLength(3);
    expect(html).not.toContain('title=');
    expect(html).not.toContain('target=');
    expectOnlyAllowedMarkup(html);
  });

  it('encodes quotes in a URL', () => {
    expect(renderMarkdown('[x](https://democrator.ru/?q="a")')).toContain('href="https://democrator.ru/?q=%22a%22"');
  });
});

describe('renderMarkdown: the subset', () => {
  it.each([['# Заголовок'], ['## Заголовок'], ['###### Заголовок'], ['Заголовок\n========='], ['Заголовок\n---------']])(
    'neutralises the heading %j into a strong paragraph',
    (source) => {
      expect(renderMarkdown(source)).toBe('<p><strong>Заголовок</strong></p>');
    },
  );

  it('keeps inline markup inside a neutralised heading', () => {
    expect(renderMarkdown('# Дорога *на* [Ленина](https://democrator.ru/problems/1)')).toBe(
      `<p><strong>Дорога <em>на</em> <a href="https://democrator.ru/problems/1" rel="${commentLinkRel}">Ленина</a></strong></p>`,
    );
  });

  it('renders emphasis, strong, strike and line breaks', () => {
    expect(renderMarkdown('**Важно:** *срочно* ~~не~~ нужно\nвторая строка')).toBe(
      '<p><strong>Важно:</strong> <em>срочно</em> <s>не</s> нужно<br />\nвторая строка</p>',
    );
  });

  it('renders paragraphs', () => {
    expect(renderMarkdown('Первый абзац.\n\nВторой абзац.')).toBe('<p>Первый абзац.</p>\n<p>Второй абзац.</p>');
  });

  it('renders bullet lists, nested lists and numbered lists with their start', () => {
    expect(renderMarkdown('- ямы\n- лужи\n  - глубокие\n\n3. третий\n4. четвёртый')).toBe(
      '<ul>\n<li>ямы</li>\n<li>лужи\n<ul>\n<li>глубокие</li>\n</ul>\n</li>\n</ul>\n<ol start="3">\n<li>третий</li>\n<li>четвёртый</li>\n</ol>',
    );
    expect(renderMarkdown('1) раз\n2) два')).toBe('<ol>\n<li>раз</li>\n<li>два</li>\n</ol>');
  });

  it('renders blockquotes', () => {
    expect(renderMarkdown('> Ответ администрации:\n> «работы запланированы»')).toBe(
      '<blockquote>\n<p>Ответ администрации:<br />\n«работы запланированы»</p>\n</blockquote>',
    );
  });

  it('renders inline code and code blocks without a language class', () => {
    expect(renderMarkdown('Код `ОКТМО 45000000`')).toBe('<p>Код <code>ОКТМО 45000000</code></p>');
    expect(renderMarkdown('```html\n<b>x</b>\n```')).toBe('<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>');
    expect(renderMarkdown('    отступ')).toBe('<pre><code>отступ\n</code></pre>');
  });

  it('does not render tables or horizontal rules', () => {
    expect(renderMarkdown('a | b\n--|--\n1 | 2')).not.toMatch(/<table|<td|<th/);
    expect(renderMarkdown('выше\n\n---\n\nниже')).not.toContain('<hr');
  });

  it('keeps Cyrillic text and typography as typed', () => {
    expect(renderMarkdown('Ёлки — в «сквере» на ул. Щорса, д. 5')).toBe('<p>Ёлки — в «сквере» на ул. Щорса, д. 5</p>');
  });

  it('returns an empty string for empty input', () => {
    expect(renderMarkdown('')).toBe('');
    expect(renderMarkdown('   \n\n ')).toBe('');
  });

  it('stays fast on hostile 10,000-character inputs', () => {
    const n = 10_000;
    const inputs = [
      '['.repeat(n),
      '[a]('.repeat(n / 4),
      '[a](http://a.ru '.repeat(n / 16),
      '*a'.repeat(n / 2),
      '**'.repeat(n / 2),
      '_a'.repeat(n / 2),
      '~~a'.repeat(n / 3),
      '`a'.repeat(n / 2),
      '<'.repeat(n),
      '&#'.repeat(n / 2),
      '> '.repeat(n / 2),
      '- '.repeat(n / 2),
      '*_[`<'.repeat(n / 5),
      `a${' '.repeat(n)}b`,
      'http://a.ru/'.repeat(n / 12),
      'a@'.repeat(n / 2),
      'a\n'.repeat(n / 2),
    ];
    const started = performance.now();
    for (const input of inputs) {
      renderMarkdown(input);
      markdownToPlainText(input);
    }
    // Linear work is a few hundred milliseconds for all of them; a quadratic path would take far longer.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('markdownToPlainText', () => {
  it('drops inline markup and decodes entities', () => {
    expect(markdownToPlainText('**Важно:** *срочно* ~~не~~ `код` &lt;тег&gt; &amp;')).toBe('Важно: срочно не код <тег> &');
  });

  it('keeps raw HTML as the literal text it was', () => {
    expect(markdownToPlainText('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  });

  it('writes links as text (url), bare URLs as they are', () => {
    expect(markdownToPlainText('[проблема](https://democrator.ru/problems/1) и https://democrator.ru/problems/2')).toBe(
      'проблема (https://democrator.ru/problems/1) и https://democrator.ru/problems/2',
    );
    expect(markdownToPlainText('[https://democrator.ru](https://democrator.ru)')).toBe('https://democrator.ru');
    expect(markdownToPlainText('пишите на info@democrator.ru')).toBe('пишите на info@democrator.ru');
  });

  it('keeps a rejected link as literal text', () => {
    expect(markdownToPlainText('[x](javascript:alert(1))')).toBe('[x](javascript:alert(1))');
  });

  it('separates paragraphs by a blank line and keeps line breaks', () => {
    expect(markdownToPlainText('# Заголовок\n\nстрока один\nстрока два\n\n\n\nабзац')).toBe('Заголовок\n\nстрока один\nстрока два\n\nабзац');
  });

  it('writes list markers and indents nested lists', () => {
    expect(markdownToPlainText('- ямы\n- лужи\n  - глубокие\n\n3. третий\n4. четвёртый')).toBe('- ямы\n- лужи\n  - глубокие\n\n3. третий\n4. четвёртый');
  });

  it('indents continuation lines of a list item', () => {
    expect(markdownToPlainText('10. первая строка\n    вторая строка')).toBe('10. первая строка\n    вторая строка');
  });

  it('prefixes quotes', () => {
    expect(markdownToPlainText('> Ответ:\n> «запланировано»\n>\n> Второй абзац')).toBe('> Ответ:\n> «запланировано»\n>\n> Второй абзац');
  });

  it('keeps code verbatim', () => {
    expect(markdownToPlainText('```\nif (a < b) {\n  return;\n}\n```')).toBe('if (a < b) {\n  return;\n}');
  });

  it('returns an empty string for empty input', () => {
    expect(markdownToPlainText('')).toBe('');
  });
});
