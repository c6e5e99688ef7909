/**
 * The appeal text's three forms and the way between them. A draft is written as rich text (a ProseMirror document,
 * `RichDocument`); the page shows it as HTML, the form without JavaScript edits it as Markdown, and the letter
 * prints, and the signatures' SHA-256 covers, its plain text. Every document that comes in — from the editor, the
 * form or the API — passes `sanitizeDocument` first: only the schema's nodes and marks, only http(s) and mailto
 * links, and the HTML made from it is sanitized once more on the way out.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { MarkdownManager } from '@tiptap/markdown';
import { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { renderToHTMLString } from '@tiptap/static-renderer/pm/html-string';
import sanitizeHtml from 'sanitize-html';
import { allowedLinkProtocols, appealTextExtensions } from './appeals.text-schema.ts';

export type RichDocument = JSONContent;

const extensions = appealTextExtensions();
const schema = getSchema(extensions);
const markdown = new MarkdownManager({ extensions });

const blockTypes = new Set(['paragraph', 'heading', 'bulletList', 'orderedList', 'listItem', 'blockquote']);
const inlineTypes = new Set(['text', 'hardBreak']);
const markTypes = new Set(['bold', 'italic', 'link']);

/** A link's target if it is one a draft may have (absolute http, https or mailto), else null. */
export function allowedHref(href: unknown): string | null {
  if (typeof href !== 'string' || href.length > 2000) return null;
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return null;
  }
  return (allowedLinkProtocols as readonly string[]).includes(url.protocol.replace(/:$/, '')) ? url.href : null;
}

function cleanMarks(marks: unknown): JSONContent['marks'] {
  if (!Array.isArray(marks)) return undefined;
  const kept: NonNullable<JSONContent['marks']> = [];
  for (const mark of marks) {
    if (!mark || typeof mark !== 'object' || !markTypes.has((mark as { type?: string }).type ?? '')) continue;
    const type = (mark as { type: string }).type;
    if (type === 'link') {
      const href = allowedHref((mark as { attrs?: { href?: unknown } }).attrs?.href);
      if (href) kept.push({ type, attrs: { href } });
    } else kept.push({ type });
  }
  return kept.length > 0 ? kept : undefined;
}

/** How deep blocks may nest (a quote in a list in a quote…): deeper content is dropped, not followed. */
const maxDepth = 12;

function cleanNode(node: unknown, depth = 0): JSONContent | null {
  if (!node || typeof node !== 'object' || depth > maxDepth) return null;
  const { type, text, attrs, content, marks } = node as JSONContent;
  if (type === 'text') {
    if (typeof text !== 'string' || text.length === 0) return null;
    const cleaned = cleanMarks(marks);
    return cleaned ? { type, text, marks: cleaned } : { type, text };
  }
  if (type === 'hardBreak') return { type };
  if (!type || !blockTypes.has(type)) return null;
  const children = Array.isArray(content) ? content.map((child) => cleanNode(child, depth + 1)).filter((child): child is JSONContent => child !== null) : [];
  const out: JSONContent = { type };
  if (type === 'heading') out.attrs = { level: attrs?.level === 3 ? 3 : 2 };
  if (type === 'orderedList') {
    const start = Number(attrs?.start);
    out.attrs = { start: Number.isInteger(start) && start > 0 && start < 100_000 ? start : 1 };
  }
  if (children.length > 0) out.content = children;
  // A quote or a list left with nothing in it (its content was outside the schema, or nested too deep) goes too.
  else if (type !== 'paragraph' && type !== 'heading') return null;
  return out;
}

/**
 * The document with everything outside the schema taken out (unknown nodes, attributes and marks, links other than
 * http(s) and mailto), or null when what is left is not a valid document of the schema.
 */
export function sanitizeDocument(input: unknown): RichDocument | null {
  if (!input || typeof input !== 'object' || (input as JSONContent).type !== 'doc') return null;
  const content = Array.isArray((input as JSONContent).content) ? ((input as JSONContent).content as unknown[]) : [];
  const doc: RichDocument = {
    type: 'doc',
    content: content.map(cleanNode).filter((node): node is JSONContent => node !== null && !inlineTypes.has(node.type ?? '')),
  };
  if ((doc.content ?? []).length === 0) doc.content = [{ type: 'paragraph' }];
  try {
    ProseMirrorNode.fromJSON(schema, doc).check();
  } catch {
    return null;
  }
  return doc;
}

