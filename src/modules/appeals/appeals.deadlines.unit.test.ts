import { describe, expect, it } from 'vitest';
import {
  CalendarYearMissingError,
  calendarYears,
  deadlines,
  extendAnswerTerm,
  forwardingLateness,
  isWorkingDay,
  localDate,
  nextWorkingDay,
  standing,
  termFrom,
} from './appeals.deadlines.ts';
import { productionCalendar } from './data/production-calendar.ts';

const moscow = 'Europe/Moscow';
const weekday = (iso: string) => new Date(`${iso}T00:00:00Z`).getUTCDay();

describe('the production calendar', () => {
  it('covers this year, and the next one from 15 October (when the next decree is out, add it)', () => {
    // Reads the real clock on purpose: this test is the reminder that fails when a year is missing.
    const today = new Date();
    const year = today.getUTCFullYear();
    expect(calendarYears()).toContain(year);
    if (today.getUTCMonth() > 9 || (today.getUTCMonth() === 9 && today.getUTCDate() >= 15)) expect(calendarYears()).toContain(year + 1);
  });

  it('lists weekdays as days off and weekends as working days, holidays of Art. 112 included, with the published totals', () => {
    const fixedHolidays = ['01-01', '01-02', '01-03', '01-04', '01-05', '01-06', '01-07', '01-08', '02-23', '03-08', '05-01', '05-09', '06-12', '11-04'];
    for (const year of calendarYears()) {
      const data = productionCalendar[year];
      if (!data) throw new Error(`no ${year}`);
      for (const day of data.daysOff) expect({ day, weekday: [1, 2, 3, 4, 5].includes(weekday(day)) }).toEqual({ day, weekday: true });
      for (const day of data.workingWeekends) expect({ day, weekend: [0, 6].includes(weekday(day)) }).toEqual({ day, weekend: true });
      for (const md of fixedHolidays) {
        const day = `${year}-${md}`;
        if (weekday(day) !== 0 && weekday(day) !== 6) expect(data.daysOff, `${day} is a public holiday`).toContain(day);
      }
      let working = 0;
      for (let d = `${year}-01-01`; d.startsWith(String(year)); d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10))
        if (isWorkingDay(d)) working++;
      expect({ year, working }).toEqual({ year, working: data.workingDays });
    }
    // The totals the ministry of labour published for the years whose decrees are in force.
    expect([2024, 2025, 2026].map((y) => productionCalendar[y]?.workingDays)).toEqual([248, 247, 247]);
  });

  it('knows transfer days: a working Saturday and a weekday off', () => {
    expect(isWorkingDay('2025-11-01')).toBe(true); // Saturday, worked for Monday 3 November
    expect(isWorkingDay('2025-11-03')).toBe(false);
    expect(isWorkingDay('2024-12-28')).toBe(true);
    expect(isWorkingDay('2026-01-09')).toBe(false); // from Saturday 3 January
    expect(isWorkingDay('2026-03-09')).toBe(false); // 8 March on a Sunday
    expect(isWorkingDay('2026-03-10')).toBe(true);
    expect(nextWorkingDay('2026-01-01')).toBe('2026-01-12');
  });

  it('refuses a year it does not have, naming it', () => {
    expect(() => isWorkingDay('2031-05-05')).toThrow(CalendarYearMissingError);
    try {
      termFrom('2027-12-30', 3, moscow);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CalendarYearMissingError);
      expect((error as CalendarYearMissingError).year).toBe(2028);
    }
    expect(() => deadlines(new Date('2027-12-30T09:00:00Z'), null, moscow)).toThrow(CalendarYearMissingError);
  });

  it('counts a missing year by the Labour Code alone only when asked to, and says so', () => {
    // 30 December 2027 + 3 = Sunday 2 January 2028: the New Year holidays run to 8 January, a Saturday.
    const due = deadlines(new Date('2027-12-30T09:00:00Z'), null, moscow, { approximate: true });
    expect(due.approximate).toBe(true);
    expect(due.registration.lastDay).toBe('2028-01-10');
    // 8 March 2031 is a Saturday: Monday 10 March is the day off for it.
    expect(termFrom('2031-03-06', 2, moscow, true).lastDay).toBe('2031-03-11');
    expect(deadlines(new Date('2026-03-02T09:00:00Z'), null, moscow, { approximate: true }).approximate).toBe(false);
  });
});

