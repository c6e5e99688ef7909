/**
 * Keeps the signature count of a collecting appeal live: polls the cached count endpoint and updates
 * the text and the progress bar. Without JavaScript the page shows the count as of loading.
 */
const pollMs = 3000;
const pluralRules = new Intl.PluralRules(document.documentElement.lang || 'ru');
const forms: Record<string, Record<string, string>> = {
  ru: { one: 'подпись', few: 'подписи', many: 'подписей', other: 'подписи' },
  en: { one: 'signature', other: 'signatures' },
};

function label(count: number): string {
  const lang = document.documentElement.lang === 'en' ? 'en' : 'ru';
  const words = forms[lang] ?? {};
  const word = words[pluralRules.select(count)] ?? words.other ?? '';
  return `${new Intl.NumberFormat(lang).format(count)} ${word}`;
}

for (const holder of document.querySelectorAll<HTMLElement>('[data-appeal-count]')) {
  const id = holder.dataset.appealCount;
  const text = holder.querySelector<HTMLElement>('[data-count]');
  const bar = holder.querySelector<HTMLProgressElement>('[data-progress]');
  if (!id || !text) continue;
  text.setAttribute('aria-live', 'polite');
  const refresh = async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(`/api/v1/appeals/${id}/count`, { headers: { accept: 'application/json' } });
      if (!response.ok) return;
      const { count, threshold } = (await response.json()) as { count: number; threshold: number };
      text.textContent = label(count);
      if (bar) {
        bar.max = threshold;
        bar.value = Math.min(count, threshold);
      }
    } catch {
      // Offline for a moment: the next poll tries again.
    }
  };
  setInterval(refresh, pollMs);
}
