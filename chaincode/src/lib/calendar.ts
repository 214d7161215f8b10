/**
 * Working-day arithmetic in China Standard Time. Pure: the calendar (holidays and 调休 make-up
 * working days) is data read from the ledger and passed in, never built in.
 */
import { CST_OFFSET_MS } from '../constants.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/** One year's exceptions to the Monday-to-Friday rule, as `YYYY-MM-DD` CST dates. */
export interface CalendarYearDays {
  holidays: readonly string[];
  workdays: readonly string[];
}

/** The years the coordinator has published, by year. */
export type CalendarLookup = ReadonlyMap<number, CalendarYearDays>;

/** The CST calendar date (`YYYY-MM-DD`) of an instant. */
export function cstDate(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export function cstYear(ms: number): number {
  return Number(cstDate(ms).slice(0, 4));
}

/** First instant (00:00:00.000 CST) of a CST date. */
export function startOfCstDay(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`) - CST_OFFSET_MS;
}

/** Last instant (23:59:59.999 CST) of a CST date. */
export function endOfCstDay(date: string): number {
  return startOfCstDay(date) + DAY_MS - 1;
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function dateYear(date: string): number {
  return Number(date.slice(0, 4));
}

/**
 * A day is a working day if it is a declared make-up working day, or a weekday that is not a
 * holiday. In a year without a published calendar every weekday counts: callers learn which
 * years those were from nthWorkingDayAfter and mark the result provisional.
 */
export function isWorkingDay(date: string, calendar: CalendarLookup): boolean {
  const year = calendar.get(dateYear(date));
  if (year?.workdays.includes(date)) return true;
  if (year?.holidays.includes(date)) return false;
  const weekday = new Date(`${date}T00:00:00.000Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** A count of working days, and the years it went through without their calendar. */
export interface WorkingDayCount<T> {
  value: T;
  /** Ascending; empty when every counted day's year was published. */
  unpublishedYears: number[];
}

/**
 * The N-th working day strictly after the given CST date. Counting on through a year nobody
 * published, rather than failing, keeps requests flowing in late December; the years named in
 * the result say the answer may be a few days early.
 */
export function nthWorkingDayAfter(
  date: string,
  n: number,
  calendar: CalendarLookup,
): WorkingDayCount<string> {
  let day = date;
  let counted = 0;
  const unpublished = new Set<number>();
  while (counted < n) {
    day = addDays(day, 1);
    if (!calendar.has(dateYear(day))) unpublished.add(dateYear(day));
    if (isWorkingDay(day, calendar)) counted += 1;
  }
  return { value: day, unpublishedYears: [...unpublished].sort((a, b) => a - b) };
}

/** N working days from an instant: the end of the N-th working day after its CST date. */
export function workingDaysDeadline(
  fromMs: number,
  n: number,
  calendar: CalendarLookup,
): WorkingDayCount<number> {
  const { value, unpublishedYears } = nthWorkingDayAfter(cstDate(fromMs), n, calendar);
  return { value: endOfCstDay(value), unpublishedYears };
}

export function hoursDeadline(fromMs: number, hours: number): number {
  return fromMs + hours * HOUR_MS;
}
