/** Rough edge 12 of issue 8: wording that does not assume the reader's gender, a natural «no public signers», Russian dates. */
import { beforeAll, describe, expect, it } from 'vitest';
import { translate, translator } from '../../core/i18n/i18n.ts';
import { registerModuleMessages } from '../../messages.ts';
import { parseFormDate } from './appeals.rules.ts';
import { signersTitle } from './appeals.views.tsx';

beforeAll(() => registerModuleMessages());

describe('the number of signers named publicly', () => {
  const t = translator('ru');

  it('says that nobody agreed when there is nobody, instead of «0 подписавших названы публично»', () => {
    expect(signersTitle(t, 0)).toBe('Никто из подписавших не согласился на публикацию имени');
    expect(signersTitle(translator('en'), 0)).toBe('No signer has agreed to have their name shown');
  });

  it.each([
    [1, '1 подписавший назван публично'],
    [2, '2 подписавших названы публично'],
    [5, '5 подписавших названы публично'],
    [21, '21 подписавший назван публично'],
  ])('%i → %s', (count, expected) => {
    expect(signersTitle(t, count)).toBe(expected);
  });
});

describe('the author’s own actions', () => {
  it('are worded without a gendered verb', () => {
    expect(translate('ru', 'appealPage.sentByMe')).toBe('Обращение отправлено мной');
    expect(translate('ru', 'event.appeal.sentByAuthor')).toBe('Обращение отправлено автором самостоятельно');
    expect(translate('ru', 'delete.confirm')).toBe('Мои данные сохранены или они мне не нужны');
    expect(translate('ru', 'sign.consentTransfer')).toBe('Даю согласие передать мои фамилию, имя, отчество и почтовый адрес адресату обращения');
  });
});

describe('withdrawing an appeal that was already sent', () => {
  it('explains why it cannot be done and what to do instead', () => {
    expect(translate('ru', 'errors.appeal_already_sent')).toBe(
      'Обращение уже отправлено адресату, поэтому отозвать его на платформе нельзя: письмо у адресата. Если вопрос решён, сообщите об этом адресату письмом со ссылкой на номер обращения.',
    );
  });
});

describe('the date a letter was sent', () => {
  it('is asked for in the Russian format', () => {
    expect(translate('ru', 'appealPage.sentOnHint')).toBe('ДД.ММ.ГГГГ, например 05.03.2026');
    expect(translate('ru', 'validation.date')).toBe('Укажите дату в виде ДД.ММ.ГГГГ, например 05.03.2026.');
  });

  it.each([
    ['05.03.2026', '2026-03-05T09:00:00.000Z'],
    ['5.3.2026', '2026-03-05T09:00:00.000Z'],
    [' 31.12.2025 ', '2025-12-31T09:00:00.000Z'],
    ['2026-03-05', '2026-03-05T09:00:00.000Z'],
    ['29.02.2028', '2028-02-29T09:00:00.000Z'],
  ])('accepts %s as noon in Moscow', (typed, expected) => {
    expect(parseFormDate(typed)?.toISOString()).toBe(expected);
  });

  it.each(['', '31.02.2026', '29.02.2026', '00.01.2026', '05.13.2026', '05/03/2026', '03-05-2026', '2026-3-5', '05.03.26', 'вчера'])('refuses %j', (typed) => {
    expect(parseFormDate(typed)).toBeNull();
  });
});
