/**
 * 59-FZ deadlines, counted the way the law counts them. No I/O.
 *
 * - Registration within 3 days of receipt (Art. 8 p. 2); forwarding to the competent body within 7 days
 *   of registration (Art. 8 p. 3); an answer within 30 days of registration (Art. 12 p. 1); one extension
 *   of the answer term by at most 30 days, with notice to the citizen (Art. 12 p. 2).
 * - Days are calendar days. A term counted in days begins on the day after the event (Civil Code
 *   Art. 191) and ends at the end of its last day; a last day that is not a working day moves to the next
 *   working day (Civil Code Art. 193), by the production calendar in data/production-calendar.ts.
 * - Days are the days of the organization's time zone (its federal subject's): a letter received at
 *   23:30 in Kaliningrad on 2 March was received on 2 March, though it is 3 March in Moscow.
 * - A body that does not tell the platform when it registered an appeal is assumed to have registered it
 *   on the last legal day, so the answer is due no earlier than the law allows.
 *
 * Each deadline is returned as its last day (an ISO date in the organization's zone) and as the last
 * instant of that day (23:59:59.999 there), which is what is stored and compared with the clock.
 */
import { type CalendarYear, productionCalendar } from './data/production-calendar.ts';

export const registrationDays = 3;
export const forwardingDays = 7;
export const answerDays = 30;
export const maxExtensionDays = 30;

/** A deadline fell in a year whose production calendar the platform does not have. */
export class CalendarYearMissingError extends Error {
  constructor(readonly year: number) {
    super(`the production calendar of ${year} is not in data/production-calendar.ts`);
    this.name = 'CalendarYearMissingError';
  }
}

/** Years the calendar covers, ascending. */
export function calendarYears(calendar: Readonly<Record<number, CalendarYear>> = productionCalendar): number[] {
  return Object.keys(calendar)
    .map(Number)
    .sort((a, b) => a - b);
}

const indexes = new Map<number, { daysOff: Set<string>; working: Set<string> }>();
function yearIndex(year: number, approximate: boolean) {
  let index = indexes.get(year);
  if (!index) {
    const data = productionCalendar[year];
    if (!data) {
      if (!approximate) throw new CalendarYearMissingError(year);
      return lawOnlyIndex(year);
    }
    index = { daysOff: new Set(data.daysOff), working: new Set(data.workingWeekends) };
    indexes.set(year, index);
  }
  return index;
}

/**
 * A year the calendar lacks, as far as the Labour Code alone decides it: the holidays of Art. 112 p. 1 and, for a
 * holiday other than the New Year ones on a weekend, the next working day (p. 2); the decree's transfers unknown.
 * Used only where a deadline must be set whatever happens (a letter the body's server already accepted).
 */
const lawOnlyIndexes = new Map<number, { daysOff: Set<string>; working: Set<string> }>();
function lawOnlyIndex(year: number) {
  const cached = lawOnlyIndexes.get(year);
  if (cached) return cached;
  const daysOff = new Set<string>();
  for (const md of ['01-01', '01-02', '01-03', '01-04', '01-05', '01-06', '01-07', '01-08']) daysOff.add(`${year}-${md}`);
  for (const md of ['02-23', '03-08', '05-01', '05-09', '06-12', '11-04']) {
    let day = `${year}-${md}`;
    daysOff.add(day);
    const weekday = utcDay(day).getUTCDay();
    if (weekday === 0 || weekday === 6) {
      do day = addDays(day, 1);
      while ([0, 6].includes(utcDay(day).getUTCDay()) || daysOff.has(day));
      daysOff.add(day);
    }
  }
  const index = { daysOff, working: new Set<string>() };
  lawOnlyIndexes.set(year, index);
  return index;
}

/** An ISO date (YYYY-MM-DD) as a UTC midnight, for calendar arithmetic that no time zone disturbs. */
function utcDay(isoDate: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) throw new Error(`not an ISO date: ${isoDate}`);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  if (date.toISOString().slice(0, 10) !== isoDate) throw new Error(`not a calendar date: ${isoDate}`);
  return date;
}

export function addDays(isoDate: string, days: number): string {
  const date = utcDay(isoDate);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((utcDay(to).getTime() - utcDay(from).getTime()) / 86_400_000);
}

export function isWorkingDay(isoDate: string, approximate = false): boolean {
  const { daysOff, working } = yearIndex(Number(isoDate.slice(0, 4)), approximate);
  const weekday = utcDay(isoDate).getUTCDay();
  if (weekday === 0 || weekday === 6) return working.has(isoDate);
  return !daysOff.has(isoDate);
}

