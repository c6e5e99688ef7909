/** The messages' reply addresses (signed, one kind never read as another) and what of an e-mailed reply is the reply. */
import { describe, expect, it } from 'vitest';
import { replyAddress } from '../appeals/appeals.reply-address.ts';
import { broadcastReplyAddress, checkMessageBody, messageMaxLength, readMessageAddress, replyText, threadReplyAddress } from './cabinet.threads.rules.ts';

const secret = 'a-secret-of-the-site-0123456789';
const domain = 'reply.democrator.test';

describe('reply addresses of message threads', () => {
  it('reads back a thread’s and a signer’s address, whatever the case, with a plus tag', () => {
    expect(readMessageAddress(threadReplyAddress(42, secret, domain), secret, domain)).toEqual({ threadId: 42 });
    expect(readMessageAddress(threadReplyAddress(42, secret, domain).toUpperCase(), secret, domain)).toEqual({ threadId: 42 });
    expect(readMessageAddress(threadReplyAddress(42, secret, domain).replace('@', '+tag@'), secret, domain)).toEqual({ threadId: 42 });
    expect(readMessageAddress(broadcastReplyAddress(7, 19, secret, domain), secret, domain)).toEqual({ broadcastId: 7, userId: 19 });
  });

  it('refuses a forged, moved or foreign address, and an appeal’s address is not a thread’s', () => {
    const thread = threadReplyAddress(42, secret, domain);
    expect(readMessageAddress(thread.replace('thread-42-', 'thread-43-'), secret, domain)).toEqual({ refused: 'bad_signature' });
    expect(readMessageAddress(threadReplyAddress(42, 'another-secret-0123456789', domain), secret, domain)).toEqual({ refused: 'bad_signature' });
    const signer = broadcastReplyAddress(7, 19, secret, domain);
    expect(readMessageAddress(signer.replace('notice-7-19-', 'notice-7-20-'), secret, domain)).toEqual({ refused: 'bad_signature' });
    expect(readMessageAddress(thread.replace(domain, 'example.test'), secret, domain)).toEqual({ refused: 'other_domain' });
    expect(readMessageAddress(replyAddress(42, secret, domain), secret, domain)).toEqual({ refused: 'not_a_reply_address' });
    expect(readMessageAddress(`thread-99999999999-${'0'.repeat(16)}@${domain}`, secret, domain)).toEqual({ refused: 'not_a_reply_address' });
  });
});

describe('the reply in an e-mail', () => {
  it('keeps what is above the quote and its attribution line (Gmail, Outlook, Russian clients) and drops the signature', () => {
    expect(replyText('Дом 12.\n\nOn Mon, 7 Dec 2026 at 12:00, Democrator <robot@democrator.test> wrote:\n> Уточните номер дома')).toBe('Дом 12.');
    expect(replyText('Дом 12.\n\nпн, 7 дек. 2026 г. в 12:00, Democrator <robot@democrator.test>:\n> Уточните')).toBe('Дом 12.');
    expect(replyText('Дом 12.\r\n\r\n7 декабря 2026, Democrator написал:\r\n> Уточните')).toBe('Дом 12.');
    expect(replyText('Дом 12.\n\n-----Original Message-----\nFrom: Democrator\nУточните')).toBe('Дом 12.');
    expect(replyText('Дом 12.\n-- \nАлла, отправлено с телефона')).toBe('Дом 12.');
  });

  it('keeps an answer written below the quote, without the quoted lines', () => {
    expect(replyText('On Mon, Democrator <robot@democrator.test> wrote:\n> Уточните номер дома\n\nДом 12.')).toBe('Дом 12.');
    expect(replyText('> Уточните номер дома\nДом 12.\n> А улица?\nОктябрьская.')).toBe('Дом 12.\nОктябрьская.');
  });

  it('is empty when the mail holds only the quote', () => {
    expect(replyText('> Уточните номер дома\n> спасибо')).toBe('');
  });
});

describe('a message’s body', () => {
  it('is trimmed, required and at most the limit in characters (a letter outside the BMP counts once)', () => {
    expect(checkMessageBody('  Дом 12.\r\n')).toBe('Дом 12.');
    expect(() => checkMessageBody('   ')).toThrow();
    expect(checkMessageBody('😀'.repeat(messageMaxLength))).toHaveLength(messageMaxLength * 2);
    expect(() => checkMessageBody('я'.repeat(messageMaxLength + 1))).toThrow();
  });
});
