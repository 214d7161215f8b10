import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_DEADLINES,
  ErrorCode,
  EVENTS,
  TX,
  type CallerInfo,
  type Department,
  type DepartmentGateway,
  type HistoryItem,
  type LedgerConfig,
  type Page,
  type UserRoles,
  type WorkingCalendar,
} from '@shulian/chaincode/constants';
import {
  CALENDAR_2026,
  COORD,
  createBareWorld,
  createWorld,
  departmentJson,
  HEALTH,
  INIT_CONFIG,
  MARKET,
  ok,
  PSB,
  refused,
  T0,
  type World,
} from './world.js';

describe('governance: initialising the ledger', () => {
  let w: World;
  beforeEach(async () => {
    w = await createBareWorld();
  });

  it('records the coordinator and fills deadlines from defaults', async () => {
    const r = await w.submit('coordAdmin', TX.governance.InitLedger, [INIT_CONFIG]);
    const config = ok<LedgerConfig>(r);
    expect(config.coordinator).toBe(COORD);
    expect(config.deadlines).toEqual({ ...DEFAULT_DEADLINES, emergencyHours: 4 });
    expect(config.initializedBy).toEqual({ department: COORD, user: 'alice' });
    expect(config.initializedAt).toBe(new Date(T0).toISOString());
    expect(r.event?.name).toBe(EVENTS.LedgerInitialized);
    expect(r.event?.payload).toEqual(config);
    expect(ok<LedgerConfig>(await w.evaluate('coordAdmin', TX.governance.GetConfig))).toEqual(
      config,
    );
    const coordinator = ok<Department>(
      await w.evaluate('coordAdmin', TX.governance.GetDepartment, [COORD]),
    );
    expect(coordinator).toMatchObject({ id: COORD, status: 'active', parent: null });
  });

  it('refuses everything else before initialisation', async () => {
    refused(await w.evaluate('coordAdmin', TX.governance.GetConfig), ErrorCode.NOT_INITIALIZED);
    refused(
      await w.submit('coordAdmin', TX.governance.RegisterDepartment, [departmentJson(PSB, 'P')]),
      ErrorCode.NOT_INITIALIZED,
    );
  });

  it('refuses a second initialisation', async () => {
    ok(await w.submit('coordAdmin', TX.governance.InitLedger, [INIT_CONFIG]));
    refused(
      await w.submit('coordAdmin', TX.governance.InitLedger, [INIT_CONFIG]),
      ErrorCode.ALREADY_INITIALIZED,
    );
  });

  it('refuses a department other than the named coordinator', async () => {
    refused(
      await w.submit('psbAdmin', TX.governance.InitLedger, [INIT_CONFIG]),
      ErrorCode.NOT_COORDINATOR,
    );
  });

  it('refuses a non-admin of the coordinator', async () => {
    refused(
      await w.submit('supervisor', TX.governance.InitLedger, [INIT_CONFIG]),
      ErrorCode.FORBIDDEN_ROLE,
    );
  });

  it('names the bad field of a malformed config', async () => {
    const bad = JSON.parse(INIT_CONFIG) as { coordinator: Record<string, unknown> };
    bad.coordinator.level = 'village';
    refused(
      await w.submit('coordAdmin', TX.governance.InitLedger, [JSON.stringify(bad)]),
      ErrorCode.INVALID_ARGUMENT,
      /^coordinator\.level must be one of province, city, county, town$/,
    );
    refused(
      await w.submit('coordAdmin', TX.governance.InitLedger, [
        JSON.stringify({
          ...bad,
          coordinator: { ...bad.coordinator, level: 'city' },
          deadlines: { emergencyHours: 0 },
        }),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /deadlines\.emergencyHours must be between 1 and 72/,
    );
    refused(
      await w.submit('coordAdmin', TX.governance.InitLedger, [
        JSON.stringify({
          ...bad,
          coordinator: { ...bad.coordinator, level: 'city' },
          colour: 'red',
        }),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /^colour is not a known field/,
    );
    refused(
      await w.submit('coordAdmin', TX.governance.InitLedger, ['{not json']),
      ErrorCode.INVALID_ARGUMENT,
      /config is not valid JSON/,
    );
  });
});

describe('governance: departments, roles and calendar', () => {
  let w: World;
  beforeEach(async () => {
    w = await createWorld();
  });

  it('registers a department under a parent and emits the event', async () => {
    const r = await w.submit('coordAdmin', TX.governance.RegisterDepartment, [
      JSON.stringify({
        id: 'DistrictMSP',
        nameZh: '区政务服务中心',
        nameEn: 'District service centre',
        level: 'county',
        parent: PSB,
      }),
    ]);
    const d = ok<Department>(r);
    expect(d).toMatchObject({ id: 'DistrictMSP', level: 'county', parent: PSB, status: 'active' });
    expect(r.event).toEqual({ name: EVENTS.DepartmentRegistered, payload: d });
  });

  it('lets only the coordinator admin register departments', async () => {
    refused(
      await w.submit('psbAdmin', TX.governance.RegisterDepartment, [departmentJson('XMSP', 'X')]),
      ErrorCode.NOT_COORDINATOR,
    );
    refused(
      await w.submit('supervisor', TX.governance.RegisterDepartment, [departmentJson('XMSP', 'X')]),
      ErrorCode.FORBIDDEN_ROLE,
    );
  });

  it('refuses duplicates, unknown parents and bad levels', async () => {
    refused(
      await w.submit('coordAdmin', TX.governance.RegisterDepartment, [departmentJson(PSB, 'P')]),
      ErrorCode.ALREADY_EXISTS,
    );
    refused(
      await w.submit('coordAdmin', TX.governance.RegisterDepartment, [
        departmentJson('XMSP', 'X', 'NowhereMSP'),
      ]),
      ErrorCode.DEPARTMENT_NOT_FOUND,
      /NowhereMSP/,
    );
    refused(
      await w.submit('coordAdmin', TX.governance.RegisterDepartment, [
        JSON.stringify({ id: 'XMSP', nameZh: 'x', nameEn: 'x', level: 'street', parent: null }),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /^level must be one of/,
    );
  });

  it('refuses callers from unregistered departments', async () => {
    refused(
      await w.evaluate('stranger', TX.catalog.ListEntries, ['', '']),
      ErrorCode.DEPARTMENT_NOT_FOUND,
      /RogueMSP/,
    );
  });

  it('suspends a department: its writes stop, its reads go on, history keeps both', async () => {
    const r = await w.submit('coordAdmin', TX.governance.UpdateDepartment, [
      MARKET,
      '{"status":"suspended"}',
    ]);
    expect(ok<Department>(r).status).toBe('suspended');
    expect(r.event?.name).toBe(EVENTS.DepartmentUpdated);
    refused(
      await w.submit('marketAdmin', TX.governance.SetUserRoles, ['mona', '[]']),
      ErrorCode.DEPARTMENT_SUSPENDED,
    );
    ok(await w.evaluate('marketAdmin', TX.governance.GetDepartment, [MARKET]));
    const history = ok<HistoryItem<Department>[]>(
      await w.evaluate('marketAdmin', TX.governance.GetDepartmentHistory, [MARKET]),
    );
    expect(history.map((h) => h.value?.status)).toEqual(['suspended', 'active']);
  });

  it('does not suspend the coordinator or update from another department', async () => {
    refused(
      await w.submit('coordAdmin', TX.governance.UpdateDepartment, [
        COORD,
        '{"status":"suspended"}',
      ]),
      ErrorCode.INVALID_STATE,
    );
    refused(
      await w.submit('psbAdmin', TX.governance.UpdateDepartment, [PSB, '{"nameEn":"Police"}']),
      ErrorCode.NOT_COORDINATOR,
    );
    ok(
      await w.submit('coordAdmin', TX.governance.RegisterDepartment, [
        departmentJson('StationMSP', 'Police station', PSB),
      ]),
    );
    refused(
      await w.submit('coordAdmin', TX.governance.UpdateDepartment, [
        PSB,
        '{"parent":"StationMSP"}',
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /own ancestor/,
    );
    refused(
      await w.submit('coordAdmin', TX.governance.UpdateDepartment, ['NoMSP', '{"nameEn":"x"}']),
      ErrorCode.DEPARTMENT_NOT_FOUND,
    );
  });

  it('lets a department admin assign roles to its own users, with history', async () => {
    const r = await w.submit('healthAdmin', TX.governance.SetUserRoles, [
      'hugo',
      '["publisher","consumer"]',
    ]);
    const roles = ok<UserRoles>(r);
    expect(roles).toMatchObject({
      department: HEALTH,
      user: 'hugo',
      roles: ['consumer', 'publisher'],
    });
    expect(r.event?.name).toBe(EVENTS.UserRolesSet);
    const me = ok<CallerInfo>(await w.evaluate('healthConsumer', TX.governance.WhoAmI));
    expect(me.roles).toEqual(['consumer', 'publisher']);
    const history = ok<HistoryItem<UserRoles>[]>(
      await w.evaluate('healthAdmin', TX.governance.GetUserRolesHistory, [HEALTH, 'hugo']),
    );
    expect(history).toHaveLength(2);
  });

  it("keeps roles inside the admin's own department", async () => {
    // market's admin naming 'pete' creates MarketMSP/pete; PsbMSP/pete is untouched
    ok(await w.submit('marketAdmin', TX.governance.SetUserRoles, ['pete', '["publisher"]']));
    const pete = ok<CallerInfo>(await w.evaluate('psbConsumer', TX.governance.WhoAmI));
    expect(pete.roles).toEqual(['consumer']);
  });

  it('refuses role changes by non-admins and unknown roles', async () => {
    refused(
      await w.submit('psbPublisher', TX.governance.SetUserRoles, ['pia', '["supervisor"]']),
      ErrorCode.FORBIDDEN_ROLE,
    );
    refused(
      await w.submit('psbAdmin', TX.governance.SetUserRoles, ['pia', '["publisher","god"]']),
      ErrorCode.INVALID_ARGUMENT,
      /^roles\[1\] must be one of publisher, consumer, supervisor, verifier$/,
    );
  });

  it('shows role assignments to the department and supervisors only', async () => {
    refused(
      await w.evaluate('marketAdmin', TX.governance.GetUserRoles, [PSB, 'pia']),
      ErrorCode.FORBIDDEN_DEPARTMENT,
    );
    expect(
      ok<UserRoles>(await w.evaluate('supervisor', TX.governance.GetUserRoles, [PSB, 'pia'])).roles,
    ).toEqual(['publisher']);
    const page = ok<Page<UserRoles>>(
      await w.evaluate('psbAdmin', TX.governance.ListUserRoles, [PSB, '', '']),
    );
    expect(page.items.map((r) => r.user).sort()).toEqual(['pete', 'pia']);
    refused(
      await w.evaluate('marketAdmin', TX.governance.ListUserRoles, [PSB, '', '']),
      ErrorCode.FORBIDDEN_DEPARTMENT,
    );
  });

  it('publishes a calendar year, coordinator only, with checked dates', async () => {
    const r = await w.submit('coordAdmin', TX.governance.SetCalendar, [
      '2027',
      '{"holidays":["2027-01-01"],"workdays":[]}',
    ]);
    expect(ok<WorkingCalendar>(r).holidays).toEqual(['2027-01-01']);
    expect(r.event?.name).toBe(EVENTS.CalendarSet);
    const y2026 = ok<WorkingCalendar>(
      await w.evaluate('psbConsumer', TX.governance.GetCalendar, ['2026']),
    );
    expect(y2026.workdays).toEqual(CALENDAR_2026.workdays);
    refused(
      await w.submit('psbAdmin', TX.governance.SetCalendar, [
        '2027',
        '{"holidays":[],"workdays":[]}',
      ]),
      ErrorCode.NOT_COORDINATOR,
    );
    refused(
      await w.submit('coordAdmin', TX.governance.SetCalendar, [
        '2027',
        '{"holidays":["2026-12-31"],"workdays":[]}',
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /2026-12-31 is not in 2027/,
    );
    refused(
      await w.submit('coordAdmin', TX.governance.SetCalendar, [
        '2027',
        '{"holidays":["2027-02-30"],"workdays":[]}',
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /^holidays\[0\] must be a real calendar date$/,
    );
    refused(
      await w.evaluate('psbConsumer', TX.governance.GetCalendar, ['2030']),
      ErrorCode.CALENDAR_NOT_FOUND,
    );
  });

  it('pages through departments with a bookmark', async () => {
    const first = ok<Page<Department>>(
      await w.evaluate('psbConsumer', TX.governance.ListDepartments, ['2', '']),
    );
    expect(first.items).toHaveLength(2);
    const second = ok<Page<Department>>(
      await w.evaluate('psbConsumer', TX.governance.ListDepartments, ['2', first.bookmark]),
    );
    const ids = [...first.items, ...second.items].map((d) => d.id).sort();
    expect(ids).toEqual([COORD, HEALTH, MARKET, PSB].sort());
    refused(
      await w.evaluate('psbConsumer', TX.governance.ListDepartments, ['0', '']),
      ErrorCode.INVALID_ARGUMENT,
      /pageSize/,
    );
  });
});

describe('governance: the gateway directory', () => {
  let w: World;
  beforeEach(async () => {
    w = await createWorld();
  });

  // Any well-formed PEM body: the chaincode keeps the certificate, the gateways parse and pin it.
  const PEM = (seed: string) =>
    `-----BEGIN CERTIFICATE-----\n${Buffer.from(`certificate ${seed}`).toString('base64')}\n-----END CERTIFICATE-----\n`;
  const gateway = (url: string, seed = url) => JSON.stringify({ url, tlsCertificate: PEM(seed) });

  it('a department’s admin publishes its own gateway; a new publication replaces it, history kept', async () => {
    const first = ok<DepartmentGateway>(
      await w.submit('psbAdmin', TX.governance.PublishGateway, [
        gateway('https://gw.psb.example:8443'),
      ]),
    );
    expect(first).toMatchObject({
      department: PSB,
      url: 'https://gw.psb.example:8443',
      publishedBy: { department: PSB, user: 'paul' },
      publishedAt: new Date(T0).toISOString(),
    });
    const second = await w.submit(
      'psbAdmin',
      TX.governance.PublishGateway,
      [gateway('https://gw2.psb.example')],
      T0 + 60_000,
    );
    expect(second.event?.name).toBe(EVENTS.GatewayPublished);
    expect(
      ok<DepartmentGateway>(await w.evaluate('healthConsumer', TX.governance.GetGateway, [PSB]))
        .url,
    ).toBe('https://gw2.psb.example');
    const history = ok<HistoryItem<DepartmentGateway>[]>(
      await w.evaluate('coordAdmin', TX.governance.GetGatewayHistory, [PSB]),
    );
    expect(history.map((h) => h.value?.url)).toEqual(
      expect.arrayContaining(['https://gw.psb.example:8443', 'https://gw2.psb.example']),
    );
    ok(
      await w.submit('healthAdmin', TX.governance.PublishGateway, [
        gateway('https://gw.health.example'),
      ]),
    );
    const listed = ok<Page<DepartmentGateway>>(
      await w.evaluate('coordAdmin', TX.governance.ListGateways, ['', '']),
    );
    expect(listed.items.map((g) => [g.department, g.url]).sort()).toEqual(
      [
        [HEALTH, 'https://gw.health.example'],
        [PSB, 'https://gw2.psb.example'],
      ].sort(),
    );
  });

  it('refuses a non-admin, a plain-http URL, a non-PEM certificate, and answers GATEWAY_NOT_FOUND', async () => {
    refused(
      await w.submit('psbPublisher', TX.governance.PublishGateway, [
        gateway('https://gw.psb.example'),
      ]),
      ErrorCode.FORBIDDEN_ROLE,
    );
    refused(
      await w.submit('psbAdmin', TX.governance.PublishGateway, [gateway('http://gw.psb.example')]),
      ErrorCode.INVALID_ARGUMENT,
      /https/,
    );
    refused(
      await w.submit('psbAdmin', TX.governance.PublishGateway, [
        JSON.stringify({ url: 'https://gw.psb.example', tlsCertificate: 'not a certificate' }),
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /PEM/,
    );
    refused(
      await w.evaluate('coordAdmin', TX.governance.GetGateway, [MARKET]),
      ErrorCode.GATEWAY_NOT_FOUND,
    );
  });
});
