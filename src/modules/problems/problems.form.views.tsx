/** The publish/edit form of a problem, with its photo field and the similar-problems step. */
import { photoLimits } from '../../core/images/photos.ts';
import {
  Breadcrumbs,
  Button,
  CsrfField,
  ErrorSummary,
  Field,
  type FormErrors,
  fieldMessage,
  ProofOfWorkField,
  SelectField,
} from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import type { SimilarProblem } from './problems.service.ts';
import { LanguageAcknowledge, type ProblemOptions } from './problems.shared.views.tsx';

export type Values = Record<string, string>;

function PhotoField({ errors, remaining, pending }: { errors: FormErrors; remaining: number; pending: number[] }) {
  const { t } = usePage();
  const problems = errors.filter((p) => p.field === 'photos');
  const room = Math.max(0, remaining - pending.length);
  const describedBy = ['field-photos-hint', problems.length ? 'field-photos-error' : null].filter(Boolean).join(' ');
  return (
    <div class={`field${problems.length ? ' field-error' : ''}`}>
      {pending.length > 0 && (
        <fieldset class="pending-photos">
          <legend>{t('problemForm.photosAttached', { count: pending.length })}</legend>
          <p class="hint">{t('problemForm.photosAttachedHint')}</p>
          <ul class="pending-photo-list">
            {pending.map((id, index) => (
              <li key={id}>
                <input type="checkbox" id={`pending-photo-${id}`} name="pendingPhoto" value={String(id)} checked />
                <label for={`pending-photo-${id}`} class="checkbox-label">
                  <img src={`/problems/pending-photos/${id}`} alt="" width={96} height={72} loading="lazy" />
                  <span>{t('problemForm.photoKeep', { number: index + 1 })}</span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      <label for="field-photos">
        {pending.length > 0 ? t('problemForm.photosMore') : t('problemForm.photos')}
        <span class="optional"> {t('form.optional')}</span>
      </label>
      <p class="hint" id="field-photos-hint">
        {t('problemForm.photosHint', { count: room, megabytes: Math.round(photoLimits.maxBytes / (1024 * 1024)) })}
      </p>
      {problems.length > 0 && (
        <ul class="error-message error-list" id="field-photos-error">
          {problems.map((problem) => (
            <li key={`${problem.rule}-${problem.params?.number ?? ''}`}>{fieldMessage(t, problem)}</li>
          ))}
        </ul>
      )}
      <input
        type="file"
        id="field-photos"
        name="photos"
        multiple
        accept={photoLimits.acceptedTypes.join(',')}
        aria-describedby={describedBy}
        aria-invalid={problems.length ? 'true' : undefined}
        data-max-files={String(room)}
      />
    </div>
  );
}

export interface ProblemFormProps {
  mode: 'new' | 'edit';
  action: string;
  values: Values;
  errors: FormErrors;
  options: ProblemOptions;
  tileUrl: string;
  /** How many more photos fit (5 for a new problem). */
  photoSlots: number;
  /** The step that shows similar problems before publishing anyway. */
  similar?: SimilarProblem[];
  /** Photos attached in an earlier round of this form, kept on the server (browsers cannot keep files). */
  pendingPhotos?: number[];
  cancelHref?: string;
}

export function SimilarList({ items }: { items: SimilarProblem[] }) {
  const { t } = usePage();
  return (
    <ul class="similar-list">
      {items.map((item) => (
        <li key={item.id}>
          <a href={`/problems/${item.id}`}>{item.title}</a>
          <span class="muted">
            {' '}
            · {item.territory_name}
            {item.signatures > 0 && <> · {t('problems.signatures', { count: item.signatures })}</>}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function ProblemForm(props: ProblemFormProps) {
  const { t } = usePage();
  const { values, errors, options } = props;
  const confirming = props.similar !== undefined && props.similar.length > 0;
  const title = props.mode === 'new' ? t('problemForm.newTitle') : t('problemForm.editTitle');
  return (
    <section class="form-page">
      <Breadcrumbs items={[{ href: '/problems', label: t('problems.title') }, { label: title }]} />
      <ErrorSummary errors={errors} />
      <h1>{title}</h1>
      {props.mode === 'new' && !confirming && <p class="lead">{t('problemForm.lead')}</p>}
      {confirming && (
        <section class="notice notice-warning similar-step" aria-labelledby="similar-title">
          <h2 id="similar-title">{t('problemForm.similarTitle')}</h2>
          <p>{t('problemForm.similarLead')}</p>
          <SimilarList items={props.similar ?? []} />
          <p>{t('problemForm.similarAnyway')}</p>
        </section>
      )}
      <form method="post" action={props.action} enctype="multipart/form-data" novalidate class="problem-form" data-module="problem-form">
        <CsrfField />
        {confirming && <input type="hidden" name="confirmed" value="1" />}
        <input type="hidden" name="similarChecked" value="" data-similar-checked />
        <Field name="title" label={t('problemForm.title')} value={values.title} errors={errors} required maxLength={200} hint={t('problemForm.titleHint')} />
        <Field
          name="description"
          label={t('problemForm.description')}
          value={values.description}
          errors={errors}
          required
          multiline
          maxLength={20_000}
          hint={t('problemForm.descriptionHint')}
        />
        <SelectField name="categoryId" label={t('problemForm.category')} options={options.categoriesById} value={values.categoryId} errors={errors} required />
        <SelectField
          name="territoryId"
          label={t('problemForm.territory')}
          options={options.territoriesById}
          value={values.territoryId}
          errors={errors}
          required
          hint={t('problemForm.territoryHint')}
        />
        <Field name="address" label={t('problemForm.address')} value={values.address} errors={errors} maxLength={500} hint={t('problemForm.addressHint')} />
        <fieldset class="point" aria-describedby="point-hint">
          <legend>
            {t('problemForm.point')} <span class="optional">{t('form.optional')}</span>
          </legend>
          <p class="hint" id="point-hint">
            {t('problemForm.pointHint')}
          </p>
          <div
            class="map map-picker"
            data-map="picker"
            data-tiles={props.tileUrl}
            data-attribution={t('map.attribution')}
            data-label={t('map.pickerLabel')}
            data-clear={t('map.clearPoint')}
            hidden
          />
          <div class="point-fields">
            <Field name="latitude" label={t('problemForm.latitude')} value={values.latitude} errors={errors} inputMode="decimal" maxLength={20} />
            <Field name="longitude" label={t('problemForm.longitude')} value={values.longitude} errors={errors} inputMode="decimal" maxLength={20} />
          </div>
        </fieldset>
        {props.photoSlots > 0 ? (
          <PhotoField errors={errors} remaining={props.photoSlots} pending={props.pendingPhotos ?? []} />
        ) : (
          <p class="hint">{t('problemForm.photosFull', { count: photoLimits.maxPerProblem })}</p>
        )}
        {props.mode === 'new' && (
          <div
            class="similar-live"
            data-similar-live
            data-endpoint="/api/v1/problems/similar"
            data-heading={t('problemForm.similarTitle')}
            data-lead={t('problemForm.similarLiveLead')}
            aria-live="polite"
            hidden
          />
        )}
        <LanguageAcknowledge errors={errors} />
        {props.mode === 'new' && <ProofOfWorkField errors={errors} />}
        <p class="actions">
          <Button>{confirming ? t('problemForm.publishAnyway') : props.mode === 'new' ? t('problemForm.publish') : t('form.save')}</Button>
          {props.cancelHref && (
            <a class="button button-secondary" href={props.cancelHref}>
              {t('problemForm.cancel')}
            </a>
          )}
        </p>
      </form>
    </section>
  );
}
