/** Russian messages of administration: counters, the outbox, the audit log and the municipalities import. */
import type { MessageKeysOf, RussianMessages } from '../../core/i18n/i18n.ts';

export const adminRu = {
  'admin.title': 'Администрирование',
  'admin.users': { one: 'пользователь', few: 'пользователя', many: 'пользователей', other: 'пользователя' },
  'admin.organizations': { one: 'организация', few: 'организации', many: 'организаций', other: 'организации' },
  'admin.territories': { one: 'территория', few: 'территории', many: 'территорий', other: 'территории' },
  'admin.mail': { one: 'письмо', few: 'письма', many: 'писем', other: 'письма' },
  'admin.inboundMail': 'Входящая почта: ответы органов и письма без адресата',
  'admin.outbox': 'Исходящая почта',
  'admin.outboxLead': { one: 'Всего {count} письмо.', few: 'Всего {count} письма.', many: 'Всего {count} писем.', other: 'Всего {count} письма.' },
  'admin.mailSmtp': 'отправляется через SMTP',
  'admin.mailFailed': {
    one: '{count} письмо не удалось отправить: почтовый сервер не принял его, попытки прекращены. Письма со статусом «failed» — в журнале писем.',
    few: '{count} письма не удалось отправить: почтовый сервер не принял их, попытки прекращены. Письма со статусом «failed» — в журнале писем.',
    many: '{count} писем не удалось отправить: почтовый сервер не принял их, попытки прекращены. Письма со статусом «failed» — в журнале писем.',
    other: '{count} письма не удалось отправить: почтовый сервер не принял их, попытки прекращены. Письма со статусом «failed» — в журнале писем.',
  },
  'admin.mailOutbox': 'SMTP не настроен: письма остаются здесь',
  'admin.mailDate': 'Дата',
  'admin.mailTo': 'Кому',
  'admin.mailSubject': 'Тема',
  'admin.mailStatus': 'Состояние',
  'admin.mailAttachments': 'Вложения',
  'admin.attachmentSize': '{kilobytes} КБ',
  'admin.mailError': 'Ошибка',
  'admin.audit': 'Журнал действий',
  'audit.actor': 'Кто',
  'audit.action': 'Действие',
  'audit.subject': 'Объект',
  'mailStatus.queued': 'в очереди',
  'mailStatus.sent': 'отправлено',
  'mailStatus.outbox': 'в исходящих',
  'mailStatus.failed': 'не доставлено',
  'import.title': 'Импорт муниципальных образований',
  'import.lead':
    'CSV в UTF-8 со столбцами region_oktmo, oktmo, okato, name, kind (municipal_district, municipal_okrug или urban_okrug). Файл загружается целиком или не загружается вовсе: при любой ошибке ничего не записывается.',
  'import.file': 'Файл CSV',
  'import.submit': 'Загрузить',
  'import.progress': 'Ход загрузки',
  'import.done': 'Готово: добавлено {created}, обновлено {updated}.',
  'import.failed': {
    one: 'Файл не загружен: {count} ошибка.',
    few: 'Файл не загружен: {count} ошибки.',
    many: 'Файл не загружен: {count} ошибок.',
    other: 'Файл не загружен: {count} ошибки.',
  },
  'import.problems': 'Ошибки в файле',
  'import.line': 'Строка',
  'import.column': 'Столбец',
  'import.problem': 'Ошибка',
} as const satisfies RussianMessages;

declare module '../../core/i18n/i18n.ts' {
  interface Messages extends MessageKeysOf<typeof adminRu> {}
}
