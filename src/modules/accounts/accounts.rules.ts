/** Account rules without I/O: what a valid name, e-mail and password are, and token lifetimes. */
import { createHash, randomBytes } from 'node:crypto';
import type { UserRole } from '../../core/db/schema.ts';
import type { ErrorCode, FieldChecks } from '../../core/errors.ts';
import { characterCount } from '../../core/text/characters.ts';

export const tokenLifetimes = {
  verify_email: 48 * 3600_000,
  reset_password: 3600_000,
  change_email: 24 * 3600_000,
} as const;
export const sessionLifetimeMs = 30 * 24 * 3600_000;
export const passwordMinLength = 10;
export const passwordMaxLength = 200;

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/**
 * One word of a person's name: Cyrillic or Latin letters (ё and accented Latin letters too), with a hyphen or an
 * apostrophe inside it: Салтыков-Щедрин, д'Артаньян, O’Brien. A letter must come on either side of each of them.
 */
const letter = String.raw`[\p{Script=Cyrillic}\p{Script=Latin}]\p{M}*`;
const nameWord = new RegExp(`^(?:${letter})+(?:['’-](?:${letter})+)*$`, 'u');

/** The words of a name as typed: spaces folded. */
function nameWords(value: string): string[] {
  return value.trim().split(/\s+/).filter(Boolean);
}

