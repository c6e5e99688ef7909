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
import { loadStylesheet } from './lib/stylesheet.ts';

function loadStyles(): void {
  loadStylesheet(new URL('./captcha.css', import.meta.url).href, 'captcha');
}

// The external build brings no worker: register the one our challenges use (altcha-lib's default
// PBKDF2/SHA-256, see core/security/captcha.ts), copied beside this file by scripts/build-client.ts.
const pbkdf2Worker = new URL('./altcha-pbkdf2-worker.js', import.meta.url).href;
(globalThis as unknown as { $altcha: { algorithms: Map<string, () => Worker> } }).$altcha.algorithms.set('PBKDF2/SHA-256', () => new Worker(pbkdf2Worker));

/**
 * The form can be sent only once the proof is ready: sent earlier, it would carry neither a proof nor
 * an answer to the (hidden) question, and come back refused. If the widget fails, the question comes
 * back instead, so a person is never left with a form that cannot be sent.
 */
function enhance(holder: HTMLElement): void {
  const form = holder.closest('form');
  const question = form?.querySelector<HTMLElement>('.captcha-question');
  if (!form || !question) return;
  const buttons = [...form.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button:not([type]), button[type="submit"], input[type="submit"]')];
  let ready = false;
  const setReady = (value: boolean) => {
    ready = value;
    for (const button of buttons) button.disabled = !value;
  };

  const widget = document.createElement('altcha-widget');
  widget.setAttribute('challenge', holder.dataset.challengeUrl ?? '');
  widget.setAttribute('name', 'altcha');
  widget.setAttribute('auto', 'onload');
  widget.setAttribute('language', holder.dataset.locale === 'en' ? 'en' : 'ru');
  const showQuestion = (visible: boolean) => {
    question.hidden = !visible;
    // Disabled fields are not sent: with the widget, only the proof of work is.
    for (const input of question.querySelectorAll('input')) input.disabled = !visible;
  };
  widget.addEventListener('statechange', (event) => {
    const state = (event as CustomEvent<{ state?: string }>).detail?.state;
    if (state === 'verified') setReady(true);
    else if (state === 'error') {
      // No proof can be made here (an old browser, a blocked worker): the arithmetic question it is.
      widget.remove();
      holder.hidden = true;
      showQuestion(true);
      setReady(true);
    } else setReady(false);
  });
  form.addEventListener('submit', (event) => {
    if (!ready) event.preventDefault();
  });
  setReady(false);
  holder.append(widget);
  holder.hidden = false;
  showQuestion(false);
}

const holders = document.querySelectorAll<HTMLElement>('.captcha-widget[data-challenge-url]');
if (holders.length > 0) loadStyles();
for (const holder of holders) enhance(holder);
