/**
 * What a network needs before anyone can work in it, demo data or not: the bundled working-day
 * calendars (without them every request fails CALENDAR_NOT_FOUND) and the departments of
 * departments.yaml registered by the coordinator. Idempotent: what is already on the ledger is
 * left alone, so `shulian init` can run again after a new calendar year is bundled.
 */
import { MAX_PAGE_SIZE, TX, type Department, type Page } from '@shulian/chaincode/constants';
import { cstYear } from '@shulian/chaincode/calendar';
import { readCalendarFiles } from '../../../network/embedded/calendars.js';
import { departmentProfile } from '../../../network/embedded/config.js';
import type { Runtime } from './runtime.js';

export interface Bootstrapped {
  /** calendar years published now */
  calendars: number[];
  /** departments registered now */
  departments: string[];
}

/** The step under way, for the caller to say in its own words (and language). */
export type BootstrapStep = 'calendars' | 'departments';

export async function bootstrapNetwork(
  runtime: Pick<Runtime, 'chaincode' | 'network' | 'coordinatorAdmin'>,
  log: (step: BootstrapStep) => void = () => undefined,
): Promise<Bootstrapped> {
  const { chaincode, network, coordinatorAdmin } = runtime;
  const done: Bootstrapped = { calendars: [], departments: [] };

  log('calendars');
  for (const { year, holidays, workdays } of readCalendarFiles()) {
    const published = await chaincode
      .evaluate(coordinatorAdmin, TX.governance.GetCalendar, [String(year)])
      .then(
        () => true,
        (err: unknown) => {
          if ((err as { code?: string }).code === 'CALENDAR_NOT_FOUND') return false;
          throw err;
        },
      );
    if (published) continue;
    await chaincode.submit(coordinatorAdmin, TX.governance.SetCalendar, [
      String(year),
      { holidays, workdays },
    ]);
    done.calendars.push(year);
  }

  log('departments');
  const registered = new Set<string>();
  let bookmark = '';
  do {
    const page = await chaincode.evaluate<Page<Department>>(
      coordinatorAdmin,
      TX.governance.ListDepartments,
      [String(MAX_PAGE_SIZE), bookmark],
    );
    for (const d of page.items) registered.add(d.id);
    bookmark = page.items.length === MAX_PAGE_SIZE ? page.bookmark : '';
  } while (bookmark);
  for (const d of network.departments) {
    if (d.id === network.coordinator || registered.has(d.id)) continue;
    await chaincode.submit(coordinatorAdmin, TX.governance.RegisterDepartment, [
      departmentProfile(d),
    ]);
    done.departments.push(d.id);
  }
  return done;
}

/** Something a server started without demo data still needs (the banner words it, zh or en). */
export type FirstRunGap =
  { kind: 'admin'; department: string; coordinator: boolean } | { kind: 'calendar'; year: number };

/**
 * What a server started without demo data still needs before anyone can work in it, for its
 * banner: no admin token for the coordinator (nobody can sign in to administer), or no calendar
 * for this year (every request would fail CALENDAR_NOT_FOUND). Empty once `shulian init` ran.
 */
export async function firstRunMissing(
  runtime: Pick<Runtime, 'chaincode' | 'coordinatorAdmin' | 'homeAdmin' | 'tokens'>,
  now = new Date(),
): Promise<FirstRunGap[]> {
  // A department's own gateway (department mode) holds only its own admin's key and tokens.
  const { chaincode, coordinatorAdmin, homeAdmin, tokens } = runtime;
  const missing: FirstRunGap[] = [];
  const held = await tokens.list();
  if (!held.some((p) => p.department === homeAdmin.department && p.roles.includes('admin')))
    missing.push({
      kind: 'admin',
      department: homeAdmin.department,
      coordinator: homeAdmin.department === coordinatorAdmin.department,
    });
  const year = cstYear(now.getTime());
  const published = await chaincode
    .evaluate(homeAdmin, TX.governance.GetCalendar, [String(year)])
    .then(
      () => true,
      (err: unknown) => {
        if ((err as { code?: string }).code === 'CALENDAR_NOT_FOUND') return false;
        throw err;
      },
    );
  if (!published) missing.push({ kind: 'calendar', year });
  return missing;
}
