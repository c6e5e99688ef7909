/**
 * The co-editing island of a draft: replaces the Markdown form (or the read-only text) by a Tiptap editor bound to
 * the draft's Yjs document on the server (Hocuspocus, `/collab`), with the others' carets and names, a toolbar of
 * the schema's formats and full keyboard use (Tiptap's shortcuts: Ctrl+B, Ctrl+I, Ctrl+Alt+2/3, Ctrl+Shift+7/8/B;
 * Tab leaves the editor through the toolbar order of the page). Without JavaScript the form stays and works.
 */
import { HocuspocusProvider } from '@hocuspocus/provider';
import { Editor, Extension } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { appealTextExtensions } from '../modules/appeals/appeals.text-schema.ts';
import { findPassages, type Passage } from './lib/passages.ts';

interface Labels {
  paragraph: string;
  heading2: string;
  heading3: string;
  bold: string;
  italic: string;
  bulletList: string;
  orderedList: string;
  blockquote: string;
  link: string;
  linkPrompt: string;
  editor: string;
  comment?: string;
  showInText?: string;
  highlightTitle?: string;
}

/**
 * The open threads' passages marked in the text as it is now (recomputed as it changes, so a passage typed away loses
 * its mark and one typed back gets it again). Marks only: the discussion stays plain forms below the text, and each
 * thread gets a «show in the text» button that selects its words (see `threadButtons`).
 */
function passageHighlights(passages: readonly Passage[], title: string): Extension {
  const build = (doc: ProseMirrorNode, current: number | null) =>
    DecorationSet.create(
      doc,
      findPassages(doc, passages).map((range) =>
        Decoration.inline(range.from, range.to, {
          class: range.id === current ? 'draft-passage draft-passage-current' : 'draft-passage',
          'data-thread': String(range.id),
          title,
        }),
      ),
    );
  return Extension.create({
    name: 'draftPassages',
    addProseMirrorPlugins: () => [
      new Plugin<PassageState>({
        key: passageKey,
        state: {
          init: (_config, state) => ({ current: null, set: build(state.doc, null) }),
          apply: (transaction, previous) => {
            const picked = transaction.getMeta(passageKey) as { current: number } | undefined;
            const current = picked ? picked.current : previous.current;
            return transaction.docChanged || picked ? { current, set: build(transaction.doc, current) } : previous;
          },
        },
        props: { decorations: (state) => passageKey.getState(state)?.set },
      }),
    ],
  });
}

interface PassageState {
  /** The thread whose «show in the text» was pressed last: its words are outlined. */
  current: number | null;
  set: DecorationSet;
}

const passageKey = new PluginKey<PassageState>('draftPassages');

/** The threads whose passage the page says is in the text, open ones only (drafting.pages.tsx `data-passage`). */
function openThreads(): (Passage & { element: HTMLElement })[] {
  return [...document.querySelectorAll<HTMLElement>('.comment-thread[data-passage]')].flatMap((element) => {
    const id = Number(element.dataset.thread);
    const passage = element.dataset.passage ?? '';
    return Number.isSafeInteger(id) && passage ? [{ id, passage, element }] : [];
  });
}