/** A part of a name (a surname, a first name, a patronymic): one or more name words. */
export function isNameText(value: string): boolean {
  const words = nameWords(value);
  return words.length > 0 && words.every((word) => nameWord.test(word));
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Providers that deliver `name+anything@` to `name@`: for them the +tag is dropped, so one mailbox is one account.
 * Gmail also ignores dots in the name and answers on googlemail.com too. The Yandex family (one mailbox answers on all
 * its domains, but we keep the domain: mapping them together would also merge distinct people on ya.ru/yandex.ru),
 * Microsoft's, Apple's, Proton's and Fastmail's deliver +tags. Mail.ru and Rambler do not (a + there is part of a
 * name, or refused), nor do most company domains, so their names are left as typed, only lowercased.
 */
const plusTagDomains = new Set([
  'gmail.com',
  'yandex.ru',
  'yandex.com',
  'yandex.by',
  'yandex.kz',
  'yandex.ua',
  'ya.ru',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'fastmail.com',
]);

/**
 * The form of an address that names its mailbox: lowercased, googlemail.com → gmail.com, Gmail's dots dropped, and the
 * +tag dropped where the provider delivers it (`plusTagDomains`). Two addresses with one canonical form reach one
 * mailbox, so they may have one account between them. Pure; an address without «@» is only lowercased.
 */
export function canonicalEmail(email: string): string {
  const lowered = normalizeEmail(email);
  const at = lowered.lastIndexOf('@');
  if (at <= 0) return lowered;
  let local = lowered.slice(0, at);
  let domain = lowered.slice(at + 1);
  if (domain === 'googlemail.com') domain = 'gmail.com';
  if (plusTagDomains.has(domain)) {
    const plus = local.indexOf('+');
    if (plus > 0) local = local.slice(0, plus);
  }
  if (domain === 'gmail.com') local = local.replaceAll('.', '') || local;
  return `${local}@${domain}`;
}

/** The domain of an address, lowercased (empty when it has none). */
export function emailDomain(email: string): string {
  const lowered = normalizeEmail(email);
  const at = lowered.lastIndexOf('@');
  return at < 0 ? '' : lowered.slice(at + 1);
}

/**
 * Many accounts registered from one client address in a short time (a script making accounts to sign with): each of
 * them is marked, and their signatures are flagged for a moderator. A family or an office behind one address makes a
 * few accounts over days, fewer than five within an hour.
 */
export const registrationBurst = { windowMs: 3600_000, accounts: 5 } as const;

/** Whether `count` accounts from one address within `registrationBurst.windowMs` make a burst. */
export function isRegistrationBurst(count: number): boolean {
  return count >= registrationBurst.accounts;
}

export function isValidEmail(email: string): boolean {
  return email.length <= 254 && emailPattern.test(email);
}

/** The few passwords a guesser tries first; a long list belongs to a breached-password check. */
const commonPasswords = new Set([
  'password123',
  'qwertyuiop',
  '1234567890',
  '0987654321',
  'qwerty1234',
  '1q2w3e4r5t',
  'password1!',
  'йцукенгшщз',
  'democrator',
  'iloveyou12',
]);

export function passwordProblems(password: string, personal: string[] = []): string | null {
  if (password.length < passwordMinLength) return 'passwordTooShort';
  if (password.length > passwordMaxLength) return 'passwordTooLong';
  const lower = password.toLowerCase();
  if (commonPasswords.has(lower)) return 'passwordCommon';
  if (new Set(lower).size < 5) return 'passwordMonotonous';
  for (const word of personal) {
    const part = word.trim().toLowerCase();
    if (part.length >= 4 && lower.includes(part)) return 'passwordPersonal';
  }
  return null;
}

export interface PersonInput {
  surname: string;
  firstName: string;
  patronymic: string;
}

export function checkPerson(checks: FieldChecks, person: PersonInput): void {
  for (const [field, value, required] of [
    ['surname', person.surname, true],
    ['firstName', person.firstName, true],
    ['patronymic', person.patronymic, false],
  ] as const) {
    const trimmed = value.trim();
    if (!trimmed) {
      if (required) checks.add(field, 'required');
      continue;
    }
    if (characterCount(trimmed) > 100) checks.add(field, 'tooLong', { limit: 100 });
    else if (!isNameText(trimmed)) checks.add(field, 'nameLetters');
  }
}

/**
 * A full name typed in one field (the sign form): at least a surname and a first name, each in Cyrillic or Latin letters.
 * A profile's name (checkPerson) always passes it, so the sign form filled from the profile is never refused.
 */
export function checkFullName(checks: FieldChecks, field: string, value: string): void {
  const words = nameWords(value);
  if (words.length === 0) checks.add(field, 'required');
  else if (characterCount(words.join(' ')) > 300) checks.add(field, 'tooLong', { limit: 300 });
  else if (!words.every((word) => nameWord.test(word))) checks.add(field, 'fullNameLetters');
  else if (words.length < 2) checks.add(field, 'fullNameTwoWords');
}

/** Marker words, compared in lower case with ё as е. */
function markerSet(words: string): Set<string> {
  return new Set(words.split(' ').map((word) => word.replaceAll('ё', 'е')));
}

/**
 * Words that mark a settlement, before or after its name: «г. Тверь», «пгт Оленино», «д. Нефёдово», «Тверь г.».
 * «д.» is also a house («д. 5»): it marks a settlement only before a word of letters.
 */
const settlementMarkers = markerSet(
  'г гор город с село д дер деревня п пос посёлок поселок пгт рп р-п кп дп ст-ца станица ст станция х хут хутор аул сл слобода нп',
);
/** Words of the parts of an address that are not a settlement: the street, the house, the region, the country. */
const otherMarkers = markerSet(
  'ул улица пр пр-т пр-кт просп проспект пер переулок ш шоссе б-р бул бульвар наб набережная пл площадь ' +
    'проезд пр-д туп тупик аллея линия кв-л квартал мкр микрорайон снт тракт км километр дорога дом кв ' +
    'квартира корп корпус к стр строение лит литера оф офис пом помещение а/я обл область край респ ' +
    'республика ао автономный округ р-н район муниципальный городской поселение россия рф российская ' +
    'федерация до востребования',
);
const lettersOnly = /^[\p{L}\p{M}'’-]+$/u;

/** Whether one comma-separated part of an address names a settlement, with or without its marker. */
function namesSettlement(part: string): boolean {
  const words = part
    .split(/[\s.]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase().replaceAll('ё', 'е'));
  const isName = (word: string | undefined) => word !== undefined && lettersOnly.test(word) && !settlementMarkers.has(word) && !otherMarkers.has(word);
  if (words.some((word, i) => settlementMarkers.has(word) && (isName(words[i + 1]) || (word !== 'д' && isName(words[i - 1]))))) return true;
  // No marker: a part of letters only that names nothing else is the town itself («Москва», «Оленино», «Ростов-на-Дону»).
  return words.length > 0 && words.every(isName);
}

/** A postcode: six digits on their own. */
const postcodePattern = /(?<!\d)\d{6}(?!\d)/;

/**
 * A postal address as the law needs it in a written appeal (59-FZ Art. 7) and a letter needs it to arrive: a six-digit
 * postcode, a settlement and a house number. One rule for the profile and the sign form, so an address the profile
 * accepted is never refused at signing. An empty address is the caller's to allow (the profile) or refuse (signing).
 */
export function checkPostalAddress(checks: FieldChecks, address: string): void {
  const trimmed = address.trim();
  if (!trimmed) return;
  if (characterCount(trimmed) > 500) {
    checks.add('postalAddress', 'tooLong', { limit: 500 });
    return;
  }
  if (!postcodePattern.test(trimmed)) checks.add('postalAddress', 'postcodeRequired');
  const parts = trimmed.replace(postcodePattern, ' ').split(/[,;\n]+/);
  if (!parts.some(namesSettlement)) checks.add('postalAddress', 'settlementRequired');
  if (!/\d/.test(trimmed.replace(postcodePattern, ' '))) checks.add('postalAddress', 'addressNeedsNumber');
}

/** "Иван П." — how a person is shown publicly: first name and the surname's initial. */
export function publicName(firstName: string, surname: string): string {
  const initial = surname.trim().charAt(0).toUpperCase();
  return initial ? `${firstName.trim()} ${initial}.` : firstName.trim();
}

/** Whether `actor` may block or unblock `target`: moderators and admins, never themselves; a moderator only citizens. */
export function blockRefusal(actor: { id: number; role: UserRole }, target: { id: number; role: UserRole }): ErrorCode | null {
  if (actor.role !== 'moderator' && actor.role !== 'admin') return 'forbidden';
  if (actor.id === target.id) return 'cannot_act_on_self';
  if (actor.role === 'moderator' && target.role !== 'citizen') return 'cannot_block_staff';
  return null;
}

/** Whether `actor` may give `target` the role `role`: admins only, and an admin keeps his own admin role (so one always remains). */
export function roleChangeRefusal(actor: { id: number; role: UserRole }, target: { id: number }, role: UserRole): ErrorCode | null {
  if (actor.role !== 'admin') return 'forbidden';
  if (actor.id === target.id && role !== 'admin') return 'own_admin_role';
  return null;
}

export const userRoles: readonly UserRole[] = ['citizen', 'moderator', 'admin'];
export const reasonMaxLength = 1000;

export function fullName(user: { surname: string; first_name: string; patronymic: string | null }): string {
  return [user.surname, user.first_name, user.patronymic].filter(Boolean).join(' ');
}

/** A secret for a link or cookie, and the hash that is all the database ever keeps of it. */
export function newSecret(prefix = ''): { token: string; hash: string } {
  const token = prefix + randomBytes(32).toString('base64url');
  return { token, hash: hashSecret(token) };
}

export function hashSecret(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