/** The ProseMirror node of a sanitized document (for Yjs and the renderers). */
export function documentNode(doc: RichDocument): ProseMirrorNode {
  return ProseMirrorNode.fromJSON(schema, doc);
}

export const documentSchema = schema;

const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'h2', 'h3', 'strong', 'em', 'ul', 'ol', 'li', 'blockquote', 'a', 'br'],
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'] },
  allowedSchemes: [...allowedLinkProtocols],
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow ugc noopener' }) },
};

/** The document as HTML for the pages: rendered from the schema, then sanitized against the same allowlist. */
export function documentToHtml(doc: RichDocument): string {
  return sanitizeHtml(renderToHTMLString({ content: documentNode(doc), extensions }), sanitizeOptions);
}

/** Sanitizes HTML stored earlier once more before a page shows it. */
export function sanitizeStoredHtml(html: string): string {
  return sanitizeHtml(html, sanitizeOptions);
}

function inlineText(node: JSONContent): string {
  if (node.type === 'text') return node.text ?? '';
  if (node.type === 'hardBreak') return '\n';
  return (node.content ?? []).map(inlineText).join('');
}

function blockText(node: JSONContent, prefix = ''): string[] {
  switch (node.type) {
    case 'paragraph':
    case 'heading':
      return [prefix + inlineText(node)];
    case 'blockquote':
      return (node.content ?? []).flatMap((child) => blockText(child, prefix));
    case 'bulletList':
    case 'orderedList': {
      const start = Number(node.attrs?.start ?? 1);
      return (node.content ?? []).flatMap((item, index) => {
        const marker = node.type === 'bulletList' ? '— ' : `${start + index}. `;
        const [first = '', ...rest] = (item.content ?? []).flatMap((child) => blockText(child));
        return [`${prefix}${marker}${first}`, ...rest.map((line) => `${prefix}   ${line}`)];
      });
    }
    default:
      return [];
  }
}

/**
 * The plain text of the document: what the letter prints and the SHA-256 covers. Blocks are separated by an empty
 * line; list items start with «— » or their number; links keep their words (the letter is read on paper).
 */
export function documentToText(doc: RichDocument): string {
  return (doc.content ?? [])
    .flatMap((block) => {
      const lines = blockText(block);
      return block.type === 'bulletList' || block.type === 'orderedList' ? [lines.join('\n')] : lines;
    })
    .map((block) => block.replace(/[ \t]+$/gm, ''))
    .filter((block) => block.trim() !== '')
    .join('\n\n');
}

/** A document of plain text (a revision written before rich text): paragraphs at empty lines, line breaks inside. */
export function textToDocument(text: string): RichDocument {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
  const content = paragraphs.map((paragraph) => {
    const parts = paragraph.split('\n');
    const inline: JSONContent[] = [];
    parts.forEach((part, index) => {
      if (index > 0) inline.push({ type: 'hardBreak' });
      if (part !== '') inline.push({ type: 'text', text: part });
    });
    return { type: 'paragraph', content: inline };
  });
  return { type: 'doc', content: content.length > 0 ? content : [{ type: 'paragraph' }] };
}

/** The document as the Markdown the form without JavaScript edits. */
export function documentToMarkdown(doc: RichDocument): string {
  return markdown
    .serialize(doc)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The document a Markdown text describes, sanitized (raw HTML in it stays text). */
/**
 * More inline marks than this (emphasis, strikethrough, code spans, link and image openers) and a text is taken as plain text: the
 * Markdown parser slows down on unclosed ones quadratically (12,000 unclosed links took 2 s of the event loop).
 */
const maxInlineMarks = 2_000;

/**
 * The document a Markdown text describes, sanitized (raw HTML in it stays text). A text the parser cannot take in
 * reasonable time or depth (thousands of emphasis marks, code spans or links, a thousand nested quotes) is taken as plain text instead.
 */
export function markdownToDocument(source: string): RichDocument {
  const text = source.replace(/\r\n?/g, '\n');
  if ((text.match(/[*_`[~]/g)?.length ?? 0) > maxInlineMarks) return textToDocument(text);
  try {
    return sanitizeDocument(markdown.parse(text)) ?? textToDocument(text);
  } catch {
    return textToDocument(text);
  }
}
