/**
 * Documents an organization issues on its letterhead about a problem (issue 12): a deputy's inquiry (депутатский
 * запрос), a party's or an NGO's letter to a body, backed by the citizens' support — the signatures of the problem's
 * appeals and, in an annex, the public names of the signers who agreed to be named (never an address or a full name).
 * The head issues it in person (the signature block is the head's); the text and its SHA-256 are kept as issued, the
 * problem's timeline shows it under the organization's name, and a job the issuing transaction queues sets the PDF
 * (cabinet.document-letter.ts). The document is public: its page shows the text and the hash the PDF prints, so anyone
 * holding the paper can compare it.
 */
import { createHash } from 'node:crypto';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import { isRowId } from '../../core/db/row-id.ts';
import type { Organization, OrganizationDocument } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { renderPdfOffThread } from '../../core/pdf/pdf-pool.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { onBehalfOf } from '../appeals/appeals.cabinet.ts';
import { namedSupporterCount, namedSupporterRows, problemSignatureCount } from '../appeals/appeals.queries.ts';
import { memberOf } from '../organizations/organizations.members.ts';
import { organizationById } from '../organizations/organizations.service.ts';
import { getProblemRow, recordEvent } from '../problems/problems.service.ts';
import { documentLetter } from './cabinet.document-letter.ts';
import { letterheadOf, letterheadPrint } from './cabinet.letterhead.ts';
import './cabinet.policy.ts';

declare module '../../core/jobs/jobs.ts' {
  interface JobPayloads {
    /** Sets an issued document as its PDF on the letterhead (queued in the transaction that issued it). */
    'cabinet.document-pdf': { documentId: number };
  }
}

export const documentPdfJob = 'cabinet.document-pdf';

export const documentLimits = Object.freeze({
  titleMaxLength: 300,
  addresseeMaxLength: 500,
  addresseeMaxLines: 6,
  numberMaxLength: 100,
  textMinLength: 10,
  textMaxLength: 20_000,
});

export interface DocumentInput {
  title: string;
  addressee: string;
  outgoingNumber: string;
  text: string;
}

/** A document without its PDF's bytes, with whether it has them. */
export type DocumentSummary = Omit<OrganizationDocument, 'pdf'> & { ready: boolean };

async function problemToDocument(ctx: AppContext, problemId: number) {
  const problem = await getProblemRow(ctx, problemId);
  // A hidden problem's page is the moderator's reason: nothing is issued on it.
  if (problem.status === 'hidden') throw new DomainError('not_found');
  return problem;
}

/** The problem a document would be about, with the support it would cite now. */
export async function problemForDocument(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  problemId: number,
): Promise<{ id: number; title: string; signatures: number }> {
  authorize(asker, 'cabinet.issueDocument', organization);
  const problem = await problemToDocument(ctx, problemId);
  return { id: problem.id, title: problem.title, signatures: await problemSignatureCount(ctx, problem.id) };
}

function checkDocument(input: DocumentInput): { title: string; addressee: string; outgoingNumber: string | null; text: string } {
  const title = input.title.replace(/\s+/g, ' ').trim();
  const addressee = input.addressee
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
  const outgoingNumber = input.outgoingNumber.replace(/\s+/g, ' ').trim();
  const text = input.text.replace(/\r\n?/g, '\n').trim();
  const checks = new FieldChecks();
  if (!title) checks.add('title', 'required');
  else if (characterCount(title) > documentLimits.titleMaxLength) checks.add('title', 'tooLong', { limit: documentLimits.titleMaxLength });
  if (!addressee) checks.add('addressee', 'required');
  else if (characterCount(addressee) > documentLimits.addresseeMaxLength) checks.add('addressee', 'tooLong', { limit: documentLimits.addresseeMaxLength });
  else if (addressee.split('\n').length > documentLimits.addresseeMaxLines)
    checks.add('addressee', 'documentAddresseeTooManyLines', { count: documentLimits.addresseeMaxLines });
  if (characterCount(outgoingNumber) > documentLimits.numberMaxLength) checks.add('outgoingNumber', 'tooLong', { limit: documentLimits.numberMaxLength });
  if (!text) checks.add('text', 'required');
  else if (characterCount(text) < documentLimits.textMinLength) checks.add('text', 'tooShort', { limit: documentLimits.textMinLength });
  else if (characterCount(text) > documentLimits.textMaxLength) checks.add('text', 'tooLong', { limit: documentLimits.textMaxLength });
  checks.throwIfAny();
  return { title, addressee, outgoingNumber: outgoingNumber || null, text };
}

/** The head issues a document about the problem: kept as written, on the problem's timeline, its PDF queued. */
export async function issueDocument(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  problemId: number,
  input: DocumentInput,
): Promise<DocumentSummary> {
  const actor = authorize(asker, 'cabinet.issueDocument', organization);
  const problem = await problemToDocument(ctx, problemId);
  const fields = checkDocument(input);
  const signatures = await problemSignatureCount(ctx, problem.id);
  return ctx.db.transaction().execute(async (trx) => {
    const { pdf: _, ...document } = await trx
      .insertInto('organization_documents')
      .values({
        organization_id: organization.id,
        problem_id: problem.id,
        title: fields.title,
        addressee: fields.addressee,
        outgoing_number: fields.outgoingNumber,
        text: fields.text,
        text_sha256: createHash('sha256').update(fields.text, 'utf8').digest('hex'),
        signatures,
        issued_by: actor.id,
        issued_at: ctx.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, {
      problemId: problem.id,
      kind: 'organization.document',
      actorId: actor.id,
      data: {
        documentId: document.id,
        title: document.title,
        organizationId: organization.id,
        ...onBehalfOf(organization, await memberOf(trx, organization.id, actor.id)),
      },
    });
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.document_issue',
      subjectType: 'problem',
      subjectId: problem.id,
      details: { organizationId: organization.id, documentId: document.id, title: document.title, textSha256: document.text_sha256 },
    });
    await ctx.jobs.send(documentPdfJob, { documentId: document.id }, trx);
    return { ...document, ready: false };
  });
}