/** «Show in the text» on each open thread: selects (in a reader's editor, scrolls to and outlines) the thread's words. */
function threadButtons(editor: Editor, surface: HTMLElement, threads: ReturnType<typeof openThreads>, label: string, status: HTMLElement, missing: string) {
  for (const thread of threads) {
    const button = element('button', { type: 'button', class: 'link-button draft-show-passage' }, label);
    button.addEventListener('click', () => {
      const [range] = findPassages(editor.state.doc, [thread]);
      if (!range) {
        status.textContent = missing;
        return;
      }
      // One transaction: the outline and the selection come together, so the marks are drawn once with the selection in them.
      if (editor.isEditable)
        editor.chain().setMeta(passageKey, { current: thread.id }).setTextSelection({ from: range.from, to: range.to }).scrollIntoView().focus().run();
      else {
        editor.view.dispatch(editor.state.tr.setMeta(passageKey, { current: thread.id }));
        surface.querySelector(`.draft-passage[data-thread="${thread.id}"]`)?.scrollIntoView({ block: 'center' });
      }
    });
    thread.element.querySelector('blockquote.comment-passage')?.after(button);
  }
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function mount(holder: HTMLElement) {
  const name = holder.dataset.document;
  if (!name) return;
  const writable = holder.dataset.writable === 'true';
  const labels = JSON.parse(holder.dataset.toolbarLabels ?? '{}') as Labels;
  const threads = openThreads();
  const status = element('p', { class: 'draft-status hint', role: 'status', 'aria-live': 'polite' }, holder.dataset.statusConnecting ?? '');
  const presence = element('p', { class: 'draft-presence hint' });
  const surface = element('div', { class: 'draft-surface' });
  const toolbar = element('div', { class: 'draft-toolbar', role: 'toolbar', 'aria-label': holder.dataset.toolbar ?? '' });

  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/collab`;
  const provider = new HocuspocusProvider({
    url,
    name,
    // The session cookie authenticates the connection; the token only starts the handshake.
    token: 'session',
    onStatus: ({ status: state }) => {
      status.textContent =
        state === 'connected'
          ? ((writable ? holder.dataset.statusConnected : holder.dataset.statusReadonly) ?? '')
          : state === 'connecting'
            ? (holder.dataset.statusConnecting ?? '')
            : (holder.dataset.statusOffline ?? '');
      holder.dataset.state = state;
    },
    onAuthenticationFailed: () => {
      status.textContent = holder.dataset.statusOffline ?? '';
    },
  });

  const editor = new Editor({
    element: surface,
    editable: writable,
    // The content security policy allows no <style> element: the editor's few rules are in styles.css.
    injectCSS: false,
    extensions: [
      ...appealTextExtensions({ collaborative: true }),
      Collaboration.configure({ document: provider.document, field: 'default' }),
      CollaborationCaret.configure({
        provider,
        // The server sets each person's public name and colour (drafting.collab.ts); colours go through the CSSOM (the
        // content security policy allows it), never a style attribute.
        user: { name: '', color: '' },
        render: (user: { name?: string; color?: string }) => {
          const caret = element('span', { class: 'collaboration-carets__caret' });
          const label = element('span', { class: 'collaboration-carets__label' }, user.name ?? '');
          caret.style.borderColor = user.color ?? '#1d70b8';
          label.style.backgroundColor = user.color ?? '#1d70b8';
          caret.append(label);
          return caret;
        },
        selectionRender: () => ({ class: 'collaboration-carets__selection' }),
      }),
      passageHighlights(threads, labels.highlightTitle ?? ''),
    ],
    editorProps: {
      attributes: {
        class: 'draft-prose rich-text',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': labels.editor,
        ...(writable ? {} : { 'aria-readonly': 'true' }),
      },
    },
  });

  const showPresence = () => {
    const names = [...(provider.awareness?.getStates().values() ?? [])]
      .map((state) => (state as { user?: { name?: string } }).user?.name)
      .filter((value): value is string => typeof value === 'string' && value !== '');
    presence.textContent = names.length > 0 ? `${holder.dataset.presence ?? ''}: ${[...new Set(names)].join(', ')}` : '';
  };
  provider.awareness?.on('change', showPresence);

  if (writable) {
    const buttons: { label: string; run: () => void; active: () => boolean }[] = [
      { label: labels.paragraph, run: () => editor.chain().focus().setParagraph().run(), active: () => editor.isActive('paragraph') },
      { label: labels.heading2, run: () => editor.chain().focus().toggleHeading({ level: 2 }).run(), active: () => editor.isActive('heading', { level: 2 }) },
      { label: labels.heading3, run: () => editor.chain().focus().toggleHeading({ level: 3 }).run(), active: () => editor.isActive('heading', { level: 3 }) },
      { label: labels.bold, run: () => editor.chain().focus().toggleBold().run(), active: () => editor.isActive('bold') },
      { label: labels.italic, run: () => editor.chain().focus().toggleItalic().run(), active: () => editor.isActive('italic') },
      { label: labels.bulletList, run: () => editor.chain().focus().toggleBulletList().run(), active: () => editor.isActive('bulletList') },
      { label: labels.orderedList, run: () => editor.chain().focus().toggleOrderedList().run(), active: () => editor.isActive('orderedList') },
      { label: labels.blockquote, run: () => editor.chain().focus().toggleBlockquote().run(), active: () => editor.isActive('blockquote') },
      {
        label: labels.link,
        run: () => {
          const previous = (editor.getAttributes('link').href as string | undefined) ?? '';
          const href = window.prompt(labels.linkPrompt, previous);
          if (href === null) return;
          if (href.trim() === '') editor.chain().focus().extendMarkRange('link').unsetLink().run();
          else editor.chain().focus().extendMarkRange('link').setLink({ href: href.trim() }).run();
        },
        active: () => editor.isActive('link'),
      },
    ];
    // A remark on the selected words: the discussion's form below takes them as its passage (drafting.pages.tsx).
    const passageField = document.querySelector<HTMLTextAreaElement>('#field-passage');
    if (passageField && labels.comment) {
      buttons.push({
        label: labels.comment,
        run: () => {
          const { from, to } = editor.state.selection;
          passageField.value = editor.state.doc.textBetween(from, to, ' ').slice(0, 500);
          document.querySelector<HTMLTextAreaElement>('#field-body')?.focus();
        },
        active: () => false,
      });
    }
    // One tab stop for the toolbar, arrows move inside it (WAI-ARIA toolbar pattern).
    const elements = buttons.map((button, index) => {
      const node = element(
        'button',
        { type: 'button', class: 'button button-secondary draft-tool', tabindex: index === 0 ? '0' : '-1', 'aria-pressed': 'false' },
        button.label,
      );
      node.addEventListener('click', () => button.run());
      toolbar.append(node);
      return node;
    });
    toolbar.addEventListener('keydown', (event) => {
      const current = elements.indexOf(document.activeElement as HTMLButtonElement);
      if (current < 0) return;
      const next =
        event.key === 'ArrowRight'
          ? current + 1
          : event.key === 'ArrowLeft'
            ? current - 1
            : event.key === 'Home'
              ? 0
              : event.key === 'End'
                ? elements.length - 1
                : null;
      if (next === null) return;
      event.preventDefault();
      const target = elements[(next + elements.length) % elements.length];
      for (const node of elements) node.tabIndex = -1;
      if (target) {
        target.tabIndex = 0;
        target.focus();
      }
    });
    const refresh = () => {
      buttons.forEach((button, index) => {
        elements[index]?.setAttribute('aria-pressed', String(button.active()));
      });
    };
    editor.on('selectionUpdate', refresh);
    editor.on('transaction', refresh);
  }

  holder.replaceChildren(...(writable ? [toolbar] : []), surface, status, presence);
  if (labels.showInText) threadButtons(editor, surface, threads, labels.showInText, status, holder.dataset.passageMissing ?? '');
  holder.classList.add('draft-editor-live');
  window.addEventListener('pagehide', () => {
    editor.destroy();
    provider.destroy();
  });
}

for (const holder of document.querySelectorAll<HTMLElement>('[data-module="draft-editor"]')) mount(holder);
