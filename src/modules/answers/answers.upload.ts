/**
 * The answers that do not come by e-mail: the author uploads the paper answer received (an appeal sent by the
 * platform or by the author), or an administrator publishes it on the body's behalf. Either is a letter of the
 * appeal with its scans, published at once through `publishAnswer` (the review window opens, people are told).
 *
 * Every file is treated as hostile: its type is read from its bytes, never from a declared type or name; a PDF
 * is kept as it is (it is only ever offered to the browser's viewer with the site's CSP); an image is decoded
 * and encoded afresh, so nothing of the original (EXIF with GPS, XMP, ICC, trailing bytes) survives. The files
 * are checked before the transaction, which then writes the letter, its scans and the answer, or nothing.
 */
import { sql } from 'kysely';
import sharp from 'sharp';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, AppealLetter } from '../../core/db/schema.ts';
import { DomainError, type ErrorCode, FieldChecks, type FieldProblem } from '../../core/errors.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { canPerform, parseFormDate } from '../appeals/appeals.rules.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';
import { publishAnswer } from './answers.service.ts';
import './answers.policy.ts';

export const answerUploadLimits: {
  maxFiles: number;
  maxBytes: number;
  maxTextLength: number;
  maxOutgoingNumberLength: number;
  maxPixels: number;
  maxDimension: number;
} = Object.freeze({
  maxFiles: 10,
  /** Each file, checked before anything is decoded. */
  maxBytes: 10 * 1024 * 1024,
  maxTextLength: 100_000,
  maxOutgoingNumberLength: 100,
  /** Width × height from the header: a decompression-bomb guard. */
  maxPixels: 80_000_000,
  /** The longest side of a stored scan: an A4 page at 300 dpi (3508 px) stays as it is. */
  maxDimension: 4000,
});

/** Multipart limits of the upload routes: one file and one byte more than allowed, so both are reported by the form, not cut off by the parser. */
export const answerUploadOptions = {
  limits: { fileSize: answerUploadLimits.maxBytes + 1, files: answerUploadLimits.maxFiles + 1 },
  throwFileSizeLimit: false,
};

export interface AnswerUploadInput {
  text: string;
  /** The body's outgoing number, as printed on the letter; optional. */
  outgoingNumber?: string | null;
  /** The letter's date, YYYY-MM-DD; optional. */
  outgoingDate?: string | null;
  files: readonly Buffer[];
}

export type AnswerSource = 'author' | 'admin';

