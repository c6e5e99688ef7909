/**
 * Photos attached to a problem form before it is published (migration 0010). Without JavaScript a
 * form that comes back — the similar-problems step, an error in another field — cannot keep its file
 * input, so every checked photo is kept here at once, tied to its uploader for a day, and the form
 * carries only its id. Publishing or saving moves the photos to the problem and forgets them here.
 * Nobody but the uploader can see or use one: every read is by id and uploader.
 */
import type { AppContext } from '../../core/context.ts';
import { isRowId } from '../../core/db/row-id.ts';
import { DomainError } from '../../core/errors.ts';
import type { PhotoContentType, ProcessedPhoto } from '../../core/images/photos.ts';
import type { Actor } from '../../core/policy.ts';
import { photoColumns } from './problems.service.ts';

/** How long an attached photo waits for its form. */
export const pendingPhotoLifetimeMs = 24 * 3600_000;
/** At most this many wait per person: a form takes a handful; the oldest go first. */
const maxPendingPerUser = 30;

/** Keeps checked photos for the uploader's form; returns their ids in order. */
export async function keepPendingPhotos(ctx: AppContext, actor: Actor, photos: ProcessedPhoto[]): Promise<number[]> {
  if (photos.length === 0) return [];
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    await trx
      .deleteFrom('pending_photos')
      .where('user_id', '=', actor.id)
      .where('created_at', '<', new Date(now.getTime() - pendingPhotoLifetimeMs))
      .execute();
    const ids: number[] = [];
    for (const photo of photos) {
      const row = await trx
        .insertInto('pending_photos')
        .values({ user_id: actor.id, ...photoColumns(photo), created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    const overflow = await trx
      .selectFrom('pending_photos')
      .select('id')
      .where('user_id', '=', actor.id)
      .orderBy('id', 'desc')
      .offset(maxPendingPerUser)
      .limit(1000)
      .execute();
    if (overflow.length > 0)
      await trx
        .deleteFrom('pending_photos')
        .where(
          'id',
          'in',
          overflow.map((row) => row.id),
        )
        .execute();
    return ids.filter((id) => !overflow.some((row) => row.id === id));
  });
}

function fresh(ctx: AppContext): Date {
  return new Date(ctx.now().getTime() - pendingPhotoLifetimeMs);
}

/** Which of these ids are the actor's photos still waiting, in the order asked (unknown, expired or others' ids drop out). */
export async function pendingPhotoIds(ctx: AppContext, actor: Actor, ids: readonly number[]): Promise<number[]> {
  const wanted = [...new Set(ids.filter(isRowId))].slice(0, maxPendingPerUser);
  if (wanted.length === 0) return [];
  const rows = await ctx.db
    .selectFrom('pending_photos')
    .select('id')
    .where('id', 'in', wanted)
    .where('user_id', '=', actor.id)
    .where('created_at', '>=', fresh(ctx))
    .execute();
  const found = new Set(rows.map((row) => row.id));
  return wanted.filter((id) => found.has(id));
}

/** The photos themselves, to publish them with the problem. */
export async function takePendingPhotos(ctx: AppContext, actor: Actor, ids: readonly number[]): Promise<ProcessedPhoto[]> {
  const kept = await pendingPhotoIds(ctx, actor, ids);
  if (kept.length === 0) return [];
  const rows = await ctx.db.selectFrom('pending_photos').selectAll().where('id', 'in', kept).where('user_id', '=', actor.id).execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return kept.flatMap((id) => {
    const row = byId.get(id);
    return row
      ? [
          {
            image: row.image,
            contentType: row.content_type as PhotoContentType,
            width: row.width,
            height: row.height,
            thumbnail: row.thumbnail,
            thumbnailContentType: row.thumbnail_content_type as PhotoContentType,
          },
        ]
      : [];
  });
}

/** Forgets photos once they belong to a problem (or were removed from the form). */
export async function forgetPendingPhotos(ctx: AppContext, actor: Actor, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await ctx.db
    .deleteFrom('pending_photos')
    .where('id', 'in', [...ids])
    .where('user_id', '=', actor.id)
    .execute();
}

/** The preview of a waiting photo, for its uploader only. */
export async function pendingThumbnail(ctx: AppContext, actor: Actor, id: number): Promise<{ bytes: Buffer; contentType: string }> {
  const row = isRowId(id)
    ? await ctx.db
        .selectFrom('pending_photos')
        .select(['thumbnail', 'thumbnail_content_type'])
        .where('id', '=', id)
        .where('user_id', '=', actor.id)
        .where('created_at', '>=', fresh(ctx))
        .executeTakeFirst()
    : undefined;
  if (!row) throw new DomainError('not_found');
  return { bytes: row.thumbnail, contentType: row.thumbnail_content_type };
}