/** The day itself when it is a working day, else the next working day (Civil Code Art. 193). */
export function nextWorkingDay(isoDate: string, approximate = false): string {
  let day = isoDate;
  // The longest run of non-working days in any year is the New Year holidays, under two weeks.
  for (let i = 0; i < 31; i++, day = addDays(day, 1)) if (isWorkingDay(day, approximate)) return day;
  throw new Error(`no working day within a month after ${isoDate}`);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function partsIn(instant: Date, timeZone: string) {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    dateFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return parts as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string>;
}

/** The calendar date of an instant in a time zone, as an ISO date. */
export function localDate(instant: Date, timeZone: string): string {
  const p = partsIn(instant, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The zone's offset from UTC at an instant, in milliseconds (Moscow: +3 h). */
function offsetAt(instant: Date, timeZone: string): number {
  const p = partsIn(instant, timeZone);
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The first instant of a calendar day in a time zone. */
export function startOfLocalDay(isoDate: string, timeZone: string): Date {
  const midnightUtc = utcDay(isoDate).getTime();
  // Two passes find the offset in force at that local midnight, also across a change of the zone's offset.
  let instant = midnightUtc - offsetAt(new Date(midnightUtc), timeZone);
  instant = midnightUtc - offsetAt(new Date(instant), timeZone);
  return new Date(instant);
}

/** The last instant (…23:59:59.999) of a calendar day in a time zone. */
export function endOfLocalDay(isoDate: string, timeZone: string): Date {
  return new Date(startOfLocalDay(addDays(isoDate, 1), timeZone).getTime() - 1);
}

export interface Term {
  /** The term's last day in the organization's zone, ISO date. */
  lastDay: string;
  /** The last instant of that day. */
  dueAt: Date;
}

/** A term of `days` days counted from a day (the day itself not counted), moved off a non-working last day. */
export function termFrom(isoDate: string, days: number, timeZone: string, approximate = false): Term {
  const lastDay = nextWorkingDay(addDays(isoDate, days), approximate);
  return { lastDay, dueAt: endOfLocalDay(lastDay, timeZone) };
}

export interface Deadlines {
  registration: Term;
  forwarding: Term;
  answer: Term;
  /** The registration date the forwarding and answer terms are counted from: the body's, or the assumed last legal day. */
  registeredOn: string;
  registrationAssumed: boolean;
  /** A term ended in a year the calendar lacks and was counted by the Labour Code alone (see `approximate`). */
  approximate: boolean;
}

/**
 * The deadlines of an appeal received at `receivedAt` (the moment the body's mail server accepted it, or
 * the date the author says it was handed in), registered at `registeredAt` if the body said so.
 * Throws CalendarYearMissingError when a term ends in a year the calendar does not cover, unless
 * `approximate` is set: then such a term is counted by the Labour Code alone and `approximate` is true in the
 * result (for a letter already delivered, whose deadlines must be set whatever the calendar lacks; the caller logs it).
 */
export function deadlines(receivedAt: Date, registeredAt: Date | null, timeZone: string, options: { approximate?: boolean } = {}): Deadlines {
  const count = (approximate: boolean) => {
    const receivedOn = localDate(receivedAt, timeZone);
    const registration = termFrom(receivedOn, registrationDays, timeZone, approximate);
    const registeredOn = registeredAt ? localDate(registeredAt, timeZone) : registration.lastDay;
    return {
      registration,
      forwarding: termFrom(registeredOn, forwardingDays, timeZone, approximate),
      answer: termFrom(registeredOn, answerDays, timeZone, approximate),
      registeredOn,
      registrationAssumed: !registeredAt,
      approximate,
    };
  };
  try {
    return count(false);
  } catch (error) {
    if (options.approximate && error instanceof CalendarYearMissingError) return count(true);
    throw error;
  }
}

/**
 * The answer term extended by `days` (1–30) from the end of the current term (Art. 12 p. 2). The law allows
 * one extension: the caller records that one was made and refuses a second.
 */
export function extendAnswerTerm(answer: Term, days: number, timeZone: string): Term {
  if (!Number.isInteger(days) || days < 1 || days > maxExtensionDays) throw new RangeError(`an extension is 1–${maxExtensionDays} days, not ${days}`);
  return termFrom(answer.lastDay, days, timeZone);
}

/**
 * Where an appeal stands against a deadline on a given instant: days left (0 on the last day itself) or
 * days overdue, counted in the organization's calendar days.
 */
export function standing(dueAt: Date, now: Date, timeZone: string): { kind: 'left'; days: number } | { kind: 'overdue'; days: number } {
  const days = daysBetween(localDate(now, timeZone), localDate(dueAt, timeZone));
  if (now.getTime() > dueAt.getTime()) return { kind: 'overdue', days: Math.max(1, -days) };
  return { kind: 'left', days: Math.max(0, days) };
}

/**
 * How many days late a forwarding at `forwardedAt` came after its term (59-FZ Art. 8 p. 3: 7 days from registration),
 * in the organization's calendar days: 0 when it came by the due date.
 */
export function forwardingLateness(dueAt: Date, forwardedAt: Date, timeZone: string): number {
  const where = standing(dueAt, forwardedAt, timeZone);
  return where.kind === 'overdue' ? where.days : 0;
}
