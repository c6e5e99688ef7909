/**
 * Real-time co-editing of drafts: a Hocuspocus 4 server (Yjs) behind the Fastify websocket route `/collab`, one
 * document per draft (`appeal.<id>`, the Tiptap field `default`).
 *
 * - Who: the session cookie of the upgrade request is the actor (core's onRequest hook); `onAuthenticate` lets in
 *   whoever may read the draft, read-only unless he may write its text now (appeals.policy.ts `appeal.writeText`).
 *   When that changes (a co-author removed, the text locked or frozen, the draft unshared) the appeals' port
 *   `accessChanged` closes the connections concerned at once, and the client reconnects with what is left; every
 *   `recheckMs` the open connections' sessions and access are checked again (two queries for all of them), so
 *   signing out or a block ends them too.
 * - Persistence: the Y.Doc state goes to `appeal_drafts` after `debounceMs` of quiet, at least every
 *   `maxDebounceMs` while typing goes on — so a kill -9 loses at most the last `maxDebounceMs` (5 s) of typing, and a
 *   SIGTERM nothing (`close` stores every document first). A revision (appeals.revisions.ts) is recorded after
 *   `revisionPauseMs` without typing and when the last editor leaves.
 * - Several nodes: with REDIS_URL, @hocuspocus/extension-redis keeps the nodes' copies of a document in step. Typing
 *   relayed from another node comes without who typed it: each node records its own editors as contributors, and
 *   when another node already wrote the revision their typing is in, adds them to its credit (recordSessionRevision).
 * - Limits: `maxConnectionsPerDocument`, `maxMessageBytes` per message, `maxMessagesPerWindow` per connection, and
 *   `maxStateBytes` of document state; past one the connection closes and nothing of the message is applied. A
 *   message Yjs cannot decode closes the connection before it reaches the document. `maxSocketsPerAddress` and
 *   `maxSockets` (this node's) close a socket past them as soon as it is upgraded (4429 and 4503).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Redis as RedisExtension } from '@hocuspocus/extension-redis';
import { type Connection, type Document, Hocuspocus } from '@hocuspocus/server';
import { prosemirrorJSONToYXmlFragment, updateYFragment, yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap';
import { Redis as IORedis } from 'ioredis';
import * as decoding from 'lib0/decoding';
import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import { type AppContext, stateSlot } from '../../core/context.ts';
import type { AppealRevision } from '../../core/db/schema.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { clientNetwork, isLoopback } from '../../core/security/client-address.ts';
import { publicName } from '../accounts/accounts.rules.ts';
import { liveSessions } from '../accounts/accounts.service.ts';
import { documentNode, documentSchema, sanitizeDocument } from '../appeals/appeals.document.ts';
import type { DraftSessions } from '../appeals/appeals.ports.ts';
import { canWriteText, type DraftAccess, draftAccess, mayWriteText, recordSessionRevision, revisionDocument } from '../appeals/appeals.revisions.ts';
import { findAppealRow, latestRevision } from '../appeals/appeals.service.ts';
import { storeDraft, storedDraft } from './drafting.queries.ts';

/** The limits of co-editing (tests lower some for a while). */
export const collabLimits = {
  debounceMs: 1000,
  maxDebounceMs: 5000,
  revisionPauseMs: 30_000,
  recheckMs: 5000,
  maxConnectionsPerDocument: 100,
  maxMessageBytes: 256 * 1024,
  /** Messages (updates and awareness) one connection may send per `messageWindowMs`: typing fast sends ~20 a second. */
  maxMessagesPerWindow: 300,
  messageWindowMs: 5000,
  maxStateBytes: 2 * 1024 * 1024,
  /** Documents one socket may have open (a page opens one). */
  maxDocumentsPerSocket: 5,
  /**
   * Open sockets from one client: its IPv4 address or IPv6 /64 (core/security/client-address.ts) of the address the
   * rate limits see, behind `TRUST_PROXY` the forwarded one. Loopback counts only in `maxSockets`: it is a proxy the
   * app does not trust (everyone behind it would share the cap), a test or a benchmark.
   */
  maxSocketsPerAddress: 20,
  /** Open sockets on this node in all. */
  maxSockets: 2000,
  /** The longest a save may hold typing back, should its release never come. */
  holdMs: 15_000,
};

const field = 'default';

