/** Russian messages of organizations, their kinds, jurisdictions and categories. */
import type { MessageKeysOf, RussianMessages } from '../../core/i18n/i18n.ts';

export const organizationsRu = {
  'flash.organizationSaved': 'Организация сохранена.',

  'organizations.title': 'Организации',
  'organizations.search': 'Название',
  'organizations.kind': 'Вид организации',
  'organizations.anyKind': 'любой вид',
  'organizations.filter': 'Показать',
  'organizations.found': {
    one: 'Найдена {count} организация',
    few: 'Найдено {count} организации',
    many: 'Найдено {count} организаций',
    other: 'Найдено {count} организации',
  },
  'organizations.none': 'Организаций не найдено.',
  'organizationKind.federal_body': 'федеральный орган власти',
  'organizationKind.regional_body': 'региональный орган власти',
  'organizationKind.municipal_administration': 'администрация муниципального образования',
  'organizationKind.legislative_body': 'законодательный (представительный) орган',
  'organizationKind.deputy': 'депутат',
  'organizationKind.party': 'партия',
  'organizationKind.ngo': 'общественная организация',
  'organizationKind.utility': 'ресурсоснабжающая или управляющая организация',
  'organization.name': 'Название',
  'organization.slug': 'Адрес страницы',
  'organization.slugHint': 'Латиницей через дефис; если не указать, составим из названия.',
  'organization.territory': 'Территория',
  'organization.threshold': 'Порог подписей для отправки',
  'organization.staffTitle': 'Для сотрудников организации',
  'organization.staffLead': 'Отвечайте на обращения граждан в служебном кабинете Democrator:',
  'organization.staffJoin': 'подключиться к кабинету',
  'organization.staffOpenCabinet': 'Открыть служебный кабинет',
  'organization.officialEmailDomains': 'Домены служебной почты',
  'organization.officialEmailDomainsHint':
    'Например, tver.gov.ru. Сотрудник с подтверждённым адресом на этом домене подключается к служебному кабинету без проверки администратором. Через запятую; не больше 20; общедоступные почтовые сервисы не подходят.',
  'organization.thresholdHint': 'По умолчанию 50. Изменение касается обращений, открытых после него: уже открытые сохраняют свой порог.',
  'organization.keepingThreshold': {
    one: 'Сейчас подписи собирает {count} обращение: его порог не изменится.',
    few: 'Сейчас подписи собирают {count} обращения: их порог не изменится.',
    many: 'Сейчас подписи собирают {count} обращений: их порог не изменится.',
    other: 'Сейчас подписи собирают {count} обращения: их порог не изменится.',
  },
  'organization.appealThreshold': {
    one: 'порог {count} подпись',
    few: 'порог {count} подписи',
    many: 'порог {count} подписей',
    other: 'порог {count} подписи',
  },
  'organization.thresholdFixedOnOpen': 'Порог закрепляется в обращении, когда открывается сбор подписей: открытые раньше обращения сохраняют прежний порог.',
  'organization.signatures': { one: '{count} подпись', few: '{count} подписи', many: '{count} подписей', other: '{count} подписи' },
  'organization.email': 'Почта для обращений',
  'organization.address': 'Почтовый адрес',
  'organization.website': 'Сайт',
  'organization.description': 'Описание',
  'organization.parent': 'Вышестоящая организация',
  'organization.parentHint': 'Куда обращаться, если ответ не решил проблему.',
  'organization.noParent': 'нет',
  'organization.children': 'Подведомственные организации',
  'organization.jurisdictions': 'Компетенция',
  'organization.jurisdictionsHint': 'Территории и темы, по которым организацию предложат как адресата. Без выбранных тем — все темы.',
  'organization.jurisdictionRow': 'Территория {number}',
  'organization.noJurisdictions': 'Компетенция не указана.',
  'organization.allCategories': 'все темы',
  'organization.new': 'Новая организация',
  'organization.edit': 'Изменение: {name}',

  'errors.unknown_organization': 'Такой организации нет.',
  'errors.unknown_category': 'Такой темы нет.',

  'validation.unknownOrganization': 'Такой организации нет.',
  'validation.csvDuplicate': 'Этот адрес страницы уже встречался в файле, в строке {line}.',
  'validation.csvInteger': 'Нужно целое число.',
  'organizationImport.title': 'Импорт и выгрузка организаций',
  'organizationImport.lead':
    'Выгрузите справочник организаций в CSV, исправьте его в таблице и загрузите обратно: организации с новым адресом страницы (slug) будут созданы, с существующим — обновлены. Файл с ошибкой хотя бы в одной строке не меняет ничего; ошибки перечислены по строкам.',
  'organizationImport.columns':
    'Столбцы. Территории — коды ОКТМО, вышестоящая организация — её адрес страницы, компетенция — «ОКТМО:тема|тема; ОКТМО» (без тем — все темы).',
  'organizationImport.export': 'Выгрузить все организации (CSV)',
  'organizationImport.file': 'Файл CSV',
  'organizationImport.submit': 'Загрузить',
  'organizationImport.done': 'Готово: создано {created}, обновлено {updated}.',
  'organizationImport.failed': {
    one: 'Ничего не изменено: в файле {count} ошибка.',
    few: 'Ничего не изменено: в файле {count} ошибки.',
    many: 'Ничего не изменено: в файле {count} ошибок.',
    other: 'Ничего не изменено: в файле {count} ошибки.',
  },
  'validation.unknownCategory': 'Такой темы нет.',
  'validation.hierarchyCycle': 'Организация не может подчиняться сама себе, даже через другие.',
  'validation.slug': 'Только латинские буквы, цифры и дефисы.',
  'validation.slugTaken': 'Такой адрес страницы уже занят.',
} as const satisfies RussianMessages;

declare module '../../core/i18n/i18n.ts' {
  interface Messages extends MessageKeysOf<typeof organizationsRu> {}
}
