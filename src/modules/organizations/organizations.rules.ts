/** Organizations: kinds, the checks on their fields, and the hierarchy used for escalation. */

import type { OrganizationKind } from '../../core/db/schema.ts';
import type { FieldChecks } from '../../core/errors.ts';
import { characterCount } from '../../core/text/characters.ts';
import { isValidEmail } from '../accounts/accounts.rules.ts';

export const organizationKinds: OrganizationKind[] = [
  'federal_body',
  'regional_body',
  'municipal_administration',
  'legislative_body',
  'deputy',
  'party',
  'ngo',
  'utility',
];

export interface OrganizationInput {
  name: string;
  slug: string;
  kind: string;
  parentId: number | null;
  territoryId: number | null;
  appealEmail: string;
  postalAddress: string;
  website: string;
  appealThreshold: number | null;
  description: string;
  /** Jurisdictions: territory ids, each with category ids (empty: every category). */
  jurisdictions: { territoryId: number; categoryIds: number[] }[];
  /**
   * The staff's own e-mail domains, as typed (comma, space or line separated): an official with a verified address
   * on one joins the cabinet without an administrator. Absent: left as they are.
   */
  officialEmailDomains?: string;
}

/** Mailboxes anyone can open: never a proof of working somewhere, so never an official domain. */
export const publicMailDomains = new Set([
  'gmail.com',
  'googlemail.com',
  'yandex.ru',
  'ya.ru',
  'yandex.com',
  'mail.ru',
  'bk.ru',
  'inbox.ru',
  'list.ru',
  'internet.ru',
  'rambler.ru',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
]);

export const maxOfficialDomains = 20;

/** The domains as typed, lower-cased, without duplicates, in their order. */
export function parseEmailDomains(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((domain) => domain.trim().toLowerCase().replace(/^@/, ''))
        .filter(Boolean),
    ),
  ];
}

export function checkEmailDomains(checks: FieldChecks, domains: readonly string[]): void {
  if (domains.length > maxOfficialDomains) checks.add('officialEmailDomains', 'tooMany', { limit: maxOfficialDomains });
  else if (domains.some((domain) => domain.length > 253 || !/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(domain)))
    checks.add('officialEmailDomains', 'emailDomain');
  else if (domains.some((domain) => publicMailDomains.has(domain))) checks.add('officialEmailDomains', 'publicMailDomain');
}

/** The domain of an e-mail address, lower-cased. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Transliterates a Russian name into a URL slug: "Администрация города Твери" → "administratsiya-goroda-tveri". */
export function slugify(name: string): string {
  const map: Record<string, string> = {
    а: 'a',
    б: 'b',
    в: 'v',
    г: 'g',
    д: 'd',
    е: 'e',
    ё: 'e',
    ж: 'zh',
    з: 'z',
    и: 'i',
    й: 'y',
    к: 'k',
    л: 'l',
    м: 'm',
    н: 'n',
    о: 'o',
    п: 'p',
    р: 'r',
    с: 's',
    т: 't',
    у: 'u',
    ф: 'f',
    х: 'kh',
    ц: 'ts',
    ч: 'ch',
    ш: 'sh',
    щ: 'shch',
    ъ: '',
    ы: 'y',
    ь: '',
    э: 'e',
    ю: 'yu',
    я: 'ya',
  };
  return name
    .toLowerCase()
    .split('')
    .map((ch) => map[ch] ?? ch)
    .join('')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/g, '');
}

export function checkOrganization(checks: FieldChecks, input: OrganizationInput): void {
  const name = input.name.trim();
  if (!name) checks.add('name', 'required');
  else if (characterCount(name) > 500) checks.add('name', 'tooLong', { limit: 500 });
  if (input.slug && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(input.slug)) checks.add('slug', 'slug');
  if (!(organizationKinds as string[]).includes(input.kind)) checks.add('kind', 'notAllowed');
  if (input.territoryId === null) checks.add('territoryId', 'required');
  else if (input.territoryId < 0) checks.add('territoryId', 'unknownTerritory');
  if (input.parentId !== null && input.parentId < 0) checks.add('parentId', 'unknownOrganization');
  const email = input.appealEmail.trim();
  if (email && !isValidEmail(email.toLowerCase())) checks.add('appealEmail', 'email');
  const website = input.website.trim();
  if (website) {
    try {
      const url = new URL(website);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') checks.add('website', 'url');
    } catch {
      checks.add('website', 'url');
    }
  }
  if (input.appealThreshold !== null && (!Number.isInteger(input.appealThreshold) || input.appealThreshold < 1 || input.appealThreshold > 1_000_000)) {
    checks.add('appealThreshold', 'outOfRange', { minimum: 1, maximum: 1_000_000 });
  }
  if (characterCount(input.postalAddress.trim()) > 500) checks.add('postalAddress', 'tooLong', { limit: 500 });
  if (characterCount(input.description.trim()) > 5000) checks.add('description', 'tooLong', { limit: 5000 });
  if (input.officialEmailDomains !== undefined) checkEmailDomains(checks, parseEmailDomains(input.officialEmailDomains));
}

/** True when making `parentId` the parent of `id` would close a loop in the hierarchy. */
export function wouldCycle(id: number, parentId: number, parentOf: Map<number, number | null>): boolean {
  let current: number | null | undefined = parentId;
  const seen = new Set<number>();
  while (current !== null && current !== undefined) {
    if (current === id) return true;
    if (seen.has(current)) return true;
    seen.add(current);
    current = parentOf.get(current);
  }
  return false;
}
