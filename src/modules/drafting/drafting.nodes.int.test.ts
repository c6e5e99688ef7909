/**
 * Two app nodes on one database and the local Redis (REDIS_URL): an editor on each node types into the same draft,
 * both see one text, and what is stored is that one text. Skipped, saying so, when no Redis answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { collabClient } from '../../../test/support/collab.ts';
import { actorOf, createAppeal, sessionCookieFor, verifiedCitizen } from '../../../test/support/factories.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { User } from '../../core/db/schema.ts';
import { draftView, joinDraft, setDraftShared } from '../appeals/appeals.revisions.ts';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let redisUp = false;
let one: TestApp;
let other: TestApp;
const urls: string[] = [];

beforeAll(async () => {
  const { Redis } = await import('ioredis');
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  redisUp = await probe
    .connect()
    .then(() => probe.ping())
    .then(() => true)
    .catch(() => false);
  probe.disconnect();
  if (!redisUp) {
    console.warn(`skipped: no Redis at ${redisUrl}`);
    return;
  }
  one = await createTestApp({ REDIS_URL: redisUrl });
  other = await createTestApp({ REDIS_URL: redisUrl, ROLE: 'web' }, { nodeOf: one });
  for (const node of [one, other]) urls.push(await node.app.listen({ port: 0, host: '127.0.0.1' }));
});
afterAll(async () => {
  await other?.stop();
  await one?.stop();
});

async function editor(url: string, appealId: number, user: User) {
  return collabClient(url, appealId, await sessionCookieFor(one.ctx, user));
}

const until = (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) => waitFor(async () => ((await condition()) ? true : undefined), timeoutMs);
const para = (words: string) => `${words}: этот абзац нужен, чтобы текст был длиннее пятидесяти знаков.`;

describe('co-editing on two nodes', () => {
  it('keeps editors on different nodes in step and stores one text', async () => {
    if (!redisUp) return;
    const { appeal, author } = await createAppeal(one.ctx);
    await setDraftShared(one.ctx, actorOf(author), appeal.id, true);
    const coauthor = await verifiedCitizen(one.ctx);
    await joinDraft(one.ctx, actorOf(coauthor), appeal.id);
    const first = await editor(urls[0] as string, appeal.id, author);
    const second = await editor(urls[1] as string, appeal.id, coauthor);
    await until(() => first.provider.isSynced && second.provider.isSynced);
    // A caret from the other node keeps the name its node gave it.
    first.provider.setAwarenessField('cursor', 'here');
    const seen = () => second.provider.awareness?.getStates().get(first.document.clientID);
    await until(() => seen()?.cursor === 'here');
    expect(seen()?.user?.name).toBe(`${author.first_name} ${author.surname.slice(0, 1)}.`);
    first.typeParagraph(para('С первого узла'));
    second.typeParagraph(para('Со второго узла'));
    await until(() => first.text() === second.text() && first.text().includes('Со второго узла') && second.text().includes('С первого узла'));
    first.destroy();
    second.destroy();
    // Both nodes stored and recorded on the last editor leaving: one revision with both paragraphs, no second one.
    await until(async () => (await draftView(one.ctx, actorOf(author), appeal.id)).latest.text.includes('Со второго узла'), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { latest } = await draftView(one.ctx, actorOf(author), appeal.id);
    expect(latest.text).toContain('С первого узла');
    expect(latest.number).toBe(2);
    // Each editor typed on his own node; the revision credits both, whichever node wrote it.
    expect([...latest.contributor_ids].sort()).toEqual([author.id, coauthor.id].sort());
    const stored = await one.ctx.db.selectFrom('appeal_drafts').select('state').where('appeal_id', '=', appeal.id).executeTakeFirstOrThrow();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, new Uint8Array(stored.state));
    expect(doc.getXmlFragment('default').toString()).toBe(first.text());
  });
});
