/** Problem view parts used by more than one of the list, form and page views. */
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
