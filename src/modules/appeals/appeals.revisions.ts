/**
 * A draft's text and the people who write it (none of it is a state change of the appeal, so none of it goes on the
 * public timeline: the history page lists the revisions, the audit log the author's decisions): revisions in rich text (each with its plain text, HTML and
 * contributors), the save from the form without JavaScript that merges over newer revisions instead of overwriting
 * them, co-authors (join, leave, removal by the author), sharing and locking, restoring an old revision, and the
 * history with word-level differences. The live co-editing session is the drafting module's; it records its
 * revisions through `recordRevision` and hears of every other change through the appeals' ports.
 */
import { sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, AppealRevision } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { type Actor, authorize, can, refusal } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { publicNamesOf } from '../accounts/accounts.service.ts';
import {
  documentToHtml,
  documentToMarkdown,
  documentToText,
  markdownToDocument,
  type RichDocument,
  sanitizeDocument,
  textToDocument,
} from './appeals.document.ts';
import type { DraftTextSubject } from './appeals.policy.ts';
import { type MergeRegion, mergeTexts, type WordChange, wordDiff } from './appeals.revisions.rules.ts';
import { normalizeAppealText } from './appeals.rules.ts';
import { getAppealRow, latestRevision } from './appeals.service.ts';

/** The longest text a draft may have, in characters (the letter's plain text). */
export const maxTextCharacters = 50_000;

/** A revision's columns made from a sanitized document: the plain text the letter prints, the HTML the pages show. */
export function revisionContent(doc: RichDocument): { text: string; html: string; doc: string } {
  return { text: normalizeAppealText(documentToText(doc)), html: documentToHtml(doc), doc: JSON.stringify(doc) };
}

/** The document of a revision: as written, or made from its plain text for a revision written before rich text. */
export function revisionDocument(revision: Pick<AppealRevision, 'doc' | 'text'>): RichDocument {
  return (revision.doc ? sanitizeDocument(revision.doc) : null) ?? textToDocument(revision.text);
}

/** The Markdown a person edits without JavaScript. */
export function revisionMarkdown(revision: Pick<AppealRevision, 'doc' | 'text'>): string {
  return documentToMarkdown(revisionDocument(revision));
}

/** The checks of a draft's text; `field` names it in the form. */
export function checkText(checks: FieldChecks, text: string, field = 'text'): void {
  if (!text) checks.add(field, 'required');
  else if (characterCount(text) < 50) checks.add(field, 'tooShort', { limit: 50 });
  else if (characterCount(text) > maxTextCharacters) checks.add(field, 'tooLong', { limit: maxTextCharacters });
}

/**
 * Records the document as the draft's next revision in the caller's transaction (the appeal row locked by it), or
 * returns the latest revision unchanged when the text and its form are the same. `null` when the document is not
 * one a draft may have (too long, or empty): the caller refuses it.
 */