export interface Scan {
  filename: string;
  contentType: 'application/pdf' | 'image/jpeg' | 'image/png';
  content: Buffer;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function sniff(input: Buffer): 'pdf' | 'jpeg' | 'png' | undefined {
  if (input.length >= 5 && input.toString('latin1', 0, 5) === '%PDF-') return 'pdf';
  if (input.length >= 3 && input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff) return 'jpeg';
  if (input.length >= 8 && input.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  return undefined;
}

/** Re-encodes an image in its own format; no withMetadata()/keepMetadata(), so sharp drops EXIF, XMP, IPTC, ICC and PNG text. */
async function reencode(input: Buffer, format: 'jpeg' | 'png'): Promise<Buffer | null> {
  try {
    const options = { limitInputPixels: answerUploadLimits.maxPixels, failOn: 'error', autoOrient: true } as const;
    const metadata = await sharp(input, options).metadata();
    if (metadata.format !== format) return null;
    const { maxDimension } = answerUploadLimits;
    const pipeline = sharp(input, options).resize({ width: maxDimension, height: maxDimension, fit: 'inside', withoutEnlargement: true });
    return await (format === 'jpeg' ? pipeline.jpeg({ quality: 85 }) : pipeline.png()).toBuffer();
  } catch {
    return null;
  }
}

const megabytes = Math.round(answerUploadLimits.maxBytes / (1024 * 1024));

/** Checks and prepares the scans, all of them or none: a refusal names every file at fault (field `files`). */
export async function prepareScans(files: readonly Buffer[]): Promise<Scan[]> {
  if (files.length > answerUploadLimits.maxFiles) {
    throw new DomainError('upload_too_many_files', { limit: answerUploadLimits.maxFiles }, [
      { field: 'files', rule: 'uploadTooManyFiles', params: { limit: answerUploadLimits.maxFiles } },
    ]);
  }
  const problems: { code: ErrorCode; problem: FieldProblem }[] = [];
  const scans: Scan[] = [];
  for (const [index, file] of files.entries()) {
    const number = index + 1;
    if (file.length > answerUploadLimits.maxBytes) {
      problems.push({ code: 'payload_too_large', problem: { field: 'files', rule: 'uploadTooLarge', params: { number, megabytes } } });
      continue;
    }
    const format = sniff(file);
    if (format === 'pdf') {
      scans.push({ filename: `scan-${number}.pdf`, contentType: 'application/pdf', content: file });
      continue;
    }
    const image = format ? await reencode(file, format) : null;
    if (!format || !image) {
      problems.push({ code: 'upload_wrong_type', problem: { field: 'files', rule: format ? 'uploadUnreadable' : 'uploadWrongType', params: { number } } });
      continue;
    }
    scans.push({ filename: `scan-${number}.${format === 'jpeg' ? 'jpg' : 'png'}`, contentType: `image/${format}`, content: image });
  }
  const first = problems[0];
  if (first)
    throw new DomainError(
      first.code,
      { limit: answerUploadLimits.maxFiles, megabytes },
      problems.map((entry) => entry.problem),
    );
  return scans;
}

export function checkedText(input: Pick<AnswerUploadInput, 'text' | 'outgoingNumber' | 'outgoingDate'>): {
  text: string;
  outgoingNumber: string | null;
  outgoingDate: string | null;
} {
  const checks = new FieldChecks();
  const text = input.text.replace(/\r\n?/g, '\n').trim();
  if (!text) checks.add('text', 'required');
  else if (text.length > answerUploadLimits.maxTextLength) checks.add('text', 'tooLong', { limit: answerUploadLimits.maxTextLength });
  const outgoingNumber = input.outgoingNumber?.trim() || null;
  if (outgoingNumber && outgoingNumber.length > answerUploadLimits.maxOutgoingNumberLength) {
    checks.add('outgoingNumber', 'tooLong', { limit: answerUploadLimits.maxOutgoingNumberLength });
  }
  const given = input.outgoingDate?.trim() || null;
  // ДД.ММ.ГГГГ as people write it, or the ISO day a date input sends; kept as the ISO day.
  const day = given ? parseFormDate(given) : null;
  if (given && !day) checks.add('outgoingDate', 'date');
  checks.throwIfAny();
  return { text, outgoingNumber, outgoingDate: day ? day.toISOString().slice(0, 10) : null };
}

/** The record check behind the gate: only an appeal that went out and awaits its answer takes one. */
export function assertAwaitsAnswer(appeal: Appeal): void {
  if (canPerform(appeal.status, 'recordAnswer')) return;
  throw new DomainError(appeal.answered_at || ['answered', 'review', 'closed'].includes(appeal.status) ? 'appeal_already_answered' : 'wrong_state');
}

/** Whether the appeal takes an uploaded answer now: the form is offered only then. */
export function awaitsUploadedAnswer(appeal: Pick<Appeal, 'status'>): boolean {
  return canPerform(appeal.status, 'recordAnswer');
}

/** The files of a multipart body (attachFieldsToBody: 'keyValues') under one name: Buffers; an empty file input sends an empty one, dropped. */
export function uploadedFiles(body: Record<string, unknown>, name: string): Buffer[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is Buffer => Buffer.isBuffer(v) && v.length > 0);
}

/**
 * Publishes an answer that came on paper: `author` — the appeal's author uploads it; `admin` — an administrator
 * publishes it on the body's behalf (audited). One transaction: the letter, its scans and the answer, or nothing.
 */
export async function uploadAnswer(
  ctx: AppContext,
  asker: Actor | null,
  appealId: number,
  source: AnswerSource,
  input: AnswerUploadInput,
): Promise<AppealLetter> {
  const found = await getAppealRow(ctx, appealId);
  // Who asks and whether the appeal takes an answer, before any image is decoded.
  const actor = source === 'author' ? authorize(asker, 'appeal-answer.upload', found) : authorize(asker, 'appeal-answer.publishOnBehalf');
  assertAwaitsAnswer(found);
  const fields = checkedText(input);
  const scans = await prepareScans(input.files);
  return ctx.db.transaction().execute(async (trx) => {
    // Read again in the transaction; two answers at once are still one, as publishAnswer's guarded update refuses the second.
    const appeal = await getAppealRow(ctx, appealId, trx);
    assertAwaitsAnswer(appeal);
    const letter = await publishLetterAnswer(ctx, trx, { appeal, source, ...fields, scans, actorId: actor.id });
    if (source === 'admin') {
      await audit(trx, {
        actorId: actor.id,
        action: 'appeal.answer_published_on_behalf',
        subjectType: 'appeal',
        subjectId: appeal.id,
        details: { letterId: letter.id, files: scans.length },
      });
    }
    return letter;
  });
}

/**
 * Writes a letter that is the appeal's answer as it stands (a paper answer, or one prepared in the cabinet), with its
 * scans, and publishes it (publishAnswer): in the caller's transaction, so the letter and the answer are written
 * together or not at all. The caller has checked the text and prepared the scans.
 */
export async function publishLetterAnswer(
  ctx: AppContext,
  trx: Executor,
  input: {
    appeal: Appeal;
    source: AnswerSource | 'cabinet';
    text: string;
    outgoingNumber: string | null;
    outgoingDate: string | null;
    scans: readonly Pick<Scan, 'filename' | 'contentType' | 'content'>[];
    actorId: number;
    eventData?: Record<string, unknown>;
  },
): Promise<AppealLetter> {
  const now = ctx.now();
  const letter = await trx
    .insertInto('appeal_letters')
    .values({
      appeal_id: input.appeal.id,
      source: input.source,
      kind: 'letter',
      text: input.text,
      received_at: now,
      outgoing_number: input.outgoingNumber,
      outgoing_date: input.outgoingDate,
    })
    .returning(['id', 'source'])
    .executeTakeFirstOrThrow();
  for (const [position, scan] of input.scans.entries()) {
    await trx
      .insertInto('letter_attachments')
      .values({ letter_id: letter.id, position, filename: scan.filename, content_type: scan.contentType, size: scan.content.length, content: scan.content })
      .execute();
  }
  await publishAnswer(ctx, trx, { appeal: input.appeal, letter, actorId: input.actorId, ...(input.eventData ? { eventData: input.eventData } : {}) });
  return trx
    .updateTable('appeal_letters')
    .set({ decision: 'answer', decided_by: input.actorId, decided_at: now })
    .where('id', '=', letter.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A published answer letter as the letterhead copy prints it, and whether it has that copy already. */
export interface LetterToPrint {
  id: number;
  appealId: number;
  text: string;
  outgoingNumber: string | null;
  outgoingDate: string | null;
  receivedAt: Date;
  printed: boolean;
}

/** The letter of `letterId` if it is a published answer from a service cabinet (the only kind printed on a letterhead). */
export async function cabinetLetterToPrint(executor: Executor, letterId: number): Promise<LetterToPrint | null> {
  const letter = await executor
    .selectFrom('appeal_letters as l')
    .select((eb) => [
      'l.id',
      'l.appeal_id',
      'l.text',
      'l.outgoing_number',
      'l.outgoing_date',
      'l.received_at',
      eb.exists(eb.selectFrom('letter_attachments as f').select('f.id').whereRef('f.letter_id', '=', 'l.id').where('f.kind', '=', 'letterhead')).as('printed'),
    ])
    .where('l.id', '=', letterId)
    .where('l.source', '=', 'cabinet')
    .where('l.decision', '=', 'answer')
    .executeTakeFirst();
  if (!letter) return null;
  return {
    id: letter.id,
    appealId: letter.appeal_id,
    text: letter.text,
    outgoingNumber: letter.outgoing_number,
    outgoingDate: letter.outgoing_date,
    receivedAt: letter.received_at,
    printed: Boolean(letter.printed),
  };
}

/**
 * Keeps the letter set on the organization's letterhead as the letter's attachment of kind `letterhead`, after its
 * scans; a second copy of the same letter is ignored (the job that sets it may run twice).
 */
export async function attachLetterheadCopy(ctx: AppContext, letterId: number, copy: { filename: string; content: Buffer }): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    // The letter row locked: two runs of the job cannot both take the next position.
    await trx.selectFrom('appeal_letters').select('id').where('id', '=', letterId).forUpdate().executeTakeFirstOrThrow();
    const last = await trx
      .selectFrom('letter_attachments')
      .select((eb) => eb.fn.max('position').as('position'))
      .where('letter_id', '=', letterId)
      .executeTakeFirst();
    const inserted = await trx
      .insertInto('letter_attachments')
      .values({
        letter_id: letterId,
        position: last?.position === null || last?.position === undefined ? 0 : Number(last.position) + 1,
        filename: copy.filename,
        content_type: 'application/pdf',
        size: copy.content.length,
        content: copy.content,
        kind: 'letterhead',
      })
      // A literal predicate: PostgreSQL infers the partial unique index from it, not from a parameter.
      .onConflict((oc) => oc.column('letter_id').where(sql<boolean>`kind = 'letterhead'`).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  });
}
