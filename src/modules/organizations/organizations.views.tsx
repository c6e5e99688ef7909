import type { Category, Organization } from '../../core/db/schema.ts';
import type { MessageKey } from '../../core/i18n/i18n.ts';
import { Breadcrumbs, Button, CsrfField, ErrorSummary, Field, type FormErrors, SelectField } from '../../core/views/components.tsx';
import type { HeadLink } from '../../core/views/layout.tsx';
import { usePage } from '../../core/views/page-context.ts';
import type { PageSection } from '../../core/views/page-section.ts';
import { organizationKinds } from './organizations.rules.ts';
import type { OrganizationDetails, OrganizationListItem } from './organizations.service.ts';

export function OrganizationList({ items }: { items: OrganizationListItem[] }) {
  const { t } = usePage();
  if (items.length === 0) return <p class="muted">{t('organizations.none')}</p>;
  return (
    <ul class="card-list">
      {items.map((o) => (
        <li key={o.id} class="card">
          <h3>
            <a href={`/organizations/${o.slug}`}>{o.name}</a>
          </h3>
          <p class="muted">
            {t(`organizationKind.${o.kind}` as MessageKey)} · <a href={`/territories/${o.territory_oktmo}`}>{o.territory_name}</a>
          </p>
        </li>
      ))}
    </ul>
  );
}

/** The organizations section of a territory page (the first ones, with a link to all). */
export function TerritoryOrganizations({ oktmo, items, total }: { oktmo: string; items: OrganizationListItem[]; total: number }) {
  const { t } = usePage();
  return (
    <section aria-labelledby="organizations-title">
      <h2 id="organizations-title">{t('territory.organizations', { count: total })}</h2>
      <OrganizationList items={items} />
      {total > items.length && (
        <p>
          <a href={`/organizations?territory=${oktmo}`}>{t('territory.allOrganizations')}</a>
        </p>
      )}
    </section>
  );
}

export function OrganizationsIndex(props: {
  items: OrganizationListItem[];
  total: number;
  search: string;
  kind: string;
  territory: string;
  page: number;
  pages: number;
  hrefFor: (page: number) => string;
}) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('organizations.title')}</h1>
      <form method="get" action="/organizations" class="filters" aria-label={t('organizations.filter')}>
        {props.territory && <input type="hidden" name="territory" value={props.territory} />}
        <Field name="q" type="search" label={t('organizations.search')} value={props.search} />
        <SelectField
          name="kind"
          label={t('organizations.kind')}
          options={organizationKinds.map((kind) => ({ value: kind, label: t(`organizationKind.${kind}` as MessageKey) }))}
          value={props.kind}
          emptyLabel={t('organizations.anyKind')}
        />
        <Button variant="secondary">{t('organizations.filter')}</Button>
      </form>
      <p role="status">{t('organizations.found', { count: props.total })}</p>
      <OrganizationList items={props.items} />
      {props.pages > 1 && (
        <nav aria-label={t('pagination.label')} class="pagination">
          {props.page > 1 && (
            <a href={props.hrefFor(props.page - 1)} rel="prev">
              {t('pagination.previous')}
            </a>
          )}
          <span>{t('pagination.status', { page: props.page, pages: props.pages })}</span>
          {props.page < props.pages && (
            <a href={props.hrefFor(props.page + 1)} rel="next">
              {t('pagination.next')}
            </a>
          )}
        </nav>
      )}
    </section>
  );
}

