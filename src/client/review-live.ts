/**
 * Keeps the rating of an answer live while its review window is open: polls the review endpoint and updates
 * the summary, the bars and the counts. Without JavaScript the page shows the rating as of loading.
 */
import { shares } from '../modules/answers/answers.review.rules.ts';

const pollMs = 5_000;
const lang = document.documentElement.lang === 'en' ? 'en' : 'ru';
const pluralRules = new Intl.PluralRules(lang);
const ratingWords: Record<string, Record<string, string>> = {
  ru: { one: 'оценка', few: 'оценки', many: 'оценок', other: 'оценки' },
  en: { one: 'rating', other: 'ratings' },
};
const averageFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 1, minimumFractionDigits: 1 });

function summary(total: number, average: number | null): string {
  if (total === 0) return lang === 'en' ? 'Nobody has rated the answer yet.' : 'Ответ пока никто не оценил.';
  const words = ratingWords[lang] ?? {};
  const word = words[pluralRules.select(total)] ?? words.other ?? '';
  const mean = averageFormat.format(average ?? 0);
  return lang === 'en' ? `${total} ${word}, average score ${mean} of 5.` : `${total} ${word}, средний балл — ${mean} из 5.`;
}

interface ReviewJson {
  open: boolean;
  total: number;
  average: number | null;
  scores: Record<string, number>;
  verdicts: Record<string, number>;
}

for (const holder of document.querySelectorAll<HTMLElement>('[data-review][data-review-open]')) {
  const id = holder.dataset.review;
  if (!id) continue;
  const refresh = async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(`/api/v1/appeals/${id}/review`, { headers: { accept: 'application/json' } });
      if (!response.ok) return;
      const review = (await response.json()) as ReviewJson;
      const text = holder.querySelector<HTMLElement>('[data-review-summary]');
      if (text) text.textContent = summary(review.total, review.average);
      const share = shares({ yes: review.verdicts.yes ?? 0, partly: review.verdicts.partly ?? 0, no: review.verdicts.no ?? 0 });
      for (const bar of holder.querySelectorAll<HTMLProgressElement>('[data-verdict-bar]')) {
        bar.max = Math.max(1, review.total);
        bar.value = review.verdicts[bar.dataset.verdictBar ?? ''] ?? 0;
      }
      for (const cell of holder.querySelectorAll<HTMLElement>('[data-verdict-count]')) {
        const key = cell.dataset.verdictCount ?? '';
        cell.textContent =
          lang === 'en' ? `${review.verdicts[key] ?? 0} (${share[key as 'yes'] ?? 0}%)` : `${review.verdicts[key] ?? 0} (${share[key as 'yes'] ?? 0} %)`;
      }
      for (const bar of holder.querySelectorAll<HTMLProgressElement>('[data-score-bar]')) {
        bar.max = Math.max(1, review.total);
        bar.value = review.scores[bar.dataset.scoreBar ?? ''] ?? 0;
      }
      for (const cell of holder.querySelectorAll<HTMLElement>('[data-score-count]'))
        cell.textContent = String(review.scores[cell.dataset.scoreCount ?? ''] ?? 0);
      if (!review.open) clearInterval(timer);
    } catch {
      // Offline for a moment: the next poll tries again.
    }
  };
  const timer = setInterval(refresh, pollMs);
}
