/**
 * The Markdown subset allowed in comments: paragraphs, line breaks, *emphasis*, **strong**,
 * ~~strike~~, bullet and numbered lists, blockquotes, inline code, code blocks and links.
 *
 * Safety is layered:
 * 1. markdown-it runs with `html: false` (raw HTML is escaped, never passed through), without the
 *    image, table and horizontal-rule rules, and with a link validator that only accepts
 *    http:, https: and mailto: (checked after markdown-it has decoded entities and normalised
 *    the URL, so `&#106;avascript:` or `JaVaScRiPt:` never get through).
 * 2. A core rule rewrites every link token: disallowed targets lose their `<a>` (the text stays),
 *    titles are dropped, `rel="nofollow ugc noopener noreferrer"` is set, no `target`.
 * 3. Headings become a paragraph with `<strong>`: a comment must not add entries to the page's
 *    heading outline, which screen-reader users navigate by.
 * 4. The HTML is then passed through sanitize-html with an allow-list of exactly that subset.
 *
 * markdown-it's parser is linear in practice for hostile input (its delimiter and link-label
 * scanners are bounded, nesting is capped by `maxNesting`); no regular expression of ours runs
 * over the whole input. Limiting the input length (10,000 characters for comments) is the
 * caller's job.
 */
import MarkdownIt, { type StateCore, type Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

export const commentLinkRel = 'nofollow ugc noopener noreferrer';

const allowedSchemes = ['http', 'https', 'mailto'];
const allowedLink = /^(?:https?:\/\/|mailto:)/i;

function isAllowedHref(href: string | null): href is string {
  return href !== null && allowedLink.test(href.trim());
}

const md = new MarkdownIt('default', {
  html: false,
  xhtmlOut: false,
  breaks: true,
  linkify: true,
  typographer: false,
  maxNesting: 20,
});
md.disable(['image', 'table', 'hr', 'html_block', 'html_inline']);
md.linkify.set({ fuzzyIP: false });
md.validateLink = (url) => isAllowedHref(url);

/** markdown-it 15 types attribute values as string | number. */
export function attribute(token: Token, name: string): string | null {
  const value = token.attrGet(name);
  return value === null ? null : String(value);
}

/** Removes links with a disallowed target (keeping their text) and sets the `rel` policy on the rest. */
function rewriteLinks(state: StateCore): void {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const kept: Token[] = [];
    // One entry per open link: whether its <a> was dropped, so the matching close is dropped too.
    const open: boolean[] = [];
    for (const token of block.children) {
      if (token.type === 'link_open') {
        const href = attribute(token, 'href');
        const drop = !isAllowedHref(href);
        open.push(drop);
        if (drop) continue;
        token.attrs = [
          ['href', href],
          ['rel', commentLinkRel],
        ];
      } else if (token.type === 'link_close') {
        if (open.pop()) continue;
      }
      kept.push(token);
    }
    block.children = kept;
  }
}
md.core.ruler.push('democrator_links', rewriteLinks);

md.renderer.rules.heading_open = () => '<p><strong>';
md.renderer.rules.heading_close = () => '</strong></p>\n';
// No language class on code blocks: the allow-list has no attributes on <code>.
md.renderer.rules.fence = (tokens, idx) => `<pre><code>${md.utils.escapeHtml(tokens[idx]!.content)}</code></pre>\n`;

const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'em', 'strong', 's', 'ul', 'ol', 'li', 'blockquote', 'code', 'pre', 'a'],
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'] },
  allowedClasses: {},
  allowedStyles: {},
  allowedSchemes,
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  enforceHtmlBoundary: false,
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: commentLinkRel } }),
  },
};

/** Renders a comment to safe HTML (see the module comment for the subset and the safety layers). */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), sanitizeOptions).trim();
}

/** A block of a parsed comment: an open token with what it encloses, or a leaf (inline, code, fence). */
export interface MarkdownNode {
  token: Token;
  children: MarkdownNode[];
}
type Node = MarkdownNode;

/** Turns markdown-it's flat block token stream into a tree (open … close become one node). */
function blockTree(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  for (const token of tokens) {
    if (token.nesting === -1) {
      stack.pop();
      continue;
    }
    const node: Node = { token, children: [] };
    stack.at(-1)!.push(node);
    if (token.nesting === 1) stack.push(node.children);
  }
  return root;
}

function inlineText(children: Token[] | null): string {
  let out = '';
  const links: { start: number; href: string; auto: boolean }[] = [];
  for (const token of children ?? []) {
    switch (token.type) {
      case 'text':
      case 'code_inline':
        out += token.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        out += '\n';
        break;
      case 'link_open':
        links.push({ start: out.length, href: attribute(token, 'href') ?? '', auto: token.markup === 'linkify' || token.markup === 'autolink' });
        break;
      case 'link_close': {
        const link = links.pop();
        if (!link) break;
        const label = out.slice(link.start);
        const same = label === link.href || `mailto:${label}` === link.href;
        if (!link.auto && !same && link.href !== '') out += ` (${link.href})`;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function indent(text: string, first: string, rest: string): string {
  return text
    .split('\n')
    .map((line, index) => (index === 0 ? first : line === '' ? '' : rest) + line)
    .join('\n');
}

function plainBlocks(nodes: Node[], separator: string): string {
  const parts: string[] = [];
  for (const node of nodes) {
    const text = plainBlock(node);
    if (text !== '') parts.push(text);
  }
  return parts.join(separator);
}

function plainBlock(node: Node): string {
  const { token } = node;
  switch (token.type) {
    case 'inline':
      return inlineText(token.children);
    case 'paragraph_open':
    case 'heading_open':
      return plainBlocks(node.children, '\n');
    case 'code_block':
    case 'fence':
      return token.content.replace(/\n$/, '');
    case 'blockquote_open':
      return plainBlocks(node.children, '\n\n')
        .split('\n')
        .map((line) => (line === '' ? '>' : `> ${line}`))
        .join('\n');
    case 'bullet_list_open':
      return node.children.map((item) => indent(plainBlocks(item.children, '\n'), '- ', '  ')).join('\n');
    case 'ordered_list_open': {
      const start = Number(attribute(token, 'start') ?? '1');
      return node.children
        .map((item, index) => {
          const marker = `${start + index}. `;
          return indent(plainBlocks(item.children, '\n'), marker, ' '.repeat(marker.length));
        })
        .join('\n');
    }
    default:
      return plainBlocks(node.children, '\n\n');
  }
}

/**
 * The same comment as plain text, for e-mails and feeds: no markup characters, links as
 * "text (url)" (bare URLs stay as written), list markers "- " and "1. ", quotes prefixed by "> ",
 * code verbatim. Entities are decoded; the result is text, so escape it if it goes into HTML.
 */
export function markdownToPlainText(source: string): string {
  const tokens = md.parse(source, {});
  // Line by line rather than a /[ \t]+$/gm regex, which is quadratic on long runs of spaces.
  return plainBlocks(blockTree(tokens), '\n\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/**
 * The comment subset's block tree, parsed as `renderMarkdown` parses it (the same rules, the same link checks: a link
 * with a disallowed target has lost its `link_open`), for setting it other than as HTML — a PDF letter.
 */
export function markdownTree(source: string): MarkdownNode[] {
  return blockTree(md.parse(source, {}));
}