export async function recordRevision(
  trx: Executor,
  appealId: number,
  input: { doc: RichDocument; authorId: number | null; contributorIds: readonly number[]; restoredFrom?: number | null; now: Date },
): Promise<{ revision: AppealRevision; created: boolean } | null> {
  const content = revisionContent(input.doc);
  const checks = new FieldChecks();
  checkText(checks, content.text);
  if (checks.has('text')) return null;
  const latest = await latestRevision(trx, appealId);
  if (latest.text === content.text && (latest.html ?? null) === content.html && !input.restoredFrom) return { revision: latest, created: false };
  const revision = await trx
    .insertInto('appeal_revisions')
    .values({
      appeal_id: appealId,
      number: latest.number + 1,
      text: content.text,
      html: content.html,
      doc: content.doc,
      author_id: input.authorId,
      contributor_ids: [...new Set(input.contributorIds)],
      restored_from: input.restoredFrom ?? null,
      created_at: input.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx.updateTable('appeals').set({ updated_at: input.now }).where('id', '=', appealId).execute();
  return { revision, created: true };
}

/**
 * Records what a co-editing session typed as the draft's next revision, under the appeal's lock (opening for
 * signatures takes it while it freezes the latest revision), and only while the appeal is a draft; null when it is
 * no longer one or the text is not one a draft may have yet (too short): the session keeps the typing waiting.
 *
 * Several app nodes each record what their own editors typed, and each has the others' typing too (relayed without
 * who typed it): when the text is already the latest revision's and that revision is newer than `sinceRevision` (the
 * one this session last recorded or loaded), another node wrote it with this session's typing in it, and this
 * session's contributors are added to its credit.
 */
export async function recordSessionRevision(
  ctx: AppContext,
  appealId: number,
  input: { doc: RichDocument; contributorIds: readonly number[]; sinceRevision: number },
): Promise<{ revision: AppealRevision; created: boolean } | null> {
  return ctx.db.transaction().execute(async (trx) => {
    const appeal = await trx.selectFrom('appeals').select(['status', 'problem_id']).where('id', '=', appealId).forUpdate().executeTakeFirst();
    if (appeal?.status !== 'draft') return null;
    const authorId = input.contributorIds[0] ?? null;
    const written = await recordRevision(trx, appealId, { doc: input.doc, authorId, contributorIds: input.contributorIds, now: ctx.now() });
    if (!written || written.created || written.revision.number <= input.sinceRevision) return written;
    const credited = new Set(written.revision.contributor_ids);
    if (input.contributorIds.every((id) => credited.has(id))) return written;
    const revision = await trx
      .updateTable('appeal_revisions')
      .set({
        contributor_ids: [...new Set([...written.revision.contributor_ids, ...input.contributorIds])],
        author_id: written.revision.author_id ?? authorId,
      })
      .where('id', '=', written.revision.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { revision, created: false };
  });
}

/** The appeal as the text policies see it for this person: whether he co-writes it now. */
export async function draftSubject(executor: Executor, appeal: Appeal, actor: Actor | null): Promise<DraftTextSubject> {
  const coauthor =
    actor !== null &&
    (await executor
      .selectFrom('appeal_coauthors')
      .select('user_id')
      .where('appeal_id', '=', appeal.id)
      .where('user_id', '=', actor.id)
      .where('removed_at', 'is', null)
      .executeTakeFirst()) !== undefined;
  return { ...appeal, coauthor };
}

export type SaveTextOutcome =
  | { kind: 'saved'; revision: AppealRevision; merged: boolean }
  /** Both sides changed the same passage: nothing was saved; the page shows both versions to resolve. */
  | { kind: 'conflict'; latest: AppealRevision; mine: string; regions: MergeRegion[] };

/**
 * Writes a text made from revision `baseRevision` as the next revision, in the caller's transaction (which holds the
 * appeal's lock). Over a newer revision the two are merged by paragraphs: changes to different paragraphs both
 * stay; two different changes of one paragraph are a conflict, and nothing is written — never a silent overwrite.
 */
export async function writeText(
  trx: Executor,
  input: { appealId: number; doc: RichDocument; baseRevision: number; actorId: number; now: Date },
): Promise<SaveTextOutcome> {
  const latest = await latestRevision(trx, input.appealId);
  let doc = input.doc;
  let merged = false;
  if (latest.number !== input.baseRevision) {
    const base = await trx
      .selectFrom('appeal_revisions')
      .selectAll()
      .where('appeal_id', '=', input.appealId)
      .where('number', '=', input.baseRevision)
      .executeTakeFirst();
    if (!base) throw new DomainError('stale_revision', { latest: latest.number });
    const mine = documentToMarkdown(input.doc);
    const result = mergeTexts(revisionMarkdown(base), mine, revisionMarkdown(latest));
    if (result.kind === 'conflict') return { kind: 'conflict', latest, mine, regions: result.regions };
    doc = markdownToDocument(result.text);
    merged = true;
  }
  const recorded = await recordRevision(trx, input.appealId, { doc, authorId: input.actorId, contributorIds: [input.actorId], now: input.now });
  if (!recorded) throw new DomainError('validation_failed');
  return { kind: 'saved', revision: recorded.revision, merged };
}

/**
 * Saves a draft's text written (as Markdown) from revision `baseRevision` by its author or a co-author (writeText
 * merges). The live editing session is settled first (its last typing becomes a revision) and takes the saved text
 * afterwards.
 */
export async function saveDraftText(
  ctx: AppContext,
  asker: Actor | null,
  appealId: number,
  input: { markdown: string; baseRevision: number },
): Promise<SaveTextOutcome> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.writeText', await draftSubject(ctx.db, appeal, asker));
  const doc = markdownToDocument(input.markdown);
  const checks = new FieldChecks();
  checkText(checks, normalizeAppealText(documentToText(doc)));
  checks.throwIfAny();
  await ctx.ports.appeals.drafts.settle(ctx, appealId);
  let saved: AppealRevision | null = null;
  try {
    const outcome = await ctx.db.transaction().execute(async (trx) => {
      const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
      authorize(actor, 'appeal.writeText', await draftSubject(trx, locked, actor));
      return writeText(trx, { appealId, doc, baseRevision: input.baseRevision, actorId: actor.id, now: ctx.now() });
    });
    if (outcome.kind === 'saved') saved = outcome.revision;
    return outcome;
  } finally {
    await ctx.ports.appeals.drafts.revised(ctx, appealId, saved);
  }
}

/** Makes an old revision the draft's newest again, as a new revision that says which one it restored (the author). */
export async function restoreRevision(ctx: AppContext, asker: Actor | null, appealId: number, number: number): Promise<AppealRevision> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.leadDraft', appeal);
  await ctx.ports.appeals.drafts.settle(ctx, appealId);
  let revision: AppealRevision | null = null;
  try {
    revision = await ctx.db.transaction().execute(async (trx) => {
      const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
      authorize(actor, 'appeal.leadDraft', locked);
      const old = await trx.selectFrom('appeal_revisions').selectAll().where('appeal_id', '=', appealId).where('number', '=', number).executeTakeFirst();
      if (!old) throw new DomainError('not_found');
      const recorded = await recordRevision(trx, appealId, {
        doc: revisionDocument(old),
        authorId: actor.id,
        contributorIds: [actor.id],
        restoredFrom: number,
        now: ctx.now(),
      });
      if (!recorded) throw new DomainError('validation_failed');
      return recorded.revision;
    });
    return revision;
  } finally {
    await ctx.ports.appeals.drafts.revised(ctx, appealId, revision);
  }
}

/** Shares the draft for co-writing (anyone may read it; verified citizens may join) or makes it the author's alone again. */
export async function setDraftShared(ctx: AppContext, asker: Actor | null, appealId: number, shared: boolean): Promise<Appeal> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.leadDraft', appeal);
  const updated = await ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    authorize(actor, 'appeal.leadDraft', locked);
    if ((locked.shared_at !== null) === shared) return locked;
    const row = await trx
      .updateTable('appeals')
      .set({ shared_at: shared ? ctx.now() : null })
      .where('id', '=', appealId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, { actorId: actor.id, action: shared ? 'appeal.share_draft' : 'appeal.unshare_draft', subjectType: 'appeal', subjectId: appealId });
    return row;
  });
  // Unsharing leaves the author alone: whoever else has the draft open loses it now.
  if (!shared) await ctx.ports.appeals.drafts.accessChanged(ctx, appealId, null);
  return updated;
}

