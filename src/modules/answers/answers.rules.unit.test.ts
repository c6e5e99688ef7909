/** How an incoming letter is read, and the reply address of an appeal. */
import { describe, expect, it } from 'vitest';
import { readReplyAddress, replyAddress } from '../appeals/appeals.reply-address.ts';
import { findRegistrationNumber, isAutoReply, letterKind } from './answers.rules.ts';

const secret = 'test-secret-0123456789abcdef';
const domain = 'reply.democrator.test';

describe('the reply address of an appeal', () => {
  it('reads back the appeal it was made for, whatever the case and a plus tag', () => {
    const address = replyAddress(42, secret, domain);
    expect(address).toMatch(/^appeal-42-[0-9a-f]{16}@reply\.democrator\.test$/);
    expect(readReplyAddress(address, secret, domain)).toEqual({ appealId: 42 });
    expect(readReplyAddress(address.toUpperCase(), secret, domain)).toEqual({ appealId: 42 });
    expect(readReplyAddress(address.replace('@', '+bounce@'), secret, domain)).toEqual({ appealId: 42 });
  });

  it('refuses a forged signature, another appeal’s signature, another secret, another domain and other addresses', () => {
    const address = replyAddress(42, secret, domain);
    const signature = address.slice('appeal-42-'.length, address.indexOf('@'));
    expect(readReplyAddress(`appeal-42-${'0'.repeat(16)}@${domain}`, secret, domain)).toEqual({ refused: 'bad_signature' });
    expect(readReplyAddress(`appeal-43-${signature}@${domain}`, secret, domain)).toEqual({ refused: 'bad_signature' });
    expect(readReplyAddress(address, 'another-secret-0123456789', domain)).toEqual({ refused: 'bad_signature' });
    expect(readReplyAddress(address.replace(domain, 'example.test'), secret, domain)).toEqual({ refused: 'other_domain' });
    for (const other of [`priemnaya@${domain}`, `appeal-0-${signature}@${domain}`, `appeal-99999999999-${signature}@${domain}`, 'no-at-sign'])
      expect(readReplyAddress(other, secret, domain)).toEqual({ refused: 'not_a_reply_address' });
  });
});

describe('an incoming letter', () => {
  const headers = (entries: Record<string, unknown>) => new Map(Object.entries(entries));

  it('is an automatic reply by RFC 3834 and the older headers, not when Auto-Submitted says no', () => {
    expect(isAutoReply(headers({ 'auto-submitted': 'auto-replied' }))).toBe(true);
    expect(isAutoReply(headers({ 'auto-submitted': { value: 'auto-generated', params: {} } }))).toBe(true);
    expect(isAutoReply(headers({ 'x-autoreply': 'yes' }))).toBe(true);
    expect(isAutoReply(headers({ precedence: 'auto_reply' }))).toBe(true);
    expect(isAutoReply(headers({ precedence: 'bulk' }))).toBe(true);
    expect(isAutoReply(headers({ 'auto-submitted': 'no' }))).toBe(false);
    expect(isAutoReply(headers({ subject: 'Ответ' }))).toBe(false);
  });

  it('finds the registration number a notice gives, in the usual wordings, and nothing in an ordinary answer', () => {
    expect(findRegistrationNumber('Ваше обращение зарегистрировано за № 12-34/567 от 02.12.2026.')).toBe('12-34/567');
    expect(findRegistrationNumber('Обращение зарегистрировано под номером ОГ-1234.')).toBe('ОГ-1234');
    expect(findRegistrationNumber('Регистрационный номер: 01-15/2345')).toBe('01-15/2345');
    expect(findRegistrationNumber('Вх. № 3309 от 01.12.2026')).toBe('3309');
    expect(findRegistrationNumber('Ремонт дороги включён в план на май.')).toBeNull();
    expect(findRegistrationNumber('Регистрационный номер будет сообщён позже.')).toBeNull();
  });

  it('is an acknowledgement when automatic or a short registration notice, else a letter that may be the answer', () => {
    expect(letterKind({ headers: headers({ 'auto-submitted': 'auto-replied' }), subject: 'Автоответ', text: 'Ваше письмо получено.' })).toBe('acknowledgement');
    expect(letterKind({ headers: headers({}), subject: 'Уведомление', text: 'Обращение зарегистрировано за № 7/12.' })).toBe('acknowledgement');
    expect(letterKind({ headers: headers({}), subject: 'Ответ на обращение', text: 'Ремонт дороги включён в план на май.' })).toBe('letter');
  });
});