/** Caret colours, each with a contrast of at least 4.5:1 against white (the name label's letters). */
const caretColors = ['#1849a9', '#00703c', '#4c2c92', '#912b88', '#005a55', '#6b3d00', '#b1003e', '#3d4551'] as const;

interface ConnectionContext {
  actor: Actor | null;
  sessionId: string | null;
  appealId: number;
  /** The public name the others see beside this person's caret (never what the client says of itself). */
  name: string;
  /** Whether this connection writes (set on authentication): a reader's presence is nobody's business. */
  writer: boolean;
  /** The documents open on this socket, shared by its connections' contexts (a socket opens at most a few). */
  socketDocuments: Set<string>;
  /** Messages in the current window, for the rate limit. */
  window: { startedAt: number; messages: number };
  /**
   * The awareness client id this connection owns: the first it announced that nobody else in the document had. Only
   * its state passes; entries for other ids (someone else's caret) are dropped.
   */
  awarenessClient: number | null;
  /** The first client id of the awareness message being handled, as the client sent it. */
  announcedClient: number | null;
}

interface DocumentState {
  appealId: number;
  /** The revision the document was last recorded as (or loaded from). */
  revisionNumber: number;
  /** People whose typing is in the document but not yet in a revision. */
  contributors: Set<number>;
  changed: boolean;
  /** Counts changes, so a recording knows whether typing came in while it wrote. */
  version: number;
  /** Approximate size of the document's state: the loaded state plus every update applied since. */
  bytes: number;
  /** Until when typing is held back (a form save, a restore or the freezing of the text is under way). */
  heldUntil: number;
  pauseTimer: NodeJS.Timeout | null;
  /** One recording at a time per document. */
  recording: Promise<void>;
}

export interface Collaboration {
  hocuspocus: Hocuspocus<ConnectionContext>;
  sessions: DraftSessions;
  /** Takes a websocket the route upgraded. */
  accept(socket: WebSocket, request: { url: string; headers: IncomingHttpHeaders; address: string; actor: Actor | null; sessionId: string | null }): void;
  /** Open sockets, in all and per client (address or /64, loopback not counted). */
  openSockets(): { total: number; byAddress: ReadonlyMap<string, number> };
  /** Checks every open connection's session and access now, as every `recheckMs` (tests). */
  checkConnections(): Promise<void>;
  /** Stores every open document and records what is not yet a revision, then closes all connections (SIGTERM). */
  close(): Promise<void>;
}

const collaborationSlot = stateSlot<{ collaboration: Collaboration | null }>('drafting.collaboration', () => ({ collaboration: null }), {
  shared: true,
});

export function documentName(appealId: number): string {
  return `appeal.${appealId}`;
}

function appealIdOf(name: string): number | null {
  const match = /^appeal\.([1-9]\d{0,9})$/.exec(name);
  return match ? Number(match[1]) : null;
}

/** The collaboration of this app, made on first use. */
export function collaborationOf(ctx: AppContext): Collaboration {
  const slot = ctx.state.get(collaborationSlot);
  slot.collaboration ??= createCollaboration(ctx);
  return slot.collaboration;
}

/** Stores and closes this app's co-editing, if it ever started. */
export async function closeCollaboration(ctx: AppContext): Promise<void> {
  const slot = ctx.state.get(collaborationSlot);
  const running = slot.collaboration;
  slot.collaboration = null;
  await running?.close();
}

/** The appeals' ports: they reach the collaboration only if this app has one running. */
export const draftSessions: DraftSessions = {
  settle: (ctx, appealId) => collaborationOf(ctx).sessions.settle(ctx, appealId),
  revised: (ctx, appealId, revision) => collaborationOf(ctx).sessions.revised(ctx, appealId, revision),
  accessChanged: (ctx, appealId, userId) => collaborationOf(ctx).sessions.accessChanged(ctx, appealId, userId),
};

type MessageKind = { kind: 'update' } | { kind: 'awareness'; firstClient: number | null } | { kind: 'other' };

/**
 * What a message is, if Yjs can read it: `update` for a sync message that carries a document update (sync step 2 or
 * an update, in a Sync or a SyncReply message), `awareness` with the first client id it speaks for, `other` for the
 * rest; null when it does not decode.
 */
