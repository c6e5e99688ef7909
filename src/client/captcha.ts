/**
 * Enhances a form that has a CAPTCHA: with JavaScript the ALTCHA proof-of-work widget replaces the
 * arithmetic question (which stays as the no-JavaScript fallback, GOV.UK-style progressive enhancement).
 */
import 'altcha';
import 'altcha/i18n/ru';
import 'altcha/i18n/en';

for (const holder of document.querySelectorAll<HTMLElement>('.captcha-widget[data-challenge-url]')) {
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
