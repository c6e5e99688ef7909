/**
 * The rich text of an appeal: which nodes and marks a draft may have. One configuration for the server (sanitizing,
 * rendering, Markdown for the form without JavaScript) and the browser's editor island, so both speak the same
 * schema. The toolbar's set and nothing else: paragraphs, headings (levels 2 and 3: the page's own title is the
 * level 1), bold, italic, bulleted and numbered lists, quotes, links and line breaks.
 */
import type { AnyExtension } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';

/** Link targets a draft may have: no `javascript:`, no `data:`, nothing relative. */
export const allowedLinkProtocols = ['http', 'https', 'mailto'] as const;

export function appealTextExtensions(options: { collaborative?: boolean } = {}): AnyExtension[] {
  return [
    StarterKit.configure({
      heading: { levels: [2, 3] },
      code: false,
      codeBlock: false,
      horizontalRule: false,
      strike: false,
      underline: false,
      // Collaboration brings its own undo history (per person, over the shared document).
      ...(options.collaborative ? { undoRedo: false } : {}),
      link: {
        openOnClick: false,
        autolink: true,
        protocols: [...allowedLinkProtocols],
        defaultProtocol: 'https',
        HTMLAttributes: { rel: 'nofollow ugc noopener', target: null },
      },
    }),
  ];
}
