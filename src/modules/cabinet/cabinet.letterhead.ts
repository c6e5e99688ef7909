/**
 * An organization's letterhead (issue 12): the header lines (the body's full name, address, contacts), the signature
 * block (the signing official's position and name) and an optional logo, printed on the answers it publishes. Its
 * officials read it; its head, in person, changes it. The logo is treated as hostile as a problem's photo is:
 * re-encoded, resized and stripped of metadata before it is stored (core/images/photos.ts).
 */
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Organization, OrganizationLetterhead } from '../../core/db/schema.ts';
import { FieldChecks } from '../../core/errors.ts';
import { logoLimits, PhotoRejected, type ProcessedLogo, processLogo } from '../../core/images/photos.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import type { LetterheadPrint } from './cabinet.answer-letter.ts';
import './cabinet.policy.ts';

export const letterheadLimits = Object.freeze({ maxHeaderLines: 6, maxLineLength: 200, maxSignatureLength: 200, logoMaxBytes: logoLimits.maxBytes });

/** What an answer PDF prints: the stored letterhead, or the organization's name alone until its head writes one. */
export interface Letterhead {
  headerLines: string[];
  signaturePosition: string;
  signatureName: string;
  logo: { image: Buffer; contentType: 'image/png' | 'image/jpeg'; width: number; height: number } | null;
  updatedAt: Date | null;
}

export interface LetterheadInput {
  headerLines: readonly string[];
  signaturePosition: string;
  signatureName: string;
  /** A new logo's bytes; `null` removes the logo; absent keeps it. */
  logo?: Buffer | null;
}

function fromRow(organization: Pick<Organization, 'name'>, row: OrganizationLetterhead | undefined): Letterhead {
  if (!row) return { headerLines: [organization.name], signaturePosition: '', signatureName: '', logo: null, updatedAt: null };
  return {
    headerLines: row.header_lines.length ? row.header_lines : [organization.name],
    signaturePosition: row.signature_position,
    signatureName: row.signature_name,
    logo:
      row.logo && row.logo_content_type
        ? { image: row.logo, contentType: row.logo_content_type, width: row.logo_width ?? 0, height: row.logo_height ?? 0 }
        : null,
    updatedAt: row.updated_at,
  };
}

/** The letterhead an organization's answers are printed on, for the PDF: no asker, as the answer it prints is public. */
export async function letterheadOf(executor: Executor, organization: Pick<Organization, 'id' | 'name'>): Promise<Letterhead> {
  const row = await executor.selectFrom('organization_letterheads').selectAll().where('organization_id', '=', organization.id).executeTakeFirst();
  return fromRow(organization, row);
}

/**
 * The letterhead as a PDF prints it: the logo as a data URL (a string crosses into the PDF worker thread as it is),
 * for the answers and the documents set on it.
 */
export function letterheadPrint(letterhead: Letterhead): LetterheadPrint {
  return {
    headerLines: letterhead.headerLines,
    signaturePosition: letterhead.signaturePosition,
    signatureName: letterhead.signatureName,
    logoDataUrl: letterhead.logo ? `data:${letterhead.logo.contentType};base64,${letterhead.logo.image.toString('base64')}` : null,
    logoWidth: letterhead.logo?.width ?? 0,
    logoHeight: letterhead.logo?.height ?? 0,
  };
}

/** The letterhead as its officials see it in the cabinet. */
export function getLetterhead(ctx: AppContext, asker: Actor | null, organization: Organization): Promise<Letterhead> {
  authorize(asker, 'cabinet.view', organization);
  return letterheadOf(ctx.db, organization);
}

/** One line as typed: control characters and runs of spaces become one space, as a printed line cannot hold them. */
function cleanLine(value: string): string {
  return value.replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ').trim();
}

function checkedInput(input: LetterheadInput): { headerLines: string[]; signaturePosition: string; signatureName: string } {
  const checks = new FieldChecks();
  const headerLines = input.headerLines.map(cleanLine).filter((line) => line.length > 0);
  if (headerLines.length === 0) checks.add('headerLines', 'required');
  if (headerLines.length > letterheadLimits.maxHeaderLines) checks.add('headerLines', 'letterheadTooManyLines', { count: letterheadLimits.maxHeaderLines });
  if (headerLines.some((line) => line.length > letterheadLimits.maxLineLength))
    checks.add('headerLines', 'letterheadLineTooLong', { limit: letterheadLimits.maxLineLength });
  const signaturePosition = cleanLine(input.signaturePosition);
  const signatureName = cleanLine(input.signatureName);
  if (signaturePosition.length > letterheadLimits.maxSignatureLength)
    checks.add('signaturePosition', 'tooLong', { limit: letterheadLimits.maxSignatureLength });
  if (signatureName.length > letterheadLimits.maxSignatureLength) checks.add('signatureName', 'tooLong', { limit: letterheadLimits.maxSignatureLength });
  // A name without a position (or the reverse) would print half a signature block.
  if (!signaturePosition && signatureName) checks.add('signaturePosition', 'required');
  if (signaturePosition && !signatureName) checks.add('signatureName', 'required');
  checks.throwIfAny();
  return { headerLines, signaturePosition, signatureName };
}

const logoRules: Record<PhotoRejected['problem'], string> = {
  photoType: 'logoType',
  photoTooLarge: 'logoTooLarge',
  photoTooManyPixels: 'logoTooManyPixels',
  photoUnreadable: 'logoUnreadable',
};

async function checkedLogo(input: Buffer): Promise<ProcessedLogo> {
  try {
    return await processLogo(input);
  } catch (error) {
    if (!(error instanceof PhotoRejected)) throw error;
    const checks = new FieldChecks();
    checks.add('logo', logoRules[error.problem], { megabytes: logoLimits.maxBytes / 1024 / 1024 });
    checks.throwIfAny();
    throw error;
  }
}

/** The head changes the letterhead: all of it or nothing (a refused logo leaves the lines unchanged too). */
export async function updateLetterhead(ctx: AppContext, asker: Actor | null, organization: Organization, input: LetterheadInput): Promise<Letterhead> {
  const actor = authorize(asker, 'cabinet.manage', organization);
  const fields = checkedInput(input);
  // Decoded after the cheap checks and before the transaction, so a large image holds no connection.
  const logo = input.logo ? await checkedLogo(input.logo) : input.logo;
  return ctx.db.transaction().execute(async (trx) => {
    const logoColumns =
      logo === undefined
        ? {}
        : logo === null
          ? { logo: null, logo_content_type: null, logo_width: null, logo_height: null }
          : { logo: logo.image, logo_content_type: logo.contentType, logo_width: logo.width, logo_height: logo.height };
    const values = {
      header_lines: fields.headerLines,
      signature_position: fields.signaturePosition,
      signature_name: fields.signatureName,
      updated_by: actor.id,
      updated_at: ctx.now(),
    };
    const row = await trx
      .insertInto('organization_letterheads')
      .values({ organization_id: organization.id, ...values, ...logoColumns })
      .onConflict((oc) => oc.column('organization_id').doUpdateSet({ ...values, ...logoColumns }))
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.letterhead.update',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { ...fields, logo: logo === undefined ? 'kept' : logo === null ? 'removed' : 'replaced' },
    });
    return fromRow(organization, row);
  });
}
