/**
 * Documents on the letterhead: the head's form on a problem (title, addressee, number, text), the cabinet's list of
 * the organization's documents, and a document's public page with its text, the support it cites, the SHA-256 its
 * PDF prints on every page, and the PDF.
 */
import type { MemberRole, Organization } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate } from '../../core/i18n/i18n.ts';
import { renderMarkdown } from '../../core/text/markdown.ts';
import { Breadcrumbs, Button, CsrfField, ErrorSummary, Field } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { type DocumentInput, type DocumentSummary, documentLimits, type PublicDocument } from './cabinet.documents.ts';
import { CabinetHeader } from './cabinet.views.tsx';

export const emptyDocument: DocumentInput = { title: '', addressee: '', outgoingNumber: '', text: '' };

export function DocumentFormPage(props: {
  organization: Organization;
  role: MemberRole;
  problem: { id: number; title: string; signatures: number };
  values: DocumentInput;
  errors: FieldProblem[];
}) {
  const { t } = usePage();
  const { organization, problem, values, errors } = props;
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="documents" role={props.role} />
      <section class="narrow">
        <Breadcrumbs items={[{ href: `/problems/${problem.id}`, label: problem.title }, { label: t('cabinet.documents.newTitle') }]} />
        <h2>{t('cabinet.documents.newTitle')}</h2>
        <p>{t('cabinet.documents.newLead', { organization: organization.name })}</p>
        <p>{t('cabinet.documents.support', { count: problem.signatures })}</p>
        <p class="hint">{t('cabinet.documents.publicNote')}</p>
        <ErrorSummary errors={errors} />
        <form method="post" action={`/cabinet/${organization.slug}/problems/${problem.id}/document`} novalidate>
          <CsrfField />
          <Field
            name="title"
            label={t('cabinet.documents.titleLabel')}
            hint={t('cabinet.documents.titleHint')}
            value={values.title}
            errors={errors}
            required
            maxLength={documentLimits.titleMaxLength}
          />
          <Field
            name="addressee"
            label={t('cabinet.documents.addresseeLabel')}
            hint={t('cabinet.documents.addresseeHint')}
            value={values.addressee}
            errors={errors}
            required
            multiline
            maxLength={documentLimits.addresseeMaxLength}
          />
          <Field
            name="outgoingNumber"
            label={t('cabinet.documents.numberLabel')}
            hint={t('cabinet.documents.numberHint')}
            value={values.outgoingNumber}
            errors={errors}
            maxLength={documentLimits.numberMaxLength}
          />
          <Field
            name="text"
            label={t('cabinet.documents.textLabel')}
            hint={t('cabinet.documents.textHint')}
            value={values.text}
            errors={errors}
            required
            multiline
            maxLength={documentLimits.textMaxLength}
          />
          <div class="actions">
            <Button>{t('cabinet.documents.issue')}</Button>
            <a href={`/problems/${problem.id}`}>{t('cabinet.cancel')}</a>
          </div>
        </form>
      </section>
    </section>
  );
}

function PdfLink({ document }: { document: DocumentSummary }) {
  const { t } = usePage();
  return document.ready ? (
    <a href={`/documents/${document.id}/pdf`}>{t('cabinet.documents.pdf')}</a>
  ) : (
    <span class="muted">{t('cabinet.documents.pdfPending')}</span>
  );
}

export function CabinetDocumentsPage(props: { organization: Organization; role: MemberRole; documents: DocumentSummary[] }) {
  const { t, locale } = usePage();
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="documents" role={props.role} />
      <h2>{t('cabinet.documents.title')}</h2>
      <p class="hint">{props.role === 'head' ? t('cabinet.documents.leadHead') : t('cabinet.documents.leadClerk')}</p>
      {props.documents.length === 0 ? (
        <p>{t('cabinet.documents.none')}</p>
      ) : (
        <table class="table">
          <caption class="visually-hidden">{t('cabinet.documents.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('cabinet.documents.issuedOn')}</th>
              <th scope="col">{t('cabinet.documents.titleLabel')}</th>
              <th scope="col">{t('cabinet.documents.problem')}</th>
              <th scope="col" class="numeric">
                {t('cabinet.documents.signatures')}
              </th>
              <th scope="col">PDF</th>
            </tr>
          </thead>
          <tbody>
            {props.documents.map((document) => (
              <tr key={document.id}>
                <td>{formatDate(locale, document.issued_at)}</td>
                <td>
                  <a href={`/documents/${document.id}`}>{document.title}</a>
                  {document.outgoing_number && <span class="muted"> · № {document.outgoing_number}</span>}
                </td>
                <td>
                  <a href={`/problems/${document.problem_id}`}>{t('cabinet.documents.problemNumber', { id: document.problem_id })}</a>
                </td>
                <td class="numeric">{document.signatures}</td>
                <td>
                  <PdfLink document={document} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function PublicDocumentPage({ view }: { view: PublicDocument }) {
  const { t, locale } = usePage();
  const { document, organization, problemTitle } = view;
  return (
    <article class="narrow document-page">
      <Breadcrumbs
        items={[{ href: `/organizations/${organization.slug}`, label: organization.name }, { label: t('cabinet.documents.breadcrumb', { id: document.id }) }]}
      />
      <h1>{document.title}</h1>
      <p class="muted">
        {t('cabinet.documents.issuedBy', { organization: organization.name, date: formatDate(locale, document.issued_at) })}
        {document.outgoing_number && <> · № {document.outgoing_number}</>}
      </p>
      <section aria-labelledby="document-addressee-title">
        <h2 id="document-addressee-title" class="visually-hidden">
          {t('cabinet.documents.addresseeLabel')}
        </h2>
        <p class="pre-line document-addressee">{document.addressee}</p>
      </section>
      <div class="letter letter-rich" dangerouslySetInnerHTML={{ __html: renderMarkdown(document.text) }} />
      <section aria-labelledby="document-support-title" class="document-support">
        <h2 id="document-support-title">{t('cabinet.documents.supportTitle')}</h2>
        <p>
          {problemTitle === null ? (
            t('cabinet.documents.problemHidden', { id: document.problem_id })
          ) : (
            <a href={`/problems/${document.problem_id}`}>{problemTitle}</a>
          )}
        </p>
        <p>{t('cabinet.documents.support', { count: document.signatures })}</p>
        {document.named !== null && <p>{t('cabinet.documents.named', { count: document.named })}</p>}
      </section>
      <p class="muted hash">
        {t('cabinet.documents.hash')} <code>{document.text_sha256}</code>
      </p>
      <p>
        <PdfLink document={document} />
      </p>
    </article>
  );
}