describe('59-FZ deadlines', () => {
  it('counts from the day after receipt: registration 3 days, forwarding 7 and the answer 30 days from the assumed registration', () => {
    // Monday 2 March 2026, noon in Moscow.
    const due = deadlines(new Date('2026-03-02T09:00:00Z'), null, moscow);
    expect(due.registration.lastDay).toBe('2026-03-05');
    expect(due.registration.dueAt.toISOString()).toBe('2026-03-05T20:59:59.999Z');
    expect(due.registrationAssumed).toBe(true);
    expect(due.registeredOn).toBe('2026-03-05');
    expect(due.forwarding.lastDay).toBe('2026-03-12');
    // 4 April 2026 is a Saturday: the term ends on Monday 6 April.
    expect(due.answer.lastDay).toBe('2026-04-06');
    const registered = deadlines(new Date('2026-03-02T09:00:00Z'), new Date('2026-03-03T09:00:00Z'), moscow);
    expect(registered.registrationAssumed).toBe(false);
    expect(registered.answer.lastDay).toBe('2026-04-02');
    expect(registered.forwarding.lastDay).toBe('2026-03-10'); // 9 March is the day off for 8 March
  });

  it('moves a last day at a month end off the weekend', () => {
    // Wednesday 28 January 2026 + 3 = Saturday 31 January → Monday 2 February; + 30 = Wednesday 4 March.
    const due = deadlines(new Date('2026-01-28T10:00:00Z'), null, moscow);
    expect(due.registration.lastDay).toBe('2026-02-02');
    expect(due.answer.lastDay).toBe('2026-03-04');
    // 30 April 2025 + 3 = Saturday 3 May, then Sunday 4 May: Monday 5 May is a working day.
    expect(termFrom('2025-04-30', 3, moscow).lastDay).toBe('2025-05-05');
  });

  it('carries a term ending in the New Year holidays to the first working day', () => {
    // Monday 29 December 2025 + 3 = 1 January 2026; the holidays and a weekend run to Sunday 11 January.
    expect(termFrom('2025-12-29', 3, moscow).lastDay).toBe('2026-01-12');
    // 31 December 2025 is itself a day off (moved from 5 January).
    expect(termFrom('2025-12-28', 3, moscow).lastDay).toBe('2026-01-12');
    expect(termFrom('2025-12-27', 3, moscow).lastDay).toBe('2025-12-30');
  });

  it('keeps a working Saturday of a transfer as the last day', () => {
    // Wednesday 29 October 2025 + 3 = Saturday 1 November, a working day by the 2025 decree.
    expect(termFrom('2025-10-29', 3, moscow).lastDay).toBe('2025-11-01');
    // Saturday 27 April 2024 was worked; Monday 29 and Tuesday 30 April were off, then 1 May.
    expect(termFrom('2024-04-24', 3, moscow).lastDay).toBe('2024-04-27');
    expect(termFrom('2024-04-25', 3, moscow).lastDay).toBe('2024-05-02');
  });

  it('counts leap days', () => {
    expect(termFrom('2024-02-26', 3, moscow).lastDay).toBe('2024-02-29');
    // 29 February 2024 + 30 = Saturday 30 March → Monday 1 April.
    expect(termFrom('2024-02-29', 30, moscow).lastDay).toBe('2024-04-01');
    // Not a leap year: 26 February 2025 + 3 = Saturday 1 March → Monday 3 March.
    expect(termFrom('2025-02-26', 3, moscow).lastDay).toBe('2025-03-03');
  });

  it('counts in the days of the body’s time zone: Kaliningrad and Kamchatka on the same instant', () => {
    const instant = new Date('2026-03-02T21:30:00Z'); // 23:30 on 2 March in Kaliningrad, 09:30 on 3 March in Kamchatka
    expect(localDate(instant, 'Europe/Kaliningrad')).toBe('2026-03-02');
    expect(localDate(instant, 'Asia/Kamchatka')).toBe('2026-03-03');
    const kaliningrad = deadlines(instant, null, 'Europe/Kaliningrad');
    const kamchatka = deadlines(instant, null, 'Asia/Kamchatka');
    expect(kaliningrad.registration.lastDay).toBe('2026-03-05');
    expect(kaliningrad.registration.dueAt.toISOString()).toBe('2026-03-05T21:59:59.999Z');
    expect(kamchatka.registration.lastDay).toBe('2026-03-06');
    expect(kamchatka.registration.dueAt.toISOString()).toBe('2026-03-06T11:59:59.999Z');
    // Moscow sees the same instant as 3 March, 00:30.
    expect(deadlines(instant, null, moscow).registration.lastDay).toBe('2026-03-06');
  });

  it('extends the answer term once by at most 30 days, from the end of the current term', () => {
    const answer = deadlines(new Date('2026-03-02T09:00:00Z'), null, moscow).answer; // 6 April 2026
    expect(extendAnswerTerm(answer, 30, moscow).lastDay).toBe('2026-05-06');
    expect(() => extendAnswerTerm(answer, 31, moscow)).toThrow(RangeError);
    expect(() => extendAnswerTerm(answer, 0, moscow)).toThrow(RangeError);
    expect(() => extendAnswerTerm(answer, 2.5, moscow)).toThrow(RangeError);
    // A term that ends on a holiday still moves: 3 April 2026 + 30 = Sunday 3 May → Monday 4 May.
    expect(extendAnswerTerm({ lastDay: '2026-04-03', dueAt: new Date() }, 30, moscow).lastDay).toBe('2026-05-04');
    expect(extendAnswerTerm({ lastDay: '2026-04-09', dueAt: new Date() }, 30, moscow).lastDay).toBe('2026-05-12');
  });

  it('tells days left and days overdue in the body’s days', () => {
    const { dueAt } = termFrom('2026-03-02', 3, moscow); // end of 5 March in Moscow
    expect(standing(dueAt, new Date('2026-03-02T12:00:00Z'), moscow)).toEqual({ kind: 'left', days: 3 });
    expect(standing(dueAt, new Date('2026-03-05T20:00:00Z'), moscow)).toEqual({ kind: 'left', days: 0 });
    expect(standing(dueAt, new Date('2026-03-05T21:00:00Z'), moscow)).toEqual({ kind: 'overdue', days: 1 });
    expect(standing(dueAt, new Date('2026-03-15T12:00:00Z'), moscow)).toEqual({ kind: 'overdue', days: 10 });
  });

  it('judges a forwarding against its 7 days: in time up to the end of the last day, then late by whole days of the body', () => {
    const { dueAt } = termFrom('2026-03-02', 7, moscow); // 9 March, a day off for 8 March: the term ends on 10 March
    expect(forwardingLateness(dueAt, new Date('2026-03-10T20:59:00Z'), moscow)).toBe(0);
    expect(forwardingLateness(dueAt, new Date('2026-03-10T21:00:00Z'), moscow)).toBe(1);
    expect(forwardingLateness(dueAt, new Date('2026-03-14T09:00:00Z'), moscow)).toBe(4);
    // In Vladivostok the same instant is a day later.
    expect(forwardingLateness(termFrom('2026-03-02', 7, 'Asia/Vladivostok').dueAt, new Date('2026-03-10T14:30:00Z'), 'Asia/Vladivostok')).toBe(1);
  });
});
