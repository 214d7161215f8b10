/**
 * China's working-day calendars (法定节假日 and 调休 make-up days) as the State Council announces
 * them, kept as data in network/calendars/<year>.json. The chaincode knows only what the
 * coordinator publishes with governance:SetCalendar; the demo seed and the tests publish these.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CalendarFile {
  year: number;
  /** The notice the dates come from, e.g. 国办发明电〔2025〕7号. */
  source: string;
  /** Days off, YYYY-MM-DD in China Standard Time, weekends inside a holiday included. */
  holidays: string[];
  /** Weekend days worked in exchange (调休). */
  workdays: string[];
}

/** network/calendars, found from this module in the source tree or in its dist/ build. */
export const DEFAULT_CALENDAR_DIR =
  [new URL('../calendars', import.meta.url), new URL('../../../network/calendars', import.meta.url)]
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(dir)) ?? fileURLToPath(new URL('../calendars', import.meta.url));

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function readCalendarFile(year: number, dir = DEFAULT_CALENDAR_DIR): CalendarFile {
  const file = join(dir, `${year}.json`);
  const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!isCalendarFile(value) || value.year !== year) {
    throw new Error(`${file} is not a {year, source, holidays, workdays} calendar of ${year}`);
  }
  return value;
}

/** Every calendar in the folder, oldest year first. */
export function readCalendarFiles(dir = DEFAULT_CALENDAR_DIR): CalendarFile[] {
  return readdirSync(dir)
    .map((name) => /^(\d{4})\.json$/.exec(name)?.[1])
    .filter((year): year is string => year !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
    .map((year) => readCalendarFile(year, dir));
}

function isCalendarFile(value: unknown): value is CalendarFile {
  if (typeof value !== 'object' || value === null) return false;
  const { year, source, holidays, workdays } = value as Record<string, unknown>;
  const dates = (list: unknown) =>
    Array.isArray(list) && list.every((d) => typeof d === 'string' && DATE.test(d));
  return (
    typeof year === 'number' && typeof source === 'string' && dates(holidays) && dates(workdays)
  );
}
