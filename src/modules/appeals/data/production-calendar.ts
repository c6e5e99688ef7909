/**
 * The Russian production calendar (производственный календарь): which days are not working days.
 *
 * A day is a working day unless it is a Saturday or a Sunday, or listed in `daysOff`; a Saturday or
 * Sunday listed in `workingWeekends` is a working day. `daysOff` holds every non-working weekday of the
 * year: the public holidays of Labour Code Art. 112 p. 1 (1–6 and 8 January, 7 January, 23 February,
 * 8 March, 1 May, 9 May, 12 June, 4 November), the days off that Art. 112 p. 2 moves to the next working
 * day when a holiday other than the New Year ones falls on a weekend, and the days off the government's
 * yearly decree moves (Art. 112 p. 5).
 *
 * Source: the government decree of each year, named below, as compiled by xmlcalendar.ru
 * (github.com/xmlcalendar/data, ru/<year>/calendar.xml), checked against the decree's announced periods
 * of rest and the published number of working days. Add a year when its decree is published (usually
 * September–October of the year before): the unit test «covers this year, and the next one from
 * 15 October» fails until then, and a deadline that falls in a year not listed here cannot be computed.
 */
export interface CalendarYear {
  /** The decree that moved the days off of this year. */
  decree: string;
  /** Non-working days that fall on Monday–Friday, ISO dates. */
  daysOff: readonly string[];
  /** Saturdays and Sundays that are working days, ISO dates. */
  workingWeekends: readonly string[];
  /** The number of working days the decree's calendar gives for a five-day week (checked by a test). */
  workingDays: number;
}

export const productionCalendar: Readonly<Record<number, CalendarYear>> = {
  2024: {
    decree: 'Постановление Правительства РФ от 10.08.2023 № 1314 «О переносе выходных дней в 2024 году»',
    daysOff: [
      '2024-01-01',
      '2024-01-02',
      '2024-01-03',
      '2024-01-04',
      '2024-01-05',
      '2024-01-08',
      '2024-02-23',
      '2024-03-08',
      '2024-04-29', // from Saturday 27 April
      '2024-04-30', // from Saturday 2 November
      '2024-05-01',
      '2024-05-09',
      '2024-05-10', // from Saturday 6 January
      '2024-06-12',
      '2024-11-04',
      '2024-12-30', // from Saturday 28 December
      '2024-12-31', // from Sunday 7 January
    ],
    workingWeekends: ['2024-04-27', '2024-11-02', '2024-12-28'],
    workingDays: 248,
  },
  2025: {
    decree: 'Постановление Правительства РФ от 04.10.2024 № 1335 «О переносе выходных дней в 2025 году»',
    daysOff: [
      '2025-01-01',
      '2025-01-02',
      '2025-01-03',
      '2025-01-06',
      '2025-01-07',
      '2025-01-08',
      '2025-05-01',
      '2025-05-02', // from Saturday 4 January
      '2025-05-08', // from Sunday 23 February
      '2025-05-09',
      '2025-06-12',
      '2025-06-13', // from Saturday 8 March
      '2025-11-03', // from Saturday 1 November
      '2025-11-04',
      '2025-12-31', // from Sunday 5 January
    ],
    workingWeekends: ['2025-11-01'],
    workingDays: 247,
  },
  2026: {
    decree: 'Постановление Правительства РФ от 24.09.2025 «О переносе выходных дней в 2026 году»',
    daysOff: [
      '2026-01-01',
      '2026-01-02',
      '2026-01-05',
      '2026-01-06',
      '2026-01-07',
      '2026-01-08',
      '2026-01-09', // from Saturday 3 January
      '2026-02-23',
      '2026-03-09', // 8 March is a Sunday (Art. 112 p. 2)
      '2026-05-01',
      '2026-05-11', // 9 May is a Saturday (Art. 112 p. 2)
      '2026-06-12',
      '2026-11-04',
      '2026-12-31', // from Sunday 4 January
    ],
    workingWeekends: [],
    workingDays: 247,
  },
  2027: {
    decree: 'Постановление Правительства РФ «О переносе выходных дней в 2027 году» (xmlcalendar.ru, 02.09.2026)',
    daysOff: [
      '2027-01-01',
      '2027-01-04',
      '2027-01-05',
      '2027-01-06',
      '2027-01-07',
      '2027-01-08',
      '2027-02-22', // from Saturday 20 February
      '2027-02-23',
      '2027-03-08',
      '2027-05-03', // 1 May is a Saturday (Art. 112 p. 2)
      '2027-05-10', // 9 May is a Sunday (Art. 112 p. 2)
      '2027-06-14', // 12 June is a Saturday (Art. 112 p. 2)
      '2027-11-04',
      '2027-11-05', // from Saturday 2 January
      '2027-12-31', // from Sunday 3 January
    ],
    workingWeekends: ['2027-02-20'],
    workingDays: 247,
  },
};