/** Locks the draft's text against the co-authors (they keep reading it) or unlocks it. */
export async function setTextLocked(ctx: AppContext, asker: Actor | null, appealId: number, locked: boolean): Promise<Appeal> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.leadDraft', appeal);
  const updated = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    authorize(actor, 'appeal.leadDraft', row);
    if ((row.text_locked_at !== null) === locked) return row;
    const changed = await trx
      .updateTable('appeals')
      .set({ text_locked_at: locked ? ctx.now() : null })
      .where('id', '=', appealId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, { actorId: actor.id, action: locked ? 'appeal.lock_text' : 'appeal.unlock_text', subjectType: 'appeal', subjectId: appealId });
    return changed;
  });
  if (locked) await ctx.ports.appeals.drafts.accessChanged(ctx, appealId, null);
  return updated;
}

/** Joins a shared draft as a co-author; someone who left may join again, someone the author removed may not. */
export async function joinDraft(ctx: AppContext, asker: Actor | null, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.joinDraft', await draftSubject(ctx.db, appeal, asker));
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    authorize(actor, 'appeal.joinDraft', await draftSubject(trx, row, actor));
    const before = await trx
      .selectFrom('appeal_coauthors')
      .select(['removed_by'])
      .where('appeal_id', '=', appealId)
      .where('user_id', '=', actor.id)
      .executeTakeFirst();
    // Whom the author removed does not come back by himself; someone who left may.
    if (before && before.removed_by !== null && before.removed_by !== actor.id) throw new DomainError('forbidden');
    await trx
      .insertInto('appeal_coauthors')
      .values({ appeal_id: appealId, user_id: actor.id, joined_at: ctx.now() })
      .onConflict((oc) => oc.columns(['appeal_id', 'user_id']).doUpdateSet({ joined_at: ctx.now(), removed_at: null, removed_by: null }))
      .execute();
  });
  await ctx.ports.appeals.drafts.accessChanged(ctx, appealId, actor.id);
}

