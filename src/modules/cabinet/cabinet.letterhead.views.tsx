/**
 * The organization's letterhead in the cabinet: what its answers are printed on, for every official to read, and
 * the head's form (header lines, signature block, logo) — a plain multipart POST that works without JavaScript.
 */
import type { MemberRole, Organization } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate } from '../../core/i18n/i18n.ts';
import { Button, CheckboxField, CsrfField, ErrorSummary, Field, fieldMessage } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { type Letterhead, letterheadLimits } from './cabinet.letterhead.ts';
import { CabinetHeader } from './cabinet.views.tsx';

export interface LetterheadValues {
  headerLines: string;
  signaturePosition: string;
  signatureName: string;
}

export function letterheadValues(letterhead: Letterhead): LetterheadValues {
  return { headerLines: letterhead.headerLines.join('\n'), signaturePosition: letterhead.signaturePosition, signatureName: letterhead.signatureName };
}

function LetterheadPreview({ organization, letterhead }: { organization: Organization; letterhead: Letterhead }) {
  const { t } = usePage();
  return (
    <figure class="letterhead-preview" aria-labelledby="letterhead-preview-caption">
      <figcaption id="letterhead-preview-caption" class="muted">
        {t('cabinet.letterhead.preview')}
      </figcaption>
      {letterhead.logo && (
        <img
          src={`/cabinet/${organization.slug}/letterhead/logo`}
          alt={t('cabinet.letterhead.logoAlt', { organization: organization.name })}
          width={letterhead.logo.width}
          height={letterhead.logo.height}
          class="letterhead-logo"
        />
      )}
      <div class="letterhead-lines">
        {letterhead.headerLines.map((line, index) => (
          <p key={index}>{line}</p>
        ))}
      </div>
      <p class="letterhead-signature">
        {letterhead.signaturePosition ? `${letterhead.signaturePosition} — ${letterhead.signatureName}` : t('cabinet.letterhead.noSignature')}
      </p>
    </figure>
  );
}

export function LetterheadPage(props: {
  organization: Organization;
  role: MemberRole;
  letterhead: Letterhead;
  values: LetterheadValues;
  errors: FieldProblem[];
}) {
  const { t, locale } = usePage();
  const { organization, letterhead, errors } = props;
  const logoProblems = errors.filter((p) => p.field === 'logo');
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="letterhead" role={props.role} />
      <h2>{t('cabinet.letterhead.title')}</h2>
      <p class="hint">{t('cabinet.letterhead.lead')}</p>
      <LetterheadPreview organization={organization} letterhead={letterhead} />
      {letterhead.updatedAt && <p class="muted">{t('cabinet.letterhead.updatedAt', { date: formatDate(locale, letterhead.updatedAt, true) })}</p>}
      {props.role === 'head' ? (
        <section class="cabinet-section" aria-labelledby="letterhead-form-title">
          <h2 id="letterhead-form-title">{t('cabinet.letterhead.edit')}</h2>
          <ErrorSummary errors={errors} />
          <form method="post" action={`/cabinet/${organization.slug}/letterhead`} enctype="multipart/form-data" novalidate class="narrow">
            <CsrfField />
            <Field
              name="headerLines"
              label={t('cabinet.letterhead.headerLines')}
              hint={t('cabinet.letterhead.headerLinesHint', { count: letterheadLimits.maxHeaderLines, limit: letterheadLimits.maxLineLength })}
              value={props.values.headerLines}
              errors={errors}
              multiline
              required
            />
            <Field
              name="signaturePosition"
              label={t('cabinet.letterhead.signaturePosition')}
              hint={t('cabinet.letterhead.signaturePositionHint')}
              value={props.values.signaturePosition}
              errors={errors}
              maxLength={letterheadLimits.maxSignatureLength}
            />
            <Field
              name="signatureName"
              label={t('cabinet.letterhead.signatureName')}
              hint={t('cabinet.letterhead.signatureNameHint')}
              value={props.values.signatureName}
              errors={errors}
              maxLength={letterheadLimits.maxSignatureLength}
            />
            <div class={`field${logoProblems.length ? ' field-error' : ''}`}>
              <label for="field-logo">
                {t('cabinet.letterhead.logo')}
                <span class="optional"> {t('form.optional')}</span>
              </label>
              <p class="hint" id="field-logo-hint">
                {t('cabinet.letterhead.logoHint', { megabytes: letterheadLimits.logoMaxBytes / 1024 / 1024 })}
              </p>
              {logoProblems.length > 0 && (
                <p class="error-message" id="field-logo-error">
                  {logoProblems.map((p) => fieldMessage(t, p)).join(' ')}
                </p>
              )}
              <input
                type="file"
                id="field-logo"
                name="logo"
                accept="image/png,image/jpeg"
                aria-describedby={logoProblems.length ? 'field-logo-hint field-logo-error' : 'field-logo-hint'}
                aria-invalid={logoProblems.length ? 'true' : undefined}
              />
            </div>
            {letterhead.logo && <CheckboxField name="removeLogo" label={t('cabinet.letterhead.removeLogo')} checked={false} />}
            <Button>{t('cabinet.letterhead.save')}</Button>
          </form>
        </section>
      ) : (
        <p class="muted">{t('cabinet.letterhead.headOnly')}</p>
      )}
    </section>
  );
}
