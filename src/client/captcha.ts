/**
 * Enhances a form that has a CAPTCHA: with JavaScript the ALTCHA proof-of-work widget replaces the
 * arithmetic question (which stays as the no-JavaScript fallback, GOV.UK-style progressive enhancement).
 */
// The "external" build leaves its stylesheet to us: the default one injects a <style> element,
// which our CSP (no 'unsafe-inline' styles) refuses. esbuild emits the CSS beside this file.
import 'altcha/external';
import 'altcha/altcha.css';
import 'altcha/i18n/ru';
import 'altcha/i18n/en';

function loadStyles(): void {
  if (document.querySelector('link[data-captcha-styles]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./captcha.css', import.meta.url).href;
  link.dataset.captchaStyles = '';
  document.head.append(link);
}

// The external build brings no worker: register the one our challenges use (altcha-lib's default
// PBKDF2/SHA-256, see core/security/captcha.ts), copied beside this file by scripts/build-client.ts.
const pbkdf2Worker = new URL('./altcha-pbkdf2-worker.js', import.meta.url).href;
(globalThis as unknown as { $altcha: { algorithms: Map<string, () => Worker> } }).$altcha.algorithms.set('PBKDF2/SHA-256', () => new Worker(pbkdf2Worker));

const holders = document.querySelectorAll<HTMLElement>('.captcha-widget[data-challenge-url]');
if (holders.length > 0) loadStyles();
for (const holder of holders) {
  const form = holder.closest('form');
  const question = form?.querySelector<HTMLElement>('.captcha-question');
  if (!form || !question) continue;
  const widget = document.createElement('altcha-widget');
  widget.setAttribute('challenge', holder.dataset.challengeUrl ?? '');
  widget.setAttribute('name', 'altcha');
  widget.setAttribute('auto', 'onload');
  widget.setAttribute('language', holder.dataset.locale === 'en' ? 'en' : 'ru');
  holder.append(widget);
  holder.hidden = false;
  // The question's fields are disabled, so only the proof of work is submitted.
  question.hidden = true;
  for (const input of question.querySelectorAll('input')) input.disabled = true;
}