export function OrganizationView({
  details,
  canManage,
  problems,
  rating,
}: {
  details: OrganizationDetails;
  canManage: boolean;
  problems?: PageSection;
  rating?: PageSection;
  headLinks?: HeadLink[];
}) {
  const { t, locale, actor } = usePage();
  const { organization, territory, parent, children, jurisdictions } = details;
  return (
    <article>
      <Breadcrumbs items={[{ href: '/organizations', label: t('organizations.title') }, { label: organization.name }]} />
      <h1>{organization.name}</h1>
      <p class="lead">
        {t(`organizationKind.${organization.kind}` as MessageKey)} · <a href={`/territories/${territory.oktmo}`}>{territory.name}</a>
      </p>
      {organization.description && <p>{organization.description}</p>}
      {canManage && (
        <p>
          <a class="button button-secondary" href={`/admin/organizations/${organization.slug}/edit`}>
            {t('form.edit')}
          </a>
        </p>
      )}
      <dl class="facts">
        <div>
          <dt>{t('organization.threshold')}</dt>
          <dd>{t('organization.signatures', { count: organization.appeal_threshold })}</dd>
          <dd class="hint">{t('organization.thresholdFixedOnOpen')}</dd>
        </div>
        {organization.appeal_email && (
          <div>
            <dt>{t('organization.email')}</dt>
            <dd>
              <a href={`mailto:${organization.appeal_email}`}>{organization.appeal_email}</a>
            </dd>
          </div>
        )}
        {organization.postal_address && (
          <div>
            <dt>{t('organization.address')}</dt>
            <dd>{organization.postal_address}</dd>
          </div>
        )}
        {organization.website && (
          <div>
            <dt>{t('organization.website')}</dt>
            <dd>
              <a href={organization.website} rel="noopener noreferrer external">
                {organization.website}
              </a>
            </dd>
          </div>
        )}
        <div>
          <dt>{t('organization.parent')}</dt>
          <dd>{parent ? <a href={`/organizations/${parent.slug}`}>{parent.name}</a> : t('organization.noParent')}</dd>
        </div>
      </dl>
      {children.length > 0 && (
        <section aria-labelledby="children-title">
          <h2 id="children-title">{t('organization.children')}</h2>
          <ul class="plain-list">
            {children.map((child) => (
              <li key={child.id}>
                <a href={`/organizations/${child.slug}`}>{child.name}</a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {rating?.content}
      {problems?.content}
      <section aria-labelledby="jurisdictions-title">
        <h2 id="jurisdictions-title">{t('organization.jurisdictions')}</h2>
        {jurisdictions.length === 0 ? (
          <p class="muted">{t('organization.noJurisdictions')}</p>
        ) : (
          <ul class="plain-list">
            {jurisdictions.map((j) => (
              <li key={j.territory.id}>
                <a href={`/territories/${j.territory.oktmo}`}>{j.territory.name}</a>:{' '}
                {j.categories.length === 0 ? t('organization.allCategories') : j.categories.map((c) => (locale === 'en' ? c.name_en : c.name_ru)).join(', ')}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="staff-entry" aria-labelledby="staff-entry-title">
        <h2 id="staff-entry-title">{t('organization.staffTitle')}</h2>
        {actor?.memberships.has(organization.id) ? (
          <p>
            <a href={`/cabinet/${organization.slug}`}>{t('organization.staffOpenCabinet')}</a>
          </p>
        ) : (
          <p>
            {t('organization.staffLead')} <a href={`/organizations/${organization.slug}/join`}>{t('organization.staffJoin')}</a>
          </p>
        )}
      </section>
    </article>
  );
}

export interface OrganizationFormOptions {
  territories: { value: string; label: string; group?: string }[];
  organizations: Pick<Organization, 'id' | 'name'>[];
  categories: Category[];
}

export interface JurisdictionRow {
  territory: string;
  categories: string[];
}

const emptyRow: JurisdictionRow = { territory: '', categories: [] };

/** The zone an organization's 59-FZ terms are counted in: its territory's (a municipality's own, or its subject's). */
export interface ZoneNote {
  zone: string;
  territoryName: string;
  oktmo: string;
}

/** One row per territory, each with its own topics: rows keep what is stored and add two empty ones. */
export function OrganizationForm(props: {
  action: string;
  title: string;
  values: Record<string, string>;
  jurisdictions: JurisdictionRow[];
  errors: FormErrors;
  options: OrganizationFormOptions;
  /** On the edit form: the appeals collecting now, which keep their thresholds whatever the form changes. */
  keepingThreshold?: { id: number; title: string; threshold: number }[];
  /** On the edit form: the zone its terms are counted in, which is its territory's. */
  timeZone?: ZoneNote;
}) {
  const { t, locale } = usePage();
  const { values, errors, options } = props;
  return (
    <section>
      <h1>{props.title}</h1>
      <ErrorSummary errors={errors} />
      <form method="post" action={props.action} novalidate class="narrow">
        <CsrfField />
        <Field name="name" label={t('organization.name')} value={values.name} errors={errors} required maxLength={500} />
        <Field name="slug" label={t('organization.slug')} value={values.slug} errors={errors} hint={t('organization.slugHint')} />
        <SelectField
          name="kind"
          label={t('organizations.kind')}
          options={organizationKinds.map((kind) => ({ value: kind, label: t(`organizationKind.${kind}` as MessageKey) }))}
          value={values.kind}
          errors={errors}
          required
        />
        <SelectField name="territoryId" label={t('organization.territory')} options={options.territories} value={values.territoryId} errors={errors} required />
        {props.timeZone && (
          <p class="hint">
            {t('organization.timeZone', { zone: props.timeZone.zone, territory: props.timeZone.territoryName })}{' '}
            <a href={`/admin/territories/${props.timeZone.oktmo}/edit`}>{t('organization.timeZoneEdit')}</a>
          </p>
        )}
        <SelectField
          name="parentId"
          label={t('organization.parent')}
          options={options.organizations.map((o) => ({ value: String(o.id), label: o.name }))}
          value={values.parentId}
          errors={errors}
          hint={t('organization.parentHint')}
        />
        <Field name="appealEmail" type="email" label={t('organization.email')} value={values.appealEmail} errors={errors} />
        <Field name="postalAddress" label={t('organization.address')} value={values.postalAddress} errors={errors} multiline />
        <Field name="website" type="url" label={t('organization.website')} value={values.website} errors={errors} />
        <Field
          name="appealThreshold"
          type="number"
          label={t('organization.threshold')}
          value={values.appealThreshold}
          errors={errors}
          inputMode="numeric"
          hint={t('organization.thresholdHint')}
        />
        {props.keepingThreshold && props.keepingThreshold.length > 0 && (
          <div class="notice">
            <p>{t('organization.keepingThreshold', { count: props.keepingThreshold.length })}</p>
            <ul>
              {props.keepingThreshold.map((appeal) => (
                <li key={appeal.id}>
                  <a href={`/appeals/${appeal.id}`}>
                    № {appeal.id} «{appeal.title}»
                  </a>{' '}
                  — {t('organization.appealThreshold', { count: appeal.threshold })}
                </li>
              ))}
            </ul>
          </div>
        )}
        <Field name="description" label={t('organization.description')} value={values.description} errors={errors} multiline />
        <Field
          name="officialEmailDomains"
          label={t('organization.officialEmailDomains')}
          value={values.officialEmailDomains}
          errors={errors}
          hint={t('organization.officialEmailDomainsHint')}
        />
        <fieldset>
          <legend>{t('organization.jurisdictions')}</legend>
          <p class="hint">{t('organization.jurisdictionsHint')}</p>
          {[...props.jurisdictions, emptyRow, emptyRow].map((row, index) => (
            <fieldset class="jurisdiction" key={index}>
              <legend>{t('organization.jurisdictionRow', { number: index + 1 })}</legend>
              <SelectField name={`jurisdiction${index}Territory`} label={t('organization.territory')} options={options.territories} value={row.territory} />
              <div class="checkboxes">
                {options.categories.map((c) => (
                  <div key={c.id}>
                    <input
                      type="checkbox"
                      id={`jurisdiction${index}-category-${c.id}`}
                      name={`jurisdiction${index}Categories`}
                      value={String(c.id)}
                      checked={row.categories.includes(String(c.id))}
                    />
                    <label for={`jurisdiction${index}-category-${c.id}`} class="checkbox-label">
                      {locale === 'en' ? c.name_en : c.name_ru}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
          ))}
        </fieldset>
        <Button>{t('form.save')}</Button>
      </form>
      {props.action.endsWith('/edit') && (
        <p>
          <a href={props.action.replace(/\/edit$/, '/merge')}>{t('merge.link')}</a>
        </p>
      )}
    </section>
  );
}