/** A co-author leaves, or the author removes one: from now on that person only reads, and his open editor closes. */
export async function removeCoauthor(ctx: AppContext, asker: Actor | null, appealId: number, userId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  const self = asker !== null && asker.id === userId;
  const actor = self ? authorize(asker, 'appeal.leaveDraft', await draftSubject(ctx.db, appeal, asker)) : authorize(asker, 'appeal.leadDraft', appeal);
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    if (!self) authorize(actor, 'appeal.leadDraft', row);
    const removed = await trx
      .updateTable('appeal_coauthors')
      .set({ removed_at: ctx.now(), removed_by: actor.id })
      .where('appeal_id', '=', appealId)
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .returning('user_id')
      .executeTakeFirst();
    if (!removed) throw new DomainError('not_coauthor');
    if (!self) await audit(trx, { actorId: actor.id, action: 'appeal.remove_coauthor', subjectType: 'appeal', subjectId: appealId, details: { userId } });
  });
  await ctx.ports.appeals.drafts.accessChanged(ctx, appealId, userId);
}

export interface Coauthor {
  userId: number;
  name: string;
  joinedAt: Date;
}

/** The draft's co-authors now, by when they joined, with their public names. */
export async function coauthorsOf(executor: Executor, appealId: number): Promise<Coauthor[]> {
  const rows = await executor
    .selectFrom('appeal_coauthors')
    .select(['user_id', 'joined_at'])
    .where('appeal_id', '=', appealId)
    .where('removed_at', 'is', null)
    .orderBy('joined_at')
    .execute();
  const names = await publicNamesOf(
    executor,
    rows.map((row) => row.user_id),
  );
  return rows.map((row) => ({ userId: row.user_id, name: names.get(row.user_id) ?? '—', joinedAt: row.joined_at }));
}

/** Whether this person may write the draft's text now (the author, or a co-author while unlocked). */
export async function canWriteText(executor: Executor, appeal: Appeal, actor: Actor | null): Promise<boolean> {
  if (!actor) return false;
  return can(actor, 'appeal.writeText', await draftSubject(executor, appeal, actor));
}

/** An appeal's row with who co-writes it now: whatever the text policies ask of it for anyone. */
export interface DraftAccess {
  appeal: Appeal;
  coauthorIds: ReadonlySet<number>;
}

/**
 * The rows of these appeals with their current co-authors, in one query (the live editor's periodic check of all
 * its connections); an appeal that does not exist is missing from the map.
 */
export async function draftAccess(executor: Executor, appealIds: readonly number[]): Promise<Map<number, DraftAccess>> {
  const ids = [...new Set(appealIds)];
  if (ids.length === 0) return new Map();
  const rows = await executor
    .selectFrom('appeals')
    .selectAll('appeals')
    .select(
      sql<number[]>`coalesce((select array_agg(c.user_id) from appeal_coauthors c where c.appeal_id = appeals.id and c.removed_at is null), '{}')`.as(
        'coauthor_ids',
      ),
    )
    .where('appeals.id', '=', sql<number>`any(${ids}::int[])`)
    .execute();
  return new Map(rows.map(({ coauthor_ids, ...appeal }) => [appeal.id, { appeal, coauthorIds: new Set(coauthor_ids) }]));
}