function messageKind(message: Uint8Array): MessageKind | null {
  try {
    const decoder = decoding.createDecoder(message);
    decoding.readVarString(decoder); // document name
    const type = decoding.readVarUint(decoder);
    if (type === 1) {
      // Awareness: entries of client id, clock and state (JSON).
      const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
      const entries = decoding.readVarUint(update);
      let firstClient: number | null = null;
      for (let i = 0; i < entries; i++) {
        const clientId = decoding.readVarUint(update);
        decoding.readVarUint(update);
        JSON.parse(decoding.readVarString(update));
        firstClient ??= clientId;
      }
      return { kind: 'awareness', firstClient };
    }
    // Sync (0) and SyncReply (4) take the same path into the document.
    if (type !== 0 && type !== 4) return { kind: 'other' };
    const step = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (step === 0) {
      Y.decodeStateVector(payload);
      return { kind: 'other' };
    }
    Y.decodeUpdate(payload);
    return { kind: 'update' };
  } catch {
    return null;
  }
}

function createCollaboration(ctx: AppContext): Collaboration {
  const documents = new Map<string, DocumentState>();

  const stateOf = (document: Document): DocumentState => {
    let state = documents.get(document.name);
    if (!state) {
      state = {
        appealId: appealIdOf(document.name) ?? 0,
        revisionNumber: 0,
        contributors: new Set(),
        changed: false,
        version: 0,
        bytes: 0,
        heldUntil: 0,
        pauseTimer: null,
        recording: Promise.resolve(),
      };
      documents.set(document.name, state);
    }
    return state;
  };

  const persist = async (document: Document, recorded: boolean, state: DocumentState = stateOf(document)) => {
    await storeDraft(ctx.db, state.appealId, {
      state: Y.encodeStateAsUpdate(document),
      revisionNumber: state.revisionNumber,
      contributorIds: [...state.contributors],
      recorded,
      now: ctx.now(),
    });
  };

  /**
   * Records the document as the draft's next revision if it changed (and is still a draft), and stores its state.
   * One recording at a time per document; a failed one does not stop the next. Typing that arrives while the
   * revision is written stays marked as waiting for the next one. The promise rejects when the recording failed
   * (settle passes that on, so nothing freezes a text without the last typing).
   */
  const record = (document: Document): Promise<void> => {
    const state = stateOf(document);
    if (state.pauseTimer) clearTimeout(state.pauseTimer);
    state.pauseTimer = null;
    const run = state.recording
      .catch(() => {})
      .then(async () => {
        if (!state.changed) return;
        const version = state.version;
        const contributors = [...state.contributors];
        let doc: ReturnType<typeof sanitizeDocument> = null;
        try {
          doc = sanitizeDocument({ type: 'doc', content: yXmlFragmentToProsemirrorJSON(document.getXmlFragment(field)).content });
        } catch {
          doc = null;
        }
        const recorded = doc
          ? await recordSessionRevision(ctx, state.appealId, { doc, contributorIds: contributors, sinceRevision: state.revisionNumber })
          : null;
        // Too short to be a text yet (or frozen meanwhile): the state is kept, the typing waits for the next revision.
        if (!recorded) {
          await persist(document, false, state);
          return;
        }
        state.revisionNumber = recorded.revision.number;
        if (state.version === version) {
          state.contributors.clear();
          state.changed = false;
        } else for (const id of contributors) state.contributors.delete(id);
        await persist(document, !state.changed, state);
      });
    state.recording = run;
    return run;
  };

  /** Records, and logs rather than rejects (the pause timer, the last editor leaving). */
  const recordQuietly = (document: Document): Promise<void> =>
    record(document).catch((error: unknown) => ctx.log.error({ err: error, document: document.name }, 'recording a co-edited revision failed'));

  const schedulePause = (document: Document) => {
    const state = stateOf(document);
    if (state.pauseTimer) clearTimeout(state.pauseTimer);
    state.pauseTimer = setTimeout(() => void recordQuietly(document), collabLimits.revisionPauseMs);
    state.pauseTimer.unref();
  };

  /** Whether this connection's person may still do what it was opened for, on what the check read. */
  const stillAllowed = (connection: Connection<ConnectionContext>, live: Set<string> | null, access: DraftAccess | undefined): boolean => {
    const { actor, sessionId } = connection.context;
    if (actor && sessionId && live && !live.has(sessionId)) return false;
    if (access?.appeal.status !== 'draft') return false;
    try {
      authorize(actor, 'appeal.view', access.appeal);
    } catch {
      return false;
    }
    const writes = mayWriteText(access, actor);
    return connection.readOnly ? !writes : writes;
  };

  /**
   * Closes the connections (of one draft, of one person, or all) whose person may no longer do what they were opened
   * for. Two queries however many connections are open: the sessions (when `checkSessions`) and the drafts with their
   * co-authors.
   */
  const recheck = async (appealId: number | null, userId: number | null, checkSessions: boolean) => {
    const connections: Connection<ConnectionContext>[] = [];
    for (const document of hocuspocus.documents.values()) {
      if (appealId !== null && document.name !== documentName(appealId)) continue;
      for (const connection of document.connections.keys()) {
        const context = connection.context as ConnectionContext;
        if (userId !== null && context.actor?.id !== userId) continue;
        connections.push(connection as Connection<ConnectionContext>);
      }
    }
    if (connections.length === 0) return;
    const [live, drafts] = await Promise.all([
      checkSessions
        ? liveSessions(
            ctx,
            connections.flatMap((c) => (c.context.sessionId ? [c.context.sessionId] : [])),
          )
        : null,
      draftAccess(
        ctx.db,
        connections.map((c) => c.context.appealId),
      ),
    ]);
    for (const connection of connections) {
      if (!stillAllowed(connection, live, drafts.get(connection.context.appealId))) connection.close({ code: 4403, reason: 'access changed' });
    }
  };

  // Several app nodes (REDIS_URL): the Redis extension relays every update and awareness change between the nodes
  // that have the document open, and lets one node at a time store it. Access changes made on another node reach
  // this node's connections through the periodic check (`recheckMs`).
  const redisUrl = ctx.config.redisUrl;
  const hocuspocus = new Hocuspocus<ConnectionContext>({
    name: 'democrator',
    extensions: redisUrl ? [new RedisExtension({ createClient: () => new IORedis(redisUrl, { maxRetriesPerRequest: null }) })] : [],
    quiet: true,
    debounce: collabLimits.debounceMs,
    maxDebounce: collabLimits.maxDebounceMs,
    // Documents stay in memory while anyone has them open; on the last disconnect the state is stored first.
    unloadImmediately: false,
    // What a socket may buffer before it is authenticated (Hocuspocus' default is 5 MiB).
    maxUnauthenticatedQueueSize: 256 * 1024,

    async onConnect({ documentName: name, instance, context }) {
      if (appealIdOf(name) === null) throw new Error('unknown document');
      if (!context.socketDocuments.has(name) && context.socketDocuments.size >= collabLimits.maxDocumentsPerSocket) throw new Error('too many documents');
      context.socketDocuments.add(name);
      const open = instance.documents.get(name);
      if (open && open.getConnectionsCount() >= collabLimits.maxConnectionsPerDocument) throw new Error('too many connections');
    },

    async onAuthenticate({ documentName: name, context, connectionConfig }) {
      const appealId = appealIdOf(name);
      const appeal = appealId === null ? null : await findAppealRow(ctx.db, appealId);
      if (!appeal || appealId === null) throw new Error('not found');
      authorize(context.actor, 'appeal.view', appeal);
      // Only a draft is edited live; a frozen text is the appeal page's (nothing the signers did not sign is served here).
      if (appeal.status !== 'draft') throw new Error('not a draft');
      connectionConfig.readOnly = !(await canWriteText(ctx.db, appeal, context.actor));
      context.appealId = appealId;
      context.writer = !connectionConfig.readOnly;
      return context;
    },

    async onLoadDocument({ document, documentName: name }) {
      return loadDocument(document, name);
    },
    async beforeHandleMessage({ update, connection, document }) {
      const context = connection.context as ConnectionContext;
      const state = stateOf(document);
      const now = Date.now();
      if (now - context.window.startedAt > collabLimits.messageWindowMs) context.window = { startedAt: now, messages: 0 };
      context.window.messages += 1;
      // Past a limit, or a message Yjs cannot read: the whole socket goes (not only this document's connection), before
      // anything of the message reaches the document.
      const refuse = (code: number, reason: string) => {
        connection.webSocket.close(code, reason);
        throw new Error(reason);
      };
      if (context.window.messages > collabLimits.maxMessagesPerWindow) refuse(4429, 'too many messages');
      if (update.byteLength > collabLimits.maxMessageBytes) refuse(4413, 'message too large');
      const kind = messageKind(update);
      if (kind === null) return refuse(4400, 'malformed message');
      if (kind.kind === 'awareness') context.announcedClient = kind.firstClient;
      if (kind.kind === 'update' && !connection.readOnly) {
        // A save is under way: the provider keeps this typing unacknowledged and sends it again when it reconnects,
        // on top of the saved text, rather than the save replacing it.
        if (state.heldUntil > now) refuse(4409, 'saving');
        // The size limit before the update is applied, never after.
        if (state.bytes + update.byteLength > collabLimits.maxStateBytes) refuse(4413, 'document too large');
        state.bytes += update.byteLength;
      }
    },

    // Who is who beside the carets is the server's to say: the public name of the session's person and a colour of
    // his own (dark enough for white letters), whatever the client sent; and a connection speaks only for its own
    // client id, so nobody moves another's caret or puts a name beside it.
    async beforeHandleAwareness({ states, context, awareness }) {
      // Not from a connection of this node: another node's (Redis), which did all this for its own connections.
      if (!context) return;
      const announced = context.announcedClient;
      context.announcedClient = null;
      // Readers are not announced: who reads a draft is nobody's business.
      if (!context.writer) {
        states.clear();
        return;
      }
      // The first id a connection announces is its own, unless somebody in the document has it already (a client
      // claiming another's id): then nothing passes until it announces one that is free.
      if (context.awarenessClient === null && announced !== null && !awareness.getStates().has(announced)) context.awarenessClient = announced;
      for (const clientId of [...states.keys()]) if (clientId !== context.awarenessClient) states.delete(clientId);
      const id = context.actor?.id ?? 0;
      for (const state of states.values()) state.user = { name: context.name, color: caretColors[id % caretColors.length] };
    },

    async onChange({ document, context, transactionOrigin, update }) {
      const state = stateOf(document);
      // Changes the server made itself (a form save taken in, a restore) are revisions already; its size is counted anew.
      if ((transactionOrigin as { source?: string } | null)?.source === 'local') {
        state.bytes = Y.encodeStateAsUpdate(document).byteLength;
        return;
      }
      state.changed = true;
      state.version += 1;
      if (context.actor) state.contributors.add(context.actor.id);
      schedulePause(document);
    },

    async onStoreDocument({ document }) {
      await persist(document, !stateOf(document).changed);
    },

    async onDisconnect({ document, clientsCount }) {
      if (clientsCount === 0) await recordQuietly(document);
    },

    async afterUnloadDocument({ documentName: name }) {
      const state = documents.get(name);
      if (state?.pauseTimer) clearTimeout(state.pauseTimer);
      documents.delete(name);
    },
  });

  /**
   * The document of a draft: its stored state, or its latest revision when it never was co-edited. A revision saved
   * outside the session while it was not loaded (a crash between the two): the typing waiting in the state becomes
   * a revision of its own first, then the document takes the newer revision.
   */
  async function loadDocument(document: Document, name: string) {
    const state = stateOf(document);
    const appealId = appealIdOf(name) as number;
    const [stored, latest] = await Promise.all([storedDraft(ctx.db, appealId), latestRevision(ctx.db, appealId)]);
    if (stored) {
      Y.applyUpdate(document, stored.state);
      state.revisionNumber = stored.revisionNumber;
      for (const id of stored.contributorIds) state.contributors.add(id);
      state.changed = stored.changedSinceRevision;
    } else {
      prosemirrorJSONToYXmlFragment(documentSchema, revisionDocument(latest), document.getXmlFragment(field));
      state.revisionNumber = latest.number;
    }
    state.bytes = Y.encodeStateAsUpdate(document).byteLength;
    if (latest.number > state.revisionNumber) {
      if (state.changed) await record(document);
      if (latest.number > state.revisionNumber) takeRevision(document, latest);
    }
    return document;
  }

  /** Replaces the document's content by a revision's, as a Yjs change (editors keep their place where they can). */
  function takeRevision(document: Document, revision: AppealRevision) {
    const node = documentNode(revisionDocument(revision));
    document.transact(
      () => {
        updateYFragment(document, document.getXmlFragment(field), node, { mapping: new Map(), isOMark: new Map() });
      },
      { source: 'local', skipStoreHooks: false },
    );
    const state = stateOf(document);
    state.revisionNumber = revision.number;
    state.changed = false;
    state.contributors.clear();
  }

  let rechecking: Promise<void> | null = null;
  /** The periodic check of every open connection (a slow one is not overlapped by the next). */
  const checkConnections = (): Promise<void> => {
    rechecking ??= recheck(null, null, true)
      .catch((error: unknown) => ctx.log.warn({ err: error }, 'co-editing access check failed'))
      .finally(() => {
        rechecking = null;
      });
    return rechecking;
  };
  const recheckTimer = setInterval(() => void checkConnections(), collabLimits.recheckMs);
  recheckTimer.unref();

  const sessions: DraftSessions = {
    async settle(_ctx, appealId) {
      const document = hocuspocus.documents.get(documentName(appealId));
      if (document) {
        const state = stateOf(document);
        state.heldUntil = Date.now() + collabLimits.holdMs;
        try {
          await record(document);
        } catch (error) {
          // The caller fails and never releases: typing comes in again now.
          state.heldUntil = 0;
          throw error;
        }
      } else {
        // Not open here: typing stored by a session that ended before its revision (a crash) is recorded now.
        const stored = await storedDraft(ctx.db, appealId);
        if (stored?.changedSinceRevision) {
          const connection = await hocuspocus.openDirectConnection(documentName(appealId), {
            actor: null,
            sessionId: null,
            appealId,
            name: '',
            writer: false,
            socketDocuments: new Set(),
            window: { startedAt: 0, messages: 0 },
            awarenessClient: null,
            announcedClient: null,
          });
          if (connection.document) await record(connection.document);
          await connection.disconnect();
        }
      }
    },
    async revised(_ctx, appealId, revision) {
      const loaded = hocuspocus.documents.get(documentName(appealId));
      // Nobody edits here now: the stored state (if any) takes the revision when it is next opened (onLoadDocument).
      if (!loaded) return;
      const state = stateOf(loaded);
      try {
        if (revision) {
          takeRevision(loaded, revision);
          await persist(loaded, true, state);
        }
      } finally {
        state.heldUntil = 0;
      }
    },
    async accessChanged(_ctx, appealId, userId) {
      await recheck(appealId, userId, false);
    },
  };

  let openSockets = 0;
  const socketsByAddress = new Map<string, number>();

  const accept: Collaboration['accept'] = (socket, request) => {
    // Gone already (its close event has fired): nothing to count or serve.
    if (socket.readyState === socket.CLOSED) return;
    const network = clientNetwork(request.address);
    const capped = !isLoopback(network);
    const fromAddress = capped ? (socketsByAddress.get(network) ?? 0) : 0;
    if (capped && fromAddress >= collabLimits.maxSocketsPerAddress) return socket.close(4429, 'too many connections from this address');
    if (openSockets >= collabLimits.maxSockets) return socket.close(4503, 'too many connections');
    openSockets += 1;
    if (capped) socketsByAddress.set(network, fromAddress + 1);
    // A socket's close event comes once, however it ends (closed by either side, terminated, errored).
    socket.once('close', () => {
      openSockets -= 1;
      if (!capped) return;
      const left = (socketsByAddress.get(network) ?? 1) - 1;
      if (left > 0) socketsByAddress.set(network, left);
      else socketsByAddress.delete(network);
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) headers.set(name, value.join(', '));
    }
    const webRequest = new Request(`http://${headers.get('host') ?? 'localhost'}${request.url}`, { headers });
    const connection = hocuspocus.handleConnection(socket, webRequest, {
      actor: request.actor,
      sessionId: request.sessionId,
      appealId: 0,
      name: request.actor?.person ? publicName(request.actor.person.firstName, request.actor.person.surname) : '',
      writer: false,
      socketDocuments: new Set(),
      window: { startedAt: Date.now(), messages: 0 },
      awarenessClient: null,
      announcedClient: null,
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return socket.close(4400, 'binary messages only');
      connection.handleMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    socket.on('close', (code: number, reason: Buffer) => connection.handleClose({ code, reason: reason.toString() }));
    socket.on('error', () => socket.terminate());
  };

  return {
    hocuspocus,
    sessions,
    accept,
    openSockets: () => ({ total: openSockets, byAddress: socketsByAddress }),
    checkConnections,
    async close() {
      clearInterval(recheckTimer);
      for (const document of [...hocuspocus.documents.values()]) {
        await recordQuietly(document);
        await persist(document, !stateOf(document).changed).catch((error: unknown) =>
          ctx.log.error({ err: error }, 'storing a co-edited draft at shutdown failed'),
        );
      }
      hocuspocus.closeConnections();
    },
  };
}
