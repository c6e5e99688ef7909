/**
 * The coloured status tag of an appeal (GOV.UK «tag»), shared by the appeal page, the appeal cards of a
 * problem's chain and the problem cards of every listing, so a state reads the same everywhere. The colours
 * live in styles.css (.tag-appeal-<status>); the words are the appeals module's `appealStatus.*` messages.
 */
import type { AppealStatus } from '../db/schema.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import { usePage } from './page-context.ts';

export function AppealStatusTag({ status }: { status: AppealStatus }) {
  const { t } = usePage();
  return <strong class={`tag tag-appeal-${status}`}>{t(`appealStatus.${status}` as MessageKey)}</strong>;
}
