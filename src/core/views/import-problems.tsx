/** The rows a refused CSV import names, by line and column, each with its translated problem (municipalities, organizations). */
import type { FieldProblem } from '../errors.ts';
import { isMessageKey } from '../i18n/i18n.ts';
import { usePage } from './page-context.ts';

export function ImportProblemsTable({ problems }: { problems: readonly (FieldProblem & { line: number })[] }) {
  const { t } = usePage();
  return (
    <table class="table">
      <caption>{t('import.problems')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('import.line')}</th>
          <th scope="col">{t('import.column')}</th>
          <th scope="col">{t('import.problem')}</th>
        </tr>
      </thead>
      <tbody>
        {problems.slice(0, 200).map((p, index) => {
          const key = `validation.${p.rule}`;
          return (
            <tr key={`${p.line}-${p.field}-${p.rule}-${index}`}>
              <td>{p.line}</td>
              <td>
                <code>{p.field}</code>
              </td>
              <td>{isMessageKey(key) ? t(key, p.params) : p.rule}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
