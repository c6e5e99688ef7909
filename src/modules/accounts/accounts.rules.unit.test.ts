import { describe, expect, it } from 'vitest';
import { FieldChecks } from '../../core/errors.ts';
import {
  canonicalEmail,
  checkFullName,
  checkPerson,
  checkPostalAddress,
  emailDomain,
  hashSecret,
  isRegistrationBurst,
  isValidEmail,
  newSecret,
  normalizeEmail,
  passwordProblems,
  publicName,
  registrationBurst,
} from './accounts.rules.ts';

describe('passwords', () => {
  it('accepts a long, varied password', () => {
    expect(passwordProblems('Сосновый-бор-1987')).toBeNull();
  });
  it('rejects short, common, monotonous and personal passwords, saying why', () => {
    expect(passwordProblems('Ab1!xyz')).toBe('passwordTooShort');
    expect(passwordProblems('qwertyuiop')).toBe('passwordCommon');
    expect(passwordProblems('aaaaaaaaaaaabbbb')).toBe('passwordMonotonous');
    expect(passwordProblems('ivanov-secret-99', ['Иван', 'ivanov'])).toBe('passwordPersonal');
    expect(passwordProblems('x'.repeat(201))).toBe('passwordTooLong');
  });
});

describe('e-mail', () => {
  it('is compared case-insensitively and without surrounding spaces', () => {
    expect(normalizeEmail('  Ivan.Petrov@Mail.RU ')).toBe('ivan.petrov@mail.ru');
  });
  it('needs a local part, a domain and a dot', () => {
    expect(isValidEmail('ivan@mail.ru')).toBe(true);
    expect(isValidEmail('ivan@mail')).toBe(false);
    expect(isValidEmail('ivan mail.ru')).toBe(false);
    expect(isValidEmail(`${'a'.repeat(250)}@mail.ru`)).toBe(false);
  });
});

describe('names and addresses', () => {
  it('allows Cyrillic, Latin, hyphens and apostrophes but not digits', () => {
    const checks = new FieldChecks();
    checkPerson(checks, { surname: 'Салтыков-Щедрин', firstName: "Д'Артаньян", patronymic: '' });
    expect(checks.problems).toEqual([]);
    checkPerson(checks, { surname: 'R2D2', firstName: '', patronymic: '' });
    expect(checks.problems).toEqual([
      { field: 'surname', rule: 'nameLetters' },
      { field: 'firstName', rule: 'required' },
    ]);
  });
  it('wants a house number in a postal address', () => {
    const checks = new FieldChecks();
    checkPostalAddress(checks, '170100, Тверь, Советская улица');
    expect(checks.problems).toEqual([{ field: 'postalAddress', rule: 'addressNeedsNumber' }]);
  });
  it('refuses letters other than Cyrillic and Latin in a name', () => {
    const checks = new FieldChecks();
    checkPerson(checks, { surname: 'Παπαδόπουλος', firstName: 'Ёжиков', patronymic: 'Renée' });
    expect(checks.problems).toEqual([{ field: 'surname', rule: 'nameLetters' }]);
  });
});

describe('a full name in one field (the sign form)', () => {
  const problemsOf = (value: string) => {
    const checks = new FieldChecks();
    checkFullName(checks, 'fullName', value);
    return checks.problems.map((p) => p.rule);
  };
  it.each(['Волкова Мария Игоревна', 'Салтыков-Щедрин Михаил Евгеньевич', "Д'Артаньян Шарль", 'O’Brien Patrick', 'Ёлкин Пётр', '  Ли   Ан ', 'Renée Dupont'])(
    'accepts %s',
    (value) => {
      expect(problemsOf(value)).toEqual([]);
    },
  );
  it.each([
    ['', 'required'],
    ['Мышь', 'fullNameTwoWords'],
    ['Волкова', 'fullNameTwoWords'],
    ['R2D2 Робот', 'fullNameLetters'],
    ['Иванов И. И.', 'fullNameLetters'],
    ['-Иванов Иван', 'fullNameLetters'],
    ['Иванов- Иван', 'fullNameLetters'],
    ['Иванов Иван 🙂', 'fullNameLetters'],
    ['Παπαδόπουλος Γιώργος', 'fullNameLetters'],
    [`Иванов ${'а'.repeat(300)}`, 'tooLong'],
  ])('refuses «%s»: %s', (value, rule) => {
    expect(problemsOf(value)).toEqual([rule]);
  });
  it('accepts every name a profile accepts, as the sign form joins it', () => {
    for (const person of [
      { surname: 'Салтыков-Щедрин', firstName: "Д'Артаньян", patronymic: '' },
      { surname: 'Кузнецова', firstName: 'Анна Мария', patronymic: 'Петровна' },
    ]) {
      const profile = new FieldChecks();
      checkPerson(profile, person);
      expect(profile.problems).toEqual([]);
      expect(problemsOf([person.surname, person.firstName, person.patronymic].join(' '))).toEqual([]);
    }
  });
});

