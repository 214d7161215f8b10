/** Deadlines computed from the transaction time and the calendar the coordinator published. */
import type { Context } from 'fabric-contract-api';
import { hoursDeadline, workingDaysDeadline, cstYear, type CalendarLookup } from './calendar.js';
import type { Session } from './access.js';
import { CALENDARS } from './keys.js';
import { find } from './state.js';

/** This CST year and the next: enough for any deadline that starts today. */
async function loadCalendar(ctx: Context, fromMs: number): Promise<CalendarLookup> {
  const lookup = new Map<number, { holidays: string[]; workdays: string[] }>();
  const year = cstYear(fromMs);
  for (const y of [year, year + 1]) {
    const calendar = await find(ctx, CALENDARS, [String(y)]);
    if (calendar) lookup.set(y, calendar);
  }
  return lookup;
}

export async function workingDeadline(
  ctx: Context,
  session: Session,
  workingDays: number,
): Promise<string> {
  const calendar = await loadCalendar(ctx, session.now);
  return new Date(workingDaysDeadline(session.now, workingDays, calendar)).toISOString();
}

/** 应急绿色通道: emergency requests are answered in hours, whatever the calendar says. */
export function emergencyDeadline(session: Session): string {
  return new Date(
    hoursDeadline(session.now, session.config.deadlines.emergencyHours),
  ).toISOString();
}

/** When an answer to a share request (or its escalation) filed now is due. */
export async function answerDeadline(
  ctx: Context,
  session: Session,
  emergency: boolean,
): Promise<string> {
  return emergency
    ? emergencyDeadline(session)
    : workingDeadline(ctx, session, session.config.deadlines.requestWorkingDays);
}
