/** Russian messages of answers: the letters of an appeal, the author's decision, inbound mail for the admins. */
import type { MessageKeysOf, RussianMessages } from '../../core/i18n/i18n.ts';

export const answersRu = {
  'letters.title': 'Письма адресата',
  'letters.answerTitle': 'Ответ адресата',
  'letters.receivedOn': 'Получено {date}',
  'letters.from': 'от {sender}',
  'letters.source.email': 'пришло на адрес обращения',
  'letters.source.author': 'загружено автором',
  'letters.source.admin': 'опубликовано администратором',
  'letters.noText': 'В письме нет текста, только вложения.',
  'letters.attachments': 'Вложения',
  'letters.size': '{kb} КБ',
  'letters.pendingTitle': {
    one: 'Пришло {count} письмо: это ответ?',
    few: 'Пришло {count} письма: это ответ?',
    many: 'Пришло {count} писем: это ответ?',
    other: 'Пришло {count} письма: это ответ?',
  },
  'letters.pendingLead':
    'Письмо пришло на адрес обращения. Пока вы не отметите его, письмо видно только вам (и модераторам). Ответ будет опубликован на странице обращения, подписавшие и подписчики узнают о нём.',
  'letters.noSubject': 'Письмо без темы',
  'letters.isAnswer': 'Это ответ на обращение',
  'letters.notAnswer': 'Это не ответ',
  'letters.acknowledgementsTitle': 'Уведомления адресата',
  'letters.acknowledged': 'адресат подтвердил получение обращения.',
  'letters.registrationNumberFound': 'В уведомлении указан регистрационный номер',
  'letters.confirmRegistration': 'Записать регистрацию: № {number} от {date}',
  'letters.notAnswersTitle': {
    one: '{count} письмо отмечено как «не ответ»',
    few: '{count} письма отмечены как «не ответ»',
    many: '{count} писем отмечены как «не ответ»',
    other: '{count} письма отмечены как «не ответ»',
  },
  'flash.answerPublished': 'Ответ опубликован. Подписавшие и подписчики получат уведомление.',
  'flash.letterNotAnswer': 'Письмо отмечено как «не ответ» и остаётся видно только вам.',

  'inbound.title': 'Входящая почта',
  'inbound.lead':
    'Письма, пришедшие на адреса обращений. Письма без подходящего обращения (неверная подпись адреса, неизвестное или ещё не отправленное обращение) никуда не прикрепляются и видны только здесь.',
  'inbound.filter': 'Показать письма',
  'inbound.status.unmatched': 'без обращения',
  'inbound.status.matched': 'прикреплённые к обращениям',
  'inbound.status.duplicate': 'повторные',
  'inbound.status.received': 'ещё не разобранные',
  'inbound.count': { one: '{count} письмо', few: '{count} письма', many: '{count} писем', other: '{count} письма' },
  'inbound.received': 'Получено',
  'inbound.from': 'От кого',
  'inbound.to': 'Кому',
  'inbound.subject': 'Тема',
  'inbound.reason': 'Почему не прикреплено',
  'inbound.reason.no_reply_address': 'нет адреса обращения',
  'inbound.reason.bad_signature': 'подпись адреса неверна (подделка или опечатка)',
  'inbound.reason.unknown_appeal': 'такого обращения нет',
  'inbound.reason.not_sent': 'обращение ещё не отправлено',
  'inbound.reason.malformed': 'письмо не удалось разобрать',
  'inbound.reason.duplicate': 'повтор уже полученного письма',

  'errors.letter_already_decided': 'По этому письму уже принято решение.',
  'errors.appeal_already_answered': 'У обращения уже есть ответ: второй ответ отметить нельзя. Отметьте письмо как «не ответ».',
  'errors.inbound_secret_invalid': 'Неверный или отсутствующий секрет входящей почты (заголовок X-Inbound-Secret).',
} as const satisfies RussianMessages;

declare module '../../core/i18n/i18n.ts' {
  interface Messages extends MessageKeysOf<typeof answersRu> {}
}
