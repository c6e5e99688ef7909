/**
 * Enhances a form that has an ALTCHA holder (core/views/components.tsx ProofOfWorkField): the widget solves the
 * proof of work in the background and adds the `altcha` field. On the registration form it replaces the arithmetic
 * question (which stays as the no-JavaScript fallback, GOV.UK-style progressive enhancement); on the other forms
 * (signing, publishing) there is no question, and a form whose widget cannot work is sent without a proof.
 */
// The "external" build leaves its stylesheet to us: the default one injects a <style> element,
// which our CSP (no 'unsafe-inline' styles) refuses. esbuild emits the CSS beside this file.
import 'altcha/external';
import 'altcha/altcha.css';
import 'altcha/i18n/ru';
import 'altcha/i18n/en';
import { loadStylesheet } from './lib/stylesheet.ts';

interface AltchaGlobal {
  algorithms: Map<string, () => Worker>;
  i18n: { get(language: string): Record<string, string> | undefined; set(language: string, strings: Record<string, string>): void };
}
type Widget = HTMLElement & { verify?: () => Promise<unknown>; getState?: () => string };

const altcha = (globalThis as unknown as { $altcha: AltchaGlobal }).$altcha;

function loadStyles(): void {
  loadStylesheet(new URL('./captcha.css', import.meta.url).href, 'captcha');
}

// The external build brings no worker: register the one our challenges use (altcha-lib's default
// PBKDF2/SHA-256, see core/security/altcha.ts), copied beside this file by scripts/build-client.ts.
const pbkdf2Worker = new URL('./altcha-pbkdf2-worker.js', import.meta.url).href;
altcha.algorithms.set('PBKDF2/SHA-256', () => new Worker(pbkdf2Worker));

/** Our own wording (the page's dictionary) over the widget's: plain, with ё, the same voice as the rest of the site. */
function useStrings(language: string, json: string | undefined): void {
  if (!json) return;
  try {
    altcha.i18n.set(language, { ...(altcha.i18n.get(language) ?? {}), ...(JSON.parse(json) as Record<string, string>) });
  } catch {
    // The widget's own wording then.
  }
}

function submitButtons(form: HTMLFormElement) {
  return [...form.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button:not([type]), button[type="submit"], input[type="submit"]')];
}

function makeWidget(holder: HTMLElement, auto: 'onload' | 'onfocus'): Widget {
  const language = holder.dataset.locale === 'en' ? 'en' : 'ru';
  useStrings(language, holder.dataset.strings);
  const widget = document.createElement('altcha-widget') as Widget;
  widget.setAttribute('challenge', holder.dataset.challengeUrl ?? '');
  widget.setAttribute('name', 'altcha');
  widget.setAttribute('auto', auto);
  widget.setAttribute('language', language);
  // The footer links away to altcha.org; the widget stays one line.
  widget.setAttribute('configuration', JSON.stringify({ hideFooter: true }));
  return widget;
}

const stateOf = (event: Event) => (event as CustomEvent<{ state?: string }>).detail?.state;

/**
 * Registration: the form can be sent only once the proof is ready: sent earlier, it would carry neither a proof nor
 * an answer to the (hidden) question, and come back refused. If the widget fails, the question comes back instead,
 * so a person is never left with a form that cannot be sent.
 */
function enhanceWithQuestion(holder: HTMLElement, form: HTMLFormElement, question: HTMLElement): void {
  const buttons = submitButtons(form);
  let ready = false;
  const setReady = (value: boolean) => {
    ready = value;
    for (const button of buttons) button.disabled = !value;
  };
  const widget = makeWidget(holder, 'onload');
  const showQuestion = (visible: boolean) => {
    question.hidden = !visible;
    // Disabled fields are not sent: with the widget, only the proof of work is.
    for (const input of question.querySelectorAll('input')) input.disabled = !visible;
  };
  widget.addEventListener('statechange', (event) => {
    const state = stateOf(event);
    if (state === 'verified') setReady(true);
    else if (state === 'error') {
      // No proof can be made here (an old browser, a blocked worker): the arithmetic question it is.
      widget.remove();
      holder.hidden = true;
      showQuestion(true);
      setReady(true);
    } else {
      setReady(false);
      // A solution outlives its challenge only for a few minutes: a form left open gets a new one.
      if (state === 'expired') void widget.verify?.();
    }
  });
  form.addEventListener('submit', (event) => {
    if (!ready) event.preventDefault();
  });
  setReady(false);
  holder.append(widget);
  holder.hidden = false;
  showQuestion(false);
}

/**
 * Signing and publishing: the proof starts when the person starts on the form (so a page only read fetches no
 * challenge). A form sent before the proof is ready waits for it and then goes; if the widget fails, it goes
 * without one (the server accepts that, more cautiously).
 */
function enhanceWithoutQuestion(holder: HTMLElement, form: HTMLFormElement): void {
  const widget = makeWidget(holder, 'onfocus');
  let state = 'unverified';
  let waiting: { submitter: HTMLElement | null } | null = null;
  const send = () => {
    if (!waiting) return;
    const { submitter } = waiting;
    waiting = null;
    if (submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement) form.requestSubmit(submitter);
    else form.requestSubmit();
  };
  widget.addEventListener('statechange', (event) => {
    state = stateOf(event) ?? state;
    if (state === 'verified' || state === 'error') send();
  });
  form.addEventListener('submit', (event) => {
    if (state === 'verified' || state === 'error') return;
    event.preventDefault();
    waiting = { submitter: event.submitter };
    if (state !== 'verifying') void widget.verify?.();
  });
  holder.append(widget);
  holder.hidden = false;
}

const holders = document.querySelectorAll<HTMLElement>('.captcha-widget[data-challenge-url]');
if (holders.length > 0) loadStyles();
for (const holder of holders) {
  const form = holder.closest('form');
  if (!form) continue;
  const question = form.querySelector<HTMLElement>('.captcha-question');
  if (question) enhanceWithQuestion(holder, form, question);
  else enhanceWithoutQuestion(holder, form);
}
