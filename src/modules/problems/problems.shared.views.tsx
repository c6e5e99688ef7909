/** Problem view parts used by more than one of the list, form and page views. */
import type { FieldProblem } from '../../core/errors.ts';
import type { MessageKey } from '../../core/i18n/i18n.ts';
import type { SelectOption } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';

export function StatusBadge({ status }: { status: string }) {
  const { t } = usePage();
  return <span class={`badge badge-${status}`}>{t(`problemStatus.${status}` as MessageKey)}</span>;
}

/** Options shared by the filters and the form: territories grouped by region, categories, organizations. */
export interface ProblemOptions {
  /** value = territory id (the form) */
  territoriesById: SelectOption[];
  /** value = OKTMO (the filters) */
  territoriesByOktmo: SelectOption[];
  categoriesById: SelectOption[];
  categoriesBySlug: SelectOption[];
  organizations: SelectOption[];
}

/** Whether a refused form's problems are the 59-FZ Art. 11 language warning (which the author may override). */
export function hasLanguageWarning(errors: readonly FieldProblem[]): boolean {
  return errors.some((problem) => problem.rule === 'obsceneLanguage' || problem.rule === 'threatLanguage');
}

/**
 * After the language warning: what it means, and the box to publish the text as it is (a false alarm on an
 * honest complaint is possible, so the author decides — the moderators still see what is reported).
 */
export function LanguageAcknowledge({
  errors,
  name = 'acknowledge',
  id = 'field-acknowledge',
}: {
  errors: readonly FieldProblem[];
  name?: string;
  id?: string;
}) {
  const { t } = usePage();
  if (!hasLanguageWarning(errors)) return null;
  return (
    <div class="notice notice-warning language-warning">
      <p>{t('problemForm.languageWarning')}</p>
      <div class="field">
        <input type="checkbox" id={id} name={name} value="yes" />
        <label for={id} class="checkbox-label">
          {t('problemForm.languageAcknowledge')}
        </label>
      </div>
    </div>
  );
}
