/**
 * The XSS corpus: hostile strings a citizen, an author or an admin can type into any text field.
 * Each one, if it ever ran, would call `__xss('<id>')` or `alert('<id>')` (or `confirm`/`prompt`)
 * with its own id, so an execution names the payload; each element it would create carries
 * `data-xss`, so a payload element in the DOM is found even when it did not run.
 *
 * Kinds: plain HTML injection (script, event handlers, SVG, iframe srcdoc, object/embed, base, meta
 * refresh, form action), dangerous URL schemes, parser-mutation tricks (math, template, noscript,
 * textarea/title, comments, CDATA), broken markup and unclosed attributes, attribute breakouts (for
 * values put into `value="…"`, `href="…"` and `<textarea>`), Markdown link tricks (comments are
 * Markdown), unicode tricks, CSS injection and template-injection lookalikes.
 */
export interface XssPayload {
  id: string;
  kind: 'html' | 'url' | 'mutation' | 'broken' | 'attribute' | 'markdown' | 'unicode' | 'css' | 'template';
  text: string;
}

const p = (id: string, kind: XssPayload['kind'], text: string): XssPayload => ({ id, kind, text });

export const xssPayloads: readonly XssPayload[] = [
  // Plain HTML injection
  p('h01', 'html', `<script data-xss>__xss('h01')</script>`),
  p('h02', 'html', `<img data-xss src=x onerror="__xss('h02')">`),
  p('h03', 'html', `<svg data-xss onload="__xss('h03')"></svg>`),
  p('h04', 'html', `<body data-xss onload="__xss('h04')">`),
  p('h05', 'html', `<svg data-xss><script>__xss('h05')</script></svg>`),
  p('h06', 'html', `<iframe data-xss srcdoc="<script>parent.__xss('h06')</script>"></iframe>`),
  p('h07', 'html', `<a data-xss href="javascript:__xss('h07')">h07</a>`),
  p('h08', 'html', `<details data-xss open ontoggle="__xss('h08')">`),
  p('h09', 'html', `<input data-xss autofocus onfocus="__xss('h09')">`),
  p('h10', 'html', `<object data-xss data="javascript:__xss('h10')"></object><embed data-xss src="javascript:__xss('h10')">`),
  p('h11', 'html', `<base data-xss href="javascript:__xss('h11')//">`),
  p('h12', 'html', `<meta data-xss http-equiv="refresh" content="0;url=javascript:__xss('h12')">`),
  p('h13', 'html', `<form data-xss action="javascript:__xss('h13')"><button data-xss formaction="javascript:__xss('h13')">h13</button></form>`),
  p('h14', 'html', `<video data-xss><source onerror="__xss('h14')"></video><audio data-xss src=x onerror="alert('h14')">`),
  p('h15', 'html', `<SCRIPT data-xss SRC=data:text/javascript,__xss('h15')></SCRIPT>`),
  // URL schemes (links, website fields, Markdown targets)
  p('u01', 'url', `javascript:__xss('u01')`),
  p('u02', 'url', `JaVaScRiPt:alert('u02')`),
  p('u03', 'url', `data:text/html;base64,PHNjcmlwdD5hbGVydCgndTAzJyk8L3NjcmlwdD4=`),
  p('u04', 'url', `vbscript:msgbox("u04")`),
  p('u05', 'url', ` java\tscript:__xss('u05')`),
  p('u06', 'url', `&#106;avascript:__xss('u06')`),
  // Parser-mutation tricks
  p('m01', 'mutation', `<math data-xss><mtext><table><mglyph><style><img data-xss src=x onerror="__xss('m01')">`),
  p('m02', 'mutation', `<template data-xss><img data-xss src=x onerror="__xss('m02')"></template>`),
  p('m03', 'mutation', `<noscript><p title="</noscript><img data-xss src=x onerror=__xss('m03')>">`),
  p('m04', 'mutation', `</textarea><img data-xss src=x onerror="__xss('m04')">`),
  p('m05', 'mutation', `</title></style></script><img data-xss src=x onerror="__xss('m05')">`),
  p('m06', 'mutation', `<!--><img data-xss src=x onerror="__xss('m06')">-->`),
  p('m07', 'mutation', `<![CDATA[><img data-xss src=x onerror="__xss('m07')">]]>`),
  p('m08', 'mutation', `<svg><style><img data-xss src=x onerror="__xss('m08')"></style></svg>`),
  // Broken markup and unclosed attributes
  p('b01', 'broken', `<img data-xss src="x" onerror="__xss('b01')"`),
  p('b02', 'broken', `<<script data-xss>__xss('b02');//<</script>`),
  p('b03', 'broken', `<img data-xss src=x onerror=__xss('b03') <b`),
  p('b04', 'broken', `<a data-xss href="x onmouseover=__xss('b04')`),
  p('b05', 'broken', `<scr<script>ipt data-xss>__xss('b05')</scr</script>ipt>`),
  // Attribute breakouts (for values inside quotes, in any quoting)
  p('a01', 'attribute', `" autofocus onfocus="__xss('a01')" data-xss="`),
  p('a02', 'attribute', `' autofocus onfocus='__xss("a02")' data-xss='`),
  p('a03', 'attribute', `"><img data-xss src=x onerror="__xss('a03')">`),
  p('a04', 'attribute', `&quot; autofocus onfocus=&quot;__xss('a04')&quot; data-xss=&quot;`),
  p('a05', 'attribute', `\` onmouseover=__xss('a05') data-xss \``),
  // Markdown link tricks (comments)
  p('k01', 'markdown', `[k01](javascript:__xss('k01'))`),
  p('k02', 'markdown', `<javascript:__xss('k02')>`),
  p('k03', 'markdown', `[k03](JAVASCRIPT:alert('k03')) [k03b](data:text/html,<script>alert('k03')</script>) [k03c](vbscript:msgbox(1))`),
  p('k04', 'markdown', `[k04](&#x6A;avascript:__xss('k04')) [k04b](java%0Ascript:__xss('k04'))`),
  p('k05', 'markdown', `[k05][r05]\n\n[r05]: javascript:__xss('k05')`),
  p('k06', 'markdown', `[k06](https://example.com "a\\" onmouseover=\\"__xss('k06')") [k06b](https://example.com/"onmouseover="__xss('k06'))`),
  p('k07', 'markdown', `![k07](javascript:__xss('k07')) ![k07b](x" onerror="__xss('k07'))`),
  p('k08', 'markdown', `**<img data-xss src=x onerror="__xss('k08')">** \`<script data-xss>__xss('k08')</script>\``),
  p('k09', 'markdown', "```html\n<script data-xss>__xss('k09')</script>\n```"),
  p('k10', 'markdown', `[<img data-xss src=x onerror=__xss('k10')>](https://example.com) <https://example.com/"><img data-xss src=x onerror=__xss('k10')>`),
  p('k11', 'markdown', `> <a data-xss href="javascript:__xss('k11')">k11</a>\n- <svg data-xss onload=__xss('k11')>`),
  // Unicode tricks
  p('n01', 'unicode', `＜script data-xss＞__xss('n01')＜/script＞`),
  p('n02', 'unicode', `<scr\u200Dipt data-xss>__xss('n02')</scr\u200Dipt> <img\u200B src=x onerror=__xss('n02')>`),
  p('n03', 'unicode', `\u202Egpj.exe\u202C <img data-xss src=x onerror="__xss('n03')">`),
  p('n04', 'unicode', `jаvascript:__xss('n04')`), // a Cyrillic «а»: a homoglyph, not a scheme
  p('n05', 'unicode', `\uFE64script data-xss\uFE65__xss('n05')\uFE64/script\uFE65`),
  p('n06', 'unicode', `<img data-xss src=x one\u00ADrror="__xss('n06')">`),
  // CSS injection
  p('c01', 'css', `<div data-xss style="background:url(javascript:__xss('c01'));width:expression(__xss('c01'))">c01</div>`),
  p('c02', 'css', `<style data-xss>@import 'javascript:__xss("c02")'; body{background:url("javascript:__xss('c02')")}</style>`),
  p('c03', 'css', `" style="position:fixed;inset:0;background:url(//evil.test/c03)" data-xss="`),
  // Template-injection lookalikes (text only: they must reach the page as typed)
  p('t01', 'template', `{{7*7}} {{constructor.constructor('__xss("t01")')()}}`),
  p('t02', 'template', `\${__xss('t02')} #{7*7} <%= 7*7 %>`),
];

/** Said in every record that carries payloads, so a page is known to show them (and search finds them). */
export const corpusWord = 'xsscorpus';

/**
 * The payloads joined into strings of at most `limit` characters (code points), each string
 * starting with the corpus word; a payload longer than the room left is cut (its start is the
 * dangerous part, and a cut payload is one more case of broken markup).
 */
export function payloadBatches(limit: number, separator = ' '): string[] {
  const batches: string[] = [];
  let current = corpusWord;
  for (const payload of xssPayloads) {
    const candidate = `${current}${separator}${payload.text}`;
    if ([...candidate].length <= limit) {
      current = candidate;
      continue;
    }
    if (current !== corpusWord) batches.push(current);
    current = [...`${corpusWord}${separator}${payload.text}`].slice(0, limit).join('');
  }
  batches.push(current);
  return batches;
}