describe('a postal address (profile and sign form: one rule)', () => {
  const problemsOf = (value: string) => {
    const checks = new FieldChecks();
    checkPostalAddress(checks, value);
    return checks.problems.map((p) => p.rule);
  };
  it.each([
    '170100, г. Тверь, ул. Советская, д. 1, кв. 2',
    '172400, пгт Оленино, ул. Мира, д. 3',
    '172400, Тверская обл., пгт Оленино, ул. Октябрьская, д. 7',
    '172400, Оленино, ул. Мира, д. 1',
    '101000, Москва, ул. Мясницкая, 1',
    '190000, Санкт-Петербург, Невский пр-т, 28',
    '344000, Ростов-на-Дону, ул. Большая Садовая, д. 10',
    '172412, Тверская обл., Оленинский р-н, д. Нефёдово, д. 5',
    '353000, Краснодарский край, ст-ца Полтавская, ул. Красная, 1',
    '171000, с. Красное, ул. Школьная, 4',
    '170100, г.Тверь, ул.Советская, д.1',
    '170100, Тверь г., Советская ул., д. 1',
    '170100 город Тверь улица Советская дом 1',
    '150000, г. Ярославль, ул. Советская, д. 1',
  ])('accepts %s', (value) => {
    expect(problemsOf(value)).toEqual([]);
  });
  it.each([
    ['ул. Ленина, д. 5', ['postcodeRequired', 'settlementRequired']],
    ['д. 1', ['postcodeRequired', 'settlementRequired']],
    ['170100, ул. Ленина, д. 5', ['settlementRequired']],
    ['170100, Тверская обл., ул. Ленина, д. 5', ['settlementRequired']],
    ['170100, Россия, Оленинский муниципальный округ, д. 5', ['settlementRequired']],
    ['г. Тверь, ул. Советская, д. 1', ['postcodeRequired']],
    ['17010, г. Тверь, ул. Советская, д. 1', ['postcodeRequired']],
    ['170100, г. Тверь, ул. Советская', ['addressNeedsNumber']],
    // A bare word may be a village's name («Мышкин» is a town): what is missing is the postcode and the house.
    ['Мышь', ['postcodeRequired', 'addressNeedsNumber']],
    [`170100, г. Тверь, ${'ул. Советская, '.repeat(40)}д. 1`, ['tooLong']],
  ])('refuses «%s», saying what is missing', (value, rules) => {
    expect(problemsOf(value)).toEqual(rules);
  });
  it('leaves an empty address to the caller (optional in a profile, required at signing)', () => {
    expect(problemsOf('  ')).toEqual([]);
  });
  it('shows people publicly as first name and surname initial', () => {
    expect(publicName('Иван', 'петров')).toBe('Иван П.');
  });
});

describe('secrets', () => {
  it('keeps only a hash, and each secret is new', () => {
    const a = newSecret('dm_');
    const b = newSecret('dm_');
    expect(a.token.startsWith('dm_')).toBe(true);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashSecret(a.token));
    expect(a.hash).not.toContain(a.token);
  });
});

describe('canonical e-mail: one mailbox, one account', () => {
  it('lowercases every address and leaves other providers’ names alone', () => {
    expect(canonicalEmail('  Ivan.Petrov@Mail.RU ')).toBe('ivan.petrov@mail.ru');
    expect(canonicalEmail('ivan+news@mail.ru')).toBe('ivan+news@mail.ru');
    expect(canonicalEmail('i.petrov+x@tver.gov.ru')).toBe('i.petrov+x@tver.gov.ru');
  });

  it('drops Gmail’s dots and +tags, and reads googlemail.com as gmail.com', () => {
    expect(canonicalEmail('Ivan.Petrov+petitions@gmail.com')).toBe('ivanpetrov@gmail.com');
    expect(canonicalEmail('i.v.a.n.petrov@googlemail.com')).toBe('ivanpetrov@gmail.com');
    expect(canonicalEmail('ivanpetrov@gmail.com')).toBe('ivanpetrov@gmail.com');
  });

  it('drops the +tag where the provider delivers it, keeping the dots and the domain', () => {
    expect(canonicalEmail('ivan.petrov+1@yandex.ru')).toBe('ivan.petrov@yandex.ru');
    expect(canonicalEmail('ivan+a@ya.ru')).toBe('ivan@ya.ru');
    expect(canonicalEmail('ivan+a@outlook.com')).toBe('ivan@outlook.com');
    expect(canonicalEmail('ivan+a@icloud.com')).toBe('ivan@icloud.com');
    expect(canonicalEmail('ivan+a@proton.me')).toBe('ivan@proton.me');
  });

  it('keeps a name that is only a tag or only dots, and an address without @', () => {
    expect(canonicalEmail('+tag@gmail.com')).toBe('+tag@gmail.com');
    expect(canonicalEmail('...@gmail.com')).toBe('...@gmail.com');
    expect(canonicalEmail('NoAt')).toBe('noat');
  });

  it('gives the domain of an address', () => {
    expect(emailDomain('Ivan@Tver.Gov.RU')).toBe('tver.gov.ru');
    expect(emailDomain('noat')).toBe('');
  });

  it('calls five accounts from one address within an hour a burst', () => {
    expect(isRegistrationBurst(registrationBurst.accounts - 1)).toBe(false);
    expect(isRegistrationBurst(registrationBurst.accounts)).toBe(true);
  });
});