/** canWriteText on what draftAccess read. */
export function mayWriteText(access: DraftAccess, actor: Actor | null): boolean {
  if (!actor) return false;
  return can(actor, 'appeal.writeText', { ...access.appeal, coauthor: access.coauthorIds.has(actor.id) });
}

export interface RevisionEntry {
  number: number;
  createdAt: Date;
  /** Public names of who wrote it. */
  contributors: string[];
  restoredFrom: number | null;
  characters: number;
}

/** The draft's revisions, newest first, with who wrote each (the history page). */
export async function revisionHistory(ctx: AppContext, asker: Actor | null, appealId: number): Promise<{ appeal: Appeal; revisions: RevisionEntry[] }> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(asker, 'appeal.view', appeal);
  const rows = await ctx.db
    .selectFrom('appeal_revisions')
    .select(['number', 'created_at', 'author_id', 'contributor_ids', 'restored_from', sql<number>`char_length(text)`.as('characters')])
    .where('appeal_id', '=', appealId)
    .orderBy('number', 'desc')
    .limit(500)
    .execute();
  const ids = rows.flatMap((row) => (row.contributor_ids.length > 0 ? row.contributor_ids : row.author_id !== null ? [row.author_id] : []));
  const names = await publicNamesOf(ctx.db, ids);
  return {
    appeal,
    revisions: rows.map((row) => ({
      number: row.number,
      createdAt: row.created_at,
      contributors: [...new Set(row.contributor_ids.length > 0 ? row.contributor_ids : row.author_id !== null ? [row.author_id] : [])]
        .map((id) => names.get(id))
        .filter((name): name is string => name !== undefined),
      restoredFrom: row.restored_from,
      characters: Number(row.characters),
    })),
  };
}

/** Two revisions of an appeal and the words that changed from the first to the second. */
export async function compareRevisions(
  ctx: AppContext,
  asker: Actor | null,
  appealId: number,
  from: number,
  to: number,
): Promise<{ appeal: Appeal; from: AppealRevision; to: AppealRevision; changes: WordChange[] }> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(asker, 'appeal.view', appeal);
  const rows = await ctx.db.selectFrom('appeal_revisions').selectAll().where('appeal_id', '=', appealId).where('number', 'in', [from, to]).execute();
  const before = rows.find((row) => row.number === from);
  const after = rows.find((row) => row.number === to);
  if (!before || !after) throw new DomainError('not_found');
  return { appeal, from: before, to: after, changes: wordDiff(before.text, after.text) };
}

/** What the co-writing page shows of a draft to this person, and what he may do there. */
export interface DraftView {
  appeal: Appeal;
  latest: AppealRevision;
  markdown: string;
  html: string;
  coauthors: Coauthor[];
  isAuthor: boolean;
  isCoauthor: boolean;
  canWrite: boolean;
  /** Null when he may join; else why not (the page hides the button or says why). */
  joinRefusal: string | null;
}

export async function draftView(ctx: AppContext, asker: Actor | null, appealId: number): Promise<DraftView> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(asker, 'appeal.view', appeal);
  const [latest, coauthors, subject] = await Promise.all([
    latestRevision(ctx.db, appealId),
    coauthorsOf(ctx.db, appealId),
    draftSubject(ctx.db, appeal, asker),
  ]);
  const document = revisionDocument(latest);
  return {
    appeal,
    latest,
    markdown: documentToMarkdown(document),
    html: documentToHtml(document),
    coauthors,
    isAuthor: asker !== null && appeal.author_id === asker.id,
    isCoauthor: subject.coauthor,
    canWrite: can(asker, 'appeal.writeText', subject),
    joinRefusal: refusal(asker, 'appeal.joinDraft', subject),
  };
}

/** The Markdown of a revision for the side-by-side view of a conflict. */
export async function revisionMarkdownOf(ctx: AppContext, asker: Actor | null, appealId: number, number: number): Promise<string> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(asker, 'appeal.view', appeal);
  const revision = await ctx.db.selectFrom('appeal_revisions').selectAll().where('appeal_id', '=', appealId).where('number', '=', number).executeTakeFirst();
  if (!revision) throw new DomainError('not_found');
  return revisionMarkdown(revision);
}
