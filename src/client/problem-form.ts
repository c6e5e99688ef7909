/**
 * The publish form, enhanced: while the citizen types, similar open problems in the chosen territory
 * appear under the form (GET /api/v1/problems/similar), so the server need not stop at its
 * "similar problems" step; without JavaScript that step does the same job.
 */
const debounceMs = 450;

interface Similar {
  id: number;
  title: string;
  territoryName: string;
  url: string;
}

for (const form of document.querySelectorAll<HTMLFormElement>('form[data-module="problem-form"]')) {
  const live = form.querySelector<HTMLElement>('[data-similar-live]');
  const checked = form.querySelector<HTMLInputElement>('[data-similar-checked]');
  const title = form.querySelector<HTMLInputElement>('[name="title"]');
  const description = form.querySelector<HTMLTextAreaElement>('[name="description"]');
  const territory = form.querySelector<HTMLSelectElement>('[name="territoryId"]');
  // The "publish anyway" step already showed the suggestions.
  if (!live || !checked || !title || !territory || form.querySelector('input[name="confirmed"]')) continue;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  const render = (items: Similar[]) => {
    live.replaceChildren();
    live.hidden = items.length === 0;
    if (items.length === 0) return;
    const heading = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = live.dataset.heading ?? '';
    heading.append(strong, document.createElement('br'), live.dataset.lead ?? '');
    const list = document.createElement('ul');
    list.className = 'similar-list';
    for (const item of items) {
      const entry = document.createElement('li');
      const link = document.createElement('a');
      link.href = `/problems/${item.id}`;
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = item.title;
      const where = document.createElement('span');
      where.className = 'muted';
      where.textContent = ` · ${item.territoryName}`;
      entry.append(link, where);
      list.append(entry);
    }
    live.append(heading, list);
  };

  const check = async () => {
    const current = ++generation;
    checked.value = '';
    const params = new URLSearchParams({
      territoryId: territory.value,
      title: title.value.slice(0, 200),
      description: (description?.value ?? '').slice(0, 1000),
    });
    if (title.value.trim().length < 5 || !/^\d+$/.test(territory.value)) {
      render([]);
      return;
    }
    try {
      const response = await fetch(`/api/v1/problems/similar?${params}`, { headers: { accept: 'application/json' } });
      if (!response.ok || current !== generation) return;
      const { items } = (await response.json()) as { items: Similar[] };
      if (current !== generation) return;
      render(items);
      // The citizen has seen the suggestions for exactly what is typed now: the server may publish at once.
      checked.value = '1';
    } catch {
      // Offline or failed: the server's own step will show the suggestions.
    }
  };
  const schedule = () => {
    checked.value = '';
    clearTimeout(timer);
    timer = setTimeout(() => void check(), debounceMs);
  };
  title.addEventListener('input', schedule);
  description?.addEventListener('input', schedule);
  territory.addEventListener('change', schedule);
  if (title.value) schedule();
}
