/** English messages of territories, federal districts and municipality codes: exactly the keys of territories.messages.ru.ts. */
import type { EnglishOf } from '../../core/i18n/i18n.ts';
import type { territoriesRu } from './territories.messages.ru.ts';

export const territoriesEn: EnglishOf<typeof territoriesRu> = {
  'territories.title': 'Territories',
  'territories.lead': { one: '{count} federal subject of Russia by federal district.', other: '{count} federal subjects of Russia by federal district.' },
  'territories.municipalities': { one: '{count} municipality', other: '{count} municipalities' },
  'territory.codesTitle': 'Territory codes',
  'territory.oktmo': 'OKTMO',
  'territory.okato': 'OKATO',
  'territory.iso': 'ISO 3166-2',
  'territory.children': { one: '{count} municipality', other: '{count} municipalities' },
  'territory.noChildren': 'The municipalities of this region are not loaded yet.',
  'territory.organizations': { one: '{count} organization', other: '{count} organizations' },
  'territory.allOrganizations': 'All organizations of this territory',
  'district.central': 'Central Federal District',
  'district.northwestern': 'Northwestern Federal District',
  'district.southern': 'Southern Federal District',
  'district.north_caucasian': 'North Caucasian Federal District',
  'district.volga': 'Volga Federal District',
  'district.ural': 'Ural Federal District',
  'district.siberian': 'Siberian Federal District',
  'district.far_eastern': 'Far Eastern Federal District',
  'territoryKind.republic': 'republic',
  'territoryKind.krai': 'krai',
  'territoryKind.oblast': 'oblast',
  'territoryKind.federal_city': 'federal city',
  'territoryKind.autonomous_oblast': 'autonomous oblast',
  'territoryKind.autonomous_okrug': 'autonomous okrug',
  'territoryKind.municipal_district': 'municipal district',
  'territoryKind.municipal_okrug': 'municipal okrug',
  'territoryKind.urban_okrug': 'urban okrug',

  'validation.notMunicipalityCode': 'OKTMO {code} is a federal subject, not a municipality.',

  'errors.unknown_territory': 'No such territory.',
  'errors.import_failed': { one: 'Nothing imported: {count} error.', other: 'Nothing imported: {count} errors.' },

  'validation.unknownTerritory': 'No such territory.',
  'validation.unknownRegion': 'No region with OKTMO {code}.',
  'validation.csvSyntax': 'The file cannot be read as CSV.',
  'validation.csvColumns': 'Columns missing from the file: {columns}.',
  'validation.csvEmpty': 'The file has no data rows.',
  'validation.oktmo': 'An OKTMO code has 8 or 11 digits.',
  'validation.oktmoRegion': 'The OKTMO code does not belong to the given region.',
  'validation.okato': 'An OKATO code has 2 to 11 digits.',
  'validation.duplicate': 'This code already appeared in the file.',
};
