/** Russian messages of territories, federal districts and municipality codes. */
import type { MessageKeysOf, RussianMessages } from '../../core/i18n/i18n.ts';

export const territoriesRu = {
  'territories.title': 'Территории',
  'territories.lead': {
    one: '{count} субъект Российской Федерации по федеральным округам.',
    few: '{count} субъекта Российской Федерации по федеральным округам.',
    many: '{count} субъектов Российской Федерации по федеральным округам.',
    other: '{count} субъекта Российской Федерации по федеральным округам.',
  },
  'territories.municipalities': {
    one: '{count} муниципалитет',
    few: '{count} муниципалитета',
    many: '{count} муниципалитетов',
    other: '{count} муниципалитета',
  },
  'territory.codesTitle': 'Коды территории',
  'territory.oktmo': 'ОКТМО',
  'territory.okato': 'ОКАТО',
  'territory.timeZone': 'Часовой пояс (в нём считаются сроки ответа)',
  'territory.edit': 'Изменить территорию',
  'territory.iso': 'ISO 3166-2',
  'territory.children': {
    one: '{count} муниципальное образование',
    few: '{count} муниципальных образования',
    many: '{count} муниципальных образований',
    other: '{count} муниципального образования',
  },
  'territory.noChildren': 'Муниципальные образования этого региона пока не загружены.',
  'territory.organizations': { one: '{count} организация', few: '{count} организации', many: '{count} организаций', other: '{count} организации' },
  'territory.allOrganizations': 'Все организации территории',
  'district.central': 'Центральный федеральный округ',
  'district.northwestern': 'Северо-Западный федеральный округ',
  'district.southern': 'Южный федеральный округ',
  'district.north_caucasian': 'Северо-Кавказский федеральный округ',
  'district.volga': 'Приволжский федеральный округ',
  'district.ural': 'Уральский федеральный округ',
  'district.siberian': 'Сибирский федеральный округ',
  'district.far_eastern': 'Дальневосточный федеральный округ',
  'territoryKind.republic': 'республика',
  'territoryKind.krai': 'край',
  'territoryKind.oblast': 'область',
  'territoryKind.federal_city': 'город федерального значения',
  'territoryKind.autonomous_oblast': 'автономная область',
  'territoryKind.autonomous_okrug': 'автономный округ',
  'territoryKind.municipal_district': 'муниципальный район',
  'territoryKind.municipal_okrug': 'муниципальный округ',
  'territoryKind.urban_okrug': 'городской округ',

  'validation.notMunicipalityCode': 'Код ОКТМО {code} принадлежит субъекту РФ, а не муниципальному образованию.',

  'errors.unknown_territory': 'Такой территории нет.',
  'errors.import_failed': {
    one: 'Файл не загружен: {count} ошибка.',
    few: 'Файл не загружен: {count} ошибки.',
    many: 'Файл не загружен: {count} ошибок.',
    other: 'Файл не загружен: {count} ошибки.',
  },

  'validation.unknownTerritory': 'Такой территории нет.',
  'validation.unknownRegion': 'Регион с ОКТМО {code} не найден.',
  'validation.csvSyntax': 'Файл не читается как CSV.',
  'validation.csvColumns': 'В файле нет столбцов: {columns}.',
  'validation.csvEmpty': 'В файле нет строк с данными.',
  'validation.oktmo': 'Код ОКТМО — 8 или 11 цифр.',
  'validation.oktmoRegion': 'Код ОКТМО не относится к указанному региону.',
  'validation.okato': 'Код ОКАТО — от 2 до 11 цифр.',
  'validation.duplicate': 'Этот код уже встречался в файле.',
} as const satisfies RussianMessages;

declare module '../../core/i18n/i18n.ts' {
  interface Messages extends MessageKeysOf<typeof territoriesRu> {}
}
