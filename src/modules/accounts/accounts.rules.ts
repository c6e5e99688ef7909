/** Account rules without I/O: what a valid name, e-mail and password are, and token lifetimes. */
import { createHash, randomBytes } from 'node:crypto';
import type { FieldChecks } from '../../core/errors.ts';
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
/** Letters of any script, spaces, hyphens and apostrophes: Салтыков-Щедрин, д'Артаньян. */
const namePattern = /^[\p{L}][\p{L}\p{M}' -]*$/u;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
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
    else if (!namePattern.test(trimmed)) checks.add(field, 'nameLetters');
  }
}

export function checkPostalAddress(checks: FieldChecks, address: string): void {
  const trimmed = address.trim();
  if (characterCount(trimmed) > 500) checks.add('postalAddress', 'tooLong', { limit: 500 });
  else if (trimmed && !/\d/.test(trimmed)) checks.add('postalAddress', 'addressNeedsNumber');
}

/** "Иван П." — how a person is shown publicly: first name and the surname's initial. */
export function publicName(firstName: string, surname: string): string {
  const initial = surname.trim().charAt(0).toUpperCase();
  return initial ? `${firstName.trim()} ${initial}.` : firstName.trim();
}

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
