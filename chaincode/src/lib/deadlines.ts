/** Deadlines computed from the transaction time and the calendar the coordinator published. */
import type { Context } from 'fabric-contract-api';
import { hoursDeadline, workingDaysDeadline, cstYear, type CalendarLookup } from './calendar.js';
import type { Session } from './access.js';
import { CALENDARS } from './keys.js';
import { find } from './state.js';
import type { DeadlineTerms } from '../model/types.js';

/**
 * This CST year and the next: enough for any deadline that starts today, since the configured
 * working days are capped (model/entities.ts deadlineRules) well below a year's worth.
 */
async function loadCalendar(ctx: Context, fromMs: number): Promise<CalendarLookup> {
  const lookup = new Map<number, { holidays: string[]; workdays: string[] }>();
  const year = cstYear(fromMs);
  for (const y of [year, year + 1]) {
    const calendar = await find(ctx, CALENDARS, [String(y)]);
    if (calendar) lookup.set(y, calendar);
  }
  return lookup;
}

/** A deadline that no calendar can move: hours, or an answer given in the same transaction. */
export function fixedDeadline(instantMs: number): DeadlineTerms {
  return {
    deadline: new Date(instantMs).toISOString(),
    deadlineProvisional: false,
    deadlineUnpublishedYears: [],
  };
}

/**
 * N working days from now. Through a year the coordinator has not published, weekdays count and
 * the deadline is marked provisional with those years, so a console can say it may be early.
 */
export async function workingDeadline(
  ctx: Context,
  session: Session,
  workingDays: number,
): Promise<DeadlineTerms> {
  const calendar = await loadCalendar(ctx, session.now);
  const { value, unpublishedYears } = workingDaysDeadline(session.now, workingDays, calendar);
  return {
    ...fixedDeadline(value),
    deadlineProvisional: unpublishedYears.length > 0,
    deadlineUnpublishedYears: unpublishedYears,
  };
}

/** When an answer to a share request (or its escalation) filed now is due. */
export async function answerDeadline(
  ctx: Context,
  session: Session,
  emergency: boolean,
): Promise<DeadlineTerms> {
  // 应急绿色通道: emergency requests are answered in hours, whatever the calendar says.
  return emergency
    ? fixedDeadline(hoursDeadline(session.now, session.config.deadlines.emergencyHours))
    : workingDeadline(ctx, session, session.config.deadlines.requestWorkingDays);
}
