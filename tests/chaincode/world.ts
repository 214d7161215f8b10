/**
 * A small government for chaincode tests: a coordinator and three departments with real
 * certificates, roles assigned on chain, and the 2026 calendar, all through the compiled
 * chaincode's own dispatch (network/embedded/harness.ts).
 */
import { expect } from 'vitest';
import {
  TX,
  type CatalogEntry,
  type DatasetVersion,
  type ErrorCode,
} from '@shulian/chaincode/constants';
import {
  createChaincodeHarness,
  type ChaincodeHarness,
  type HarnessResult,
} from '../../network/embedded/harness.js';
import { readCalendarFile } from '../../network/embedded/calendars.js';
import type { SigningIdentity } from '../../network/embedded/identity.js';

/** Friday 13 February 2026, 10:00 in Beijing: the last working Friday before 春节. */
export const T0 = Date.parse('2026-02-13T10:00:00+08:00');
export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

/** A wall-clock time in Beijing (`2026-03-05T23:59:59.999`) as an instant. */
export const cst = (local: string): number => Date.parse(`${local}+08:00`);

/** 2026 as announced in 国办发明电〔2025〕7号: what SetCalendar takes. */
const { holidays, workdays } = readCalendarFile(2026);
export const CALENDAR_2026 = { holidays, workdays };

export const COORD = 'CoordMSP';
export const PSB = 'PsbMSP';
export const MARKET = 'MarketMSP';
export const HEALTH = 'HealthMSP';

export interface World {
  h: ChaincodeHarness;
  /** Users by name; see createWorld for who holds which role. */
  users: Record<UserName, SigningIdentity>;
  submit(user: UserName, fcn: string, args?: string[], at?: number): Promise<HarnessResult>;
  evaluate(user: UserName, fcn: string, args?: string[], at?: number): Promise<HarnessResult>;
}

type UserName =
  | 'coordAdmin'
  | 'supervisor'
  | 'psbAdmin'
  | 'psbPublisher'
  | 'psbConsumer'
  | 'marketAdmin'
  | 'marketPublisher'
  | 'marketConsumer'
  | 'healthAdmin'
  | 'healthConsumer'
  | 'stranger';

export function departmentJson(id: string, nameEn: string, parent: string | null = COORD): string {
  return JSON.stringify({ id, nameZh: nameEn, nameEn, level: 'city', parent });
}

export const INIT_CONFIG = JSON.stringify({
  coordinator: {
    id: COORD,
    nameZh: '市大数据局',
    nameEn: 'Municipal Big Data Bureau',
    level: 'city',
    parent: null,
  },
  deadlines: { emergencyHours: 4 },
});

/** A harness with the ledger initialised but no departments or roles yet. */
export async function createBareWorld(): Promise<World> {
  const h = await createChaincodeHarness();
  const issue = (msp: string, name: string, ou: 'admin' | 'client' = 'client') =>
    h.identity(msp, name, ou);
  const users: Record<UserName, SigningIdentity> = {
    coordAdmin: await issue(COORD, 'alice', 'admin'),
    supervisor: await issue(COORD, 'sam'),
    psbAdmin: await issue(PSB, 'paul', 'admin'),
    psbPublisher: await issue(PSB, 'pia'),
    psbConsumer: await issue(PSB, 'pete'),
    marketAdmin: await issue(MARKET, 'mary', 'admin'),
    marketPublisher: await issue(MARKET, 'mike'),
    marketConsumer: await issue(MARKET, 'mona'),
    healthAdmin: await issue(HEALTH, 'hana', 'admin'),
    healthConsumer: await issue(HEALTH, 'hugo'),
    stranger: await issue('RogueMSP', 'rex', 'admin'),
  };
  return {
    h,
    users,
    submit: (user, fcn, args = [], at = T0) => h.submit(users[user], fcn, args, { timestamp: at }),
    evaluate: (user, fcn, args = [], at = T0) =>
      h.evaluate(users[user], fcn, args, { timestamp: at }),
  };
}

/**
 * The coordinator (with a supervisor), public security and market supervision (each with a
 * publisher and a consumer), and health (a consumer only); the 2026 calendar published.
 */
