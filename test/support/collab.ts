/**
 * A co-editing client in Node, connecting as the browser island (src/client/draft-editor.ts) does: a Hocuspocus
 * provider on its own websocket to `/collab`, the session cookie on the upgrade request. The drafting tests and
 * bench/co-editing.bench.ts use it; the raw messages below are for the tests that send what no provider would.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { waitFor } from './wait.ts';

export interface CollabClient {
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
  /** The client's copy of the draft's Y.Doc. */
  document: Y.Doc;
  /** The document's text as Yjs writes it out (`<paragraph>…</paragraph>`). */
  text(): string;
  /** Adds a paragraph at the end, in one transaction. */
  typeParagraph(words: string): void;
  /** The close codes the provider saw. */
  closes: number[];
  /** Whether the server made the connection read-only (null until it answered the authentication). */
  readOnly(): boolean | null;
  failed(): boolean;
  /** Resolves once the document is synced or the authentication failed. */
  synced(timeoutMs?: number): Promise<void>;
  online(): boolean;
  goOffline(): void;
  goOnline(): Promise<unknown>;
  destroy(): void;
}

/** `app`'s websocket URL of `/collab`, from its http(s) or ws(s) base URL. */
export function collabUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/collab`;
}

/** Opens draft `appealId`'s document on the app at `baseUrl`, as the session `cookie` (none: anonymous). */
export function collabClient(baseUrl: string, appealId: number, cookie: string | null): CollabClient {
  class CookieSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: cookie ? { cookie } : {} });
    }
  }
  const socket = new HocuspocusProviderWebsocket({ url: collabUrl(baseUrl), WebSocketPolyfill: CookieSocket, maxAttempts: 1 });
  const closes: number[] = [];
  let readOnly: boolean | null = null;
  let failed = false;
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: `appeal.${appealId}`,
    token: 'session',
    onClose: ({ event }) => closes.push(event.code),
    onAuthenticated: ({ scope }) => {
      readOnly = scope === 'readonly';
    },
    onAuthenticationFailed: () => {
      failed = true;
    },
  });
  provider.attach();
  const fragment = provider.document.getXmlFragment('default');
  return {
    provider,
    socket,
    document: provider.document,
    text: () => fragment.toString(),
    typeParagraph(words) {
      provider.document.transact(() => {
        const paragraph = new Y.XmlElement('paragraph');
        paragraph.insert(0, [new Y.XmlText(words)]);
        fragment.insert(fragment.length, [paragraph]);
      });
    },
    closes,
    readOnly: () => readOnly,
    failed: () => failed,
    synced: (timeoutMs = 10_000) =>
      waitFor(() => (provider.isSynced || failed ? true : undefined), timeoutMs, { intervalMs: 20, what: `appeal.${appealId} to sync` }).then(() => {}),
    online: () => socket.status === 'connected',
    goOffline: () => socket.disconnect(),
    goOnline: () => socket.connect(),
    destroy() {
      provider.destroy();
      socket.destroy();
    },
  };
}

/** The authentication message of document `name` (a provider's first), its token ignored: the cookie is what counts. */
export function authenticationMessage(name: string): Uint8Array {
  const message = encoding.createEncoder();
  encoding.writeVarString(message, name);
  encoding.writeVarUint(message, 2); // authentication
  encoding.writeVarUint(message, 0); // a token
  encoding.writeVarString(message, 'session');
  return encoding.toUint8Array(message);
}

/** An awareness message of document `name`: for each entry a client id, its clock and its state. */
export function awarenessMessage(name: string, entries: [clientId: number, clock: number, state: object | null][]): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const [clientId, clock, state] of entries) {
    encoding.writeVarUint(update, clientId);
    encoding.writeVarUint(update, clock);
    encoding.writeVarString(update, JSON.stringify(state));
  }
  const message = encoding.createEncoder();
  encoding.writeVarString(message, name);
  encoding.writeVarUint(message, 1); // awareness
  encoding.writeVarUint8Array(message, encoding.toUint8Array(update));
  return encoding.toUint8Array(message);
}
