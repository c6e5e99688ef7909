/**
 * Text in the comment Markdown subset (core/text/markdown.ts) set as pdfmake content, for letters the platform prints
 * from such a text (an organization's answer on its letterhead): paragraphs justified with a first-line indent as the
 * letters' own are, headings in bold, bulleted and numbered lists, quotes behind a rule, code verbatim, *emphasis*,
 * **strong** and ~~strike~~ as the fonts' faces. Links keep their words and, on paper, their address after them.
 */
import type { Token } from 'markdown-it';
import { attribute, type MarkdownNode, markdownTree } from '../text/markdown.ts';
import { type Content, type Coverage, clean, type Inline, type InlineStyle, inlines } from './pdf.ts';

/** Words longer than this may break inside (as in `justifiedParagraph`): a URL must not push past the margin. */
const LONG_WORD = 30;

interface Run {
  text: string;
  style: InlineStyle;
}

/** An inline token stream as styled runs; a link's address follows its words unless they are the address. */
function runsOf(children: Token[] | null): Run[] {
  const runs: Run[] = [];
  let bold = 0;
  let italics = 0;
  let strike = 0;
  const links: { href: string; from: number; auto: boolean }[] = [];
  const style = (): InlineStyle => ({
    ...(bold > 0 ? { bold: true } : {}),
    ...(italics > 0 ? { italics: true } : {}),
    ...(strike > 0 ? { decoration: 'lineThrough' as const } : {}),
    ...(links.length > 0 ? { link: links.at(-1)!.href } : {}),
  });
  for (const token of children ?? []) {
    switch (token.type) {
      case 'text':
      case 'code_inline':
        runs.push({ text: clean(token.content), style: style() });
        break;
      case 'softbreak':
      case 'hardbreak':
        runs.push({ text: '\n', style: {} });
        break;
      case 'strong_open':
        bold += 1;
        break;
      case 'strong_close':
        bold -= 1;
        break;
      case 'em_open':
        italics += 1;
        break;
      case 'em_close':
        italics -= 1;
        break;
      case 's_open':
        strike += 1;
        break;
      case 's_close':
        strike -= 1;
        break;
      case 'link_open':
        links.push({ href: attribute(token, 'href') ?? '', from: runs.length, auto: token.markup === 'linkify' || token.markup === 'autolink' });
        break;
      case 'link_close': {
        const link = links.pop();
        if (!link) break;
        const words = runs
          .slice(link.from)
          .map((run) => run.text)
          .join('');
        const same = words === link.href || `mailto:${words}` === link.href;
        if (!link.auto && !same && link.href !== '') runs.push({ text: ` (${link.href.replace(/^mailto:/, '')})`, style: { ...style(), link: link.href } });
        break;
      }
      default:
        break;
    }
  }
  return runs;
}

/** Runs as pdfmake inlines, each space-separated word one unbreakable piece (so justification spreads only spaces). */
function pieces(runs: Run[], coverage: Coverage): { items: Inline[]; long: boolean } {
  const items: Inline[] = [];
  let long = false;
  for (const run of runs) {
    if (run.text === '\n') {
      items.push({ text: '\n' });
      continue;
    }
    for (const word of run.text.match(/[^ \n]+ *| +|\n/g) ?? []) {
      const previous = items.at(-1);
      if (word === '\n') items.push({ text: '\n' });
      // Spaces that open a run («**слово** дальше») belong to the word before: alone they would be a piece the
      // justification widens as if it were a word.
      else if (word.trim() === '' && previous && previous.text !== '\n') previous.text += word;
      else if (word.trimEnd().length > LONG_WORD) {
        long = true;
        items.push(...inlines(word, coverage, run.style));
      } else items.push(...inlines(word, coverage, { ...run.style, noWrap: true }));
    }
  }
  return { items, long };
}

function inlineNode(node: MarkdownNode | undefined): Token[] | null {
  return node?.token.type === 'inline' ? (node.token.children ?? null) : null;
}

interface Place {
  coverage: Coverage;
  /** The first-line indent of a paragraph at the top level (none inside lists and quotes). */
  indent: number;
  top: boolean;
}

function blocks(nodes: MarkdownNode[], place: Place): Content[] {
  return nodes.flatMap((node) => block(node, place));
}

function block(node: MarkdownNode, place: Place): Content[] {
  const { token } = node;
  const inner: Place = { ...place, top: false };
  switch (token.type) {
    case 'paragraph_open': {
      const { items, long } = pieces(runsOf(inlineNode(node.children[0])), place.coverage);
      if (items.length === 0) return [];
      return [{ text: items, alignment: long || !place.top ? 'left' : 'justify', leadingIndent: place.top && !long ? place.indent : 0, margin: [0, 0, 0, 4] }];
    }
    case 'heading_open': {
      const { items } = pieces(runsOf(inlineNode(node.children[0])), place.coverage);
      return items.length ? [{ text: items, bold: true, margin: [0, 8, 0, 4] }] : [];
    }
    case 'bullet_list_open':
      return [{ ul: node.children.map((item) => ({ stack: blocks(item.children, inner) })), margin: [0, 0, 0, 4] }];
    case 'ordered_list_open':
      return [
        {
          ol: node.children.map((item) => ({ stack: blocks(item.children, inner) })),
          start: Number(attribute(token, 'start') ?? '1'),
          margin: [0, 0, 0, 4],
        },
      ];
    case 'blockquote_open':
      return [
        {
          table: { widths: ['*'], body: [[{ stack: blocks(node.children, inner) }]] },
          layout: {
            hLineWidth: () => 0,
            vLineWidth: (index: number) => (index === 0 ? 1.5 : 0),
            vLineColor: () => '#777777',
            paddingLeft: () => 8,
            paddingRight: () => 0,
            paddingTop: () => 0,
            paddingBottom: () => 0,
          },
          margin: [0, 0, 0, 4],
        },
      ];
    case 'code_block':
    case 'fence':
      return [{ text: inlines(clean(token.content.replace(/\n$/, '')), place.coverage), preserveLeadingSpaces: true, fontSize: 10, margin: [0, 0, 0, 4] }];
    default:
      return blocks(node.children, inner);
  }
}

/** The text as pdfmake blocks; `indent` is the first-line indent of a top-level paragraph. */
export function markdownContent(source: string, coverage: Coverage, indent: number): Content[] {
  return blocks(markdownTree(source), { coverage, indent, top: true });
}