const summaryColumns = [
  'id',
  'organization_id',
  'problem_id',
  'title',
  'addressee',
  'outgoing_number',
  'text',
  'text_sha256',
  'signatures',
  'named',
  'issued_by',
  'issued_at',
  'pdf_sha256',
] as const;

function summaries(ctx: AppContext) {
  return ctx.db
    .selectFrom('organization_documents')
    .select(summaryColumns)
    .select((eb) => eb('pdf', 'is not', null).as('ready'));
}

/** The organization's documents, newest first (at most 200), for its cabinet. */
export async function documentsOf(ctx: AppContext, asker: Actor | null, organization: Organization): Promise<DocumentSummary[]> {
  authorize(asker, 'cabinet.view', organization);
  const rows = await summaries(ctx).where('organization_id', '=', organization.id).orderBy('issued_at', 'desc').orderBy('id', 'desc').limit(200).execute();
  return rows.map((row) => ({ ...row, ready: Boolean(row.ready) }));
}

export interface PublicDocument {
  document: DocumentSummary;
  organization: Pick<Organization, 'name' | 'slug'>;
  /** Null when moderation hid the problem since: its title goes with it. */
  problemTitle: string | null;
}

/** A document as its public page shows it: anyone reads it. */
export async function publicDocument(ctx: AppContext, viewer: Actor | null, documentId: number): Promise<PublicDocument> {
  authorize(viewer, 'document.view');
  const row = isRowId(documentId) ? await summaries(ctx).where('id', '=', documentId).executeTakeFirst() : undefined;
  if (!row) throw new DomainError('not_found');
  const [organization, problem] = await Promise.all([organizationById(ctx.db, row.organization_id), getProblemRow(ctx, row.problem_id)]);
  const hidden = problem.status === 'hidden';
  return {
    // The PDF prints the problem's title and its supporters' names: withheld with them (documentPdf).
    document: { ...row, ready: Boolean(row.ready) && !hidden },
    organization: { name: organization.name, slug: organization.slug },
    problemTitle: hidden ? null : problem.title,
  };
}

/** The document's PDF: not_found for none, document_not_ready while the job has not set it. */
export async function documentPdf(ctx: AppContext, viewer: Actor | null, documentId: number): Promise<{ pdf: Buffer; sha256: string }> {
  authorize(viewer, 'document.view');
  const row = isRowId(documentId)
    ? await ctx.db.selectFrom('organization_documents').select(['pdf', 'pdf_sha256', 'problem_id']).where('id', '=', documentId).executeTakeFirst()
    : undefined;
  if (!row) throw new DomainError('not_found');
  // A problem a moderator hid takes its title with it, and the PDF prints it (and its supporters' names).
  if ((await getProblemRow(ctx, row.problem_id)).status === 'hidden') throw new DomainError('not_found');
  if (!row.pdf || !row.pdf_sha256) throw new DomainError('document_not_ready');
  return { pdf: row.pdf, sha256: row.pdf_sha256 };
}

/** The file name a document's PDF is offered under. */
export function documentFilename(documentId: number): string {
  return `dokument-${documentId}.pdf`;
}

/**
 * Sets the document's PDF (the job): the letterhead as it is now, the named supporters of the problem's appeals who
 * signed by the moment it was issued. True when this run kept it; a document set already is left as it is.
 */
export async function setDocumentPdf(ctx: AppContext, documentId: number): Promise<boolean> {
  const document = await ctx.db.selectFrom('organization_documents').selectAll().where('id', '=', documentId).executeTakeFirst();
  if (!document || document.pdf) return false;
  const [organization, problem] = await Promise.all([organizationById(ctx.db, document.organization_id), getProblemRow(ctx, document.problem_id)]);
  const [letterhead, named] = await Promise.all([letterheadOf(ctx.db, organization), namedSupporterCount(ctx, problem.id, document.issued_at)]);
  const pdf = await renderPdfOffThread(
    documentLetter,
    {
      letterhead: letterheadPrint(letterhead),
      documentId: document.id,
      outgoingNumber: document.outgoing_number,
      date: document.issued_at,
      addressee: document.addressee,
      title: document.title,
      text: document.text,
      textSha256: document.text_sha256,
      problem: { id: problem.id, title: problem.title, url: `${ctx.config.baseUrl}/problems/${problem.id}` },
      signatures: document.signatures,
      named,
      documentUrl: `${ctx.config.baseUrl}/documents/${document.id}`,
    },
    namedSupporterRows(ctx, problem.id, document.issued_at, named),
  );
  const kept = await ctx.db
    .updateTable('organization_documents')
    .set({ pdf, pdf_sha256: createHash('sha256').update(pdf).digest('hex'), named })
    .where('id', '=', document.id)
    .where('pdf', 'is', null)
    .executeTakeFirst();
  return Number(kept.numUpdatedRows) === 1;
}