export async function createWorld(): Promise<World> {
  const world = await createBareWorld();
  const setup = async (user: UserName, fcn: string, args: string[]) =>
    ok(await world.submit(user, fcn, args, T0 - DAY));
  await setup('coordAdmin', TX.governance.InitLedger, [INIT_CONFIG]);
  await setup('coordAdmin', TX.governance.RegisterDepartment, [
    departmentJson(PSB, 'Public Security'),
  ]);
  await setup('coordAdmin', TX.governance.RegisterDepartment, [departmentJson(MARKET, 'Market')]);
  await setup('coordAdmin', TX.governance.RegisterDepartment, [departmentJson(HEALTH, 'Health')]);
  await setup('coordAdmin', TX.governance.SetCalendar, ['2026', JSON.stringify(CALENDAR_2026)]);
  await setup('coordAdmin', TX.governance.SetUserRoles, ['sam', '["supervisor"]']);
  await setup('psbAdmin', TX.governance.SetUserRoles, ['pia', '["publisher"]']);
  await setup('psbAdmin', TX.governance.SetUserRoles, ['pete', '["consumer"]']);
  await setup('marketAdmin', TX.governance.SetUserRoles, ['mike', '["publisher"]']);
  await setup('marketAdmin', TX.governance.SetUserRoles, ['mona', '["consumer"]']);
  await setup('healthAdmin', TX.governance.SetUserRoles, ['hugo', '["consumer"]']);
  return world;
}

/** Asserts success and returns the parsed payload. */
export function ok<T = Record<string, unknown>>(result: HarnessResult): T {
  if (result.status !== 200) {
    throw new Error(`expected success, got ${result.status}: ${result.message}`);
  }
  return JSON.parse(result.payload) as T;
}

/** Asserts a refusal with the given error code (and, optionally, words in the message). */
export function refused(result: HarnessResult, code: ErrorCode, words?: RegExp): void {
  expect(result.status, `expected [${code}], got success: ${result.payload}`).not.toBe(200);
  const match = /\[([A-Z0-9_]+)\] (.*)/s.exec(result.message);
  expect(match?.[1], result.message).toBe(code);
  if (words) expect(match?.[2]).toMatch(words);
  expect(result.event).toBeNull();
}

export const FIELDS = [
  { name: 'id_number', nameZh: '身份证号', type: 'string', sensitivity: 'sensitive' },
  { name: 'name', nameZh: '姓名', type: 'string', sensitivity: 'internal' },
  { name: 'address', nameZh: '住址', type: 'string', sensitivity: 'sensitive' },
  { name: 'registered_on', type: 'date', sensitivity: 'internal' },
];

export function entry(
  id: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    name: '户籍人口基本信息',
    classification: 'base',
    abstract: 'Registered residents of the city',
    format: 'text/csv',
    fields: FIELDS,
    shareType: 'conditional',
    shareConditions: 'For verifying residence in administrative approvals',
    legalBasis: null,
    shareMethods: ['api', 'online_query'],
    openness: 'not_open',
    updateFrequency: 'daily',
    publishDate: '2026-01-05',
    relatedResources: [],
    sourceSystem: 'Population system',
    scenarios: ['居住证明核验'],
    ...overrides,
  };
}

/** Public security's publisher lists `entry(id, overrides)` an hour before T0. */
export async function publishEntry(
  w: World,
  id: string,
  overrides: Record<string, unknown> = {},
): Promise<CatalogEntry> {
  const json = JSON.stringify(entry(id, overrides));
  return ok<CatalogEntry>(
    await w.submit('psbPublisher', TX.catalog.CreateEntry, [json], T0 - HOUR),
  );
}

/** Public security's publisher anchors `anchor(catalogId)` an hour before T0. */
export async function anchorVersion(w: World, catalogId: string): Promise<DatasetVersion> {
  const json = anchor(catalogId);
  return ok<DatasetVersion>(
    await w.submit('psbPublisher', TX.dataset.AnchorVersion, [json], T0 - HOUR),
  );
}

export function shareRequest(catalogId: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    catalogId,
    fields: ['id_number', 'name'],
    purpose: 'data_verification',
    scenario: 'Verify residence for business licence applications',
    period: { from: '2026-02-13', to: '2026-12-31' },
    ...overrides,
  });
}

const HEX = '0123456789abcdef';
export function hex(seed: number): string {
  return Array.from({ length: 64 }, (_, i) => HEX[(seed * 7 + i * 13) % 16]).join('');
}

export function anchor(catalogId: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    catalogId,
    digest: { algorithm: 'sha256', value: hex(1) },
    chunkRoot: hex(2),
    chunkSize: 1048576,
    size: 5242880,
    mediaType: 'text/csv',
    recordRoot: hex(3),
    recordCount: 1200,
    ...overrides,
  });
}
