/**
 * The share block's «Скопировать ссылку»: the button exists only for JavaScript (hidden in the HTML),
 * copies the read-only field through the Clipboard API and says so in the block's status line. Without
 * JavaScript, or where the Clipboard API is refused (an insecure origin), the field is selected so the
 * link can be copied by hand; the messages come from the page, in its language.
 */
for (const block of document.querySelectorAll<HTMLElement>('[data-module="copy-link"]')) {
  const field = block.querySelector<HTMLInputElement>('[data-copy-source]');
  const button = block.querySelector<HTMLButtonElement>('[data-copy-button]');
  const status = block.querySelector<HTMLElement>('[data-copy-status]');
  if (!field || !button || !status) continue;
  // A click in the field takes the whole link, not a word of it.
  field.addEventListener('focus', () => field.select());
  button.hidden = false;
  block.classList.add('share-ready');
  button.addEventListener('click', async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(field.value);
      status.textContent = block.dataset.copied ?? '';
    } catch {
      field.focus();
      field.select();
      status.textContent = block.dataset.copyFailed ?? '';
    }
  });
}
