/**
 * Governance: the ledger's configuration, departments, user roles and the working-day calendar.
 *
 * Identity and roles (see also chaincode/README.md):
 * - department = the caller's MSP id; user = the CN of the caller certificate's subject;
 * - a certificate whose subject carries the Fabric NodeOU `OU=admin` is its department's admin;
 * - publisher, consumer and supervisor come from an on-chain registry keyed by (department,
 *   user), written only by that department's admin.
 * We chose a registry over certificate attributes because cryptogen-issued Fabric certificates
 * carry no attributes, the embedded network's CA then needs no attribute extension, and every
 * role change becomes auditable ledger history (GetUserRolesHistory) instead of a silent
 * re-enrolment. The admin flag itself must come from the certificate: someone has to be
 * trusted before the registry holds anything.
 */
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ShulianContract } from '../lib/contract.js';
import { DEFAULT_DEADLINES, ErrorCode, EVENTS, type Role } from '../constants.js';
import {
  callerIdentity,
  openSession,
  requireCoordinatorAdmin,
  requireParty,
  requireRole,
  rolesOf,
  txTime,
} from '../lib/access.js';
import { ChaincodeError } from '../lib/errors.js';
import { listByDepartment } from '../lib/queries.js';
import { CALENDARS, CONFIG_KEY, DEPARTMENTS, GATEWAYS, USER_ROLES } from '../lib/keys.js';
import {
  emit,
  exists,
  find,
  get,
  history,
  list,
  put,
  readValue,
  reply,
  writeValue,
} from '../lib/state.js';
import { departmentId, ledgerConfig, userId } from '../model/entities.js';
import {
  calendarInput,
  calendarYear,
  checkArg,
  departmentInput,
  departmentUpdateInput,
  gatewayInput,
  initLedgerInput,
  parseInput,
  rolesInput,
} from '../model/inputs.js';
import type {
  CallerInfo,
  Department,
  DepartmentGateway,
  LedgerConfig,
  UserRoles,
  WorkingCalendar,
} from '../model/types.js';

@Info({ title: 'governance', description: 'Departments, roles and the working-day calendar' })
export class GovernanceContract extends ShulianContract {
  constructor() {
    super('governance');
  }

  /** Once per network, by an admin of the coordinator department named in the config. */
  @Transaction()
  @Returns('string')
  async InitLedger(ctx: Context, configJson: string): Promise<string> {
    const input = parseInput(initLedgerInput, configJson, 'config');
    if ((await ctx.stub.getState(CONFIG_KEY)).length > 0) {
      throw new ChaincodeError(ErrorCode.ALREADY_INITIALIZED, 'the ledger is already initialised');
    }
    const identity = callerIdentity(ctx);
    if (identity.department !== input.coordinator.id) {
      throw new ChaincodeError(
        ErrorCode.NOT_COORDINATOR,
        `only the coordinator ${input.coordinator.id} may initialise the ledger, not ${identity.department}`,
      );
    }
    if (!identity.isAdmin) {
      throw new ChaincodeError(
        ErrorCode.FORBIDDEN_ROLE,
        'initialising the ledger requires the admin role',
      );
    }
    if (input.coordinator.parent !== null) {
      throw new ChaincodeError(
        ErrorCode.DEPARTMENT_NOT_FOUND,
        `coordinator.parent ${input.coordinator.parent} cannot exist before the ledger does`,
      );
    }
    const nowIso = new Date(txTime(ctx)).toISOString();
    const actor = { department: identity.department, user: identity.user };
    const config: LedgerConfig = {
      coordinator: input.coordinator.id,
      deadlines: { ...DEFAULT_DEADLINES, ...input.deadlines },
      initializedAt: nowIso,
      initializedBy: actor,
    };
    const coordinator: Department = {
      ...input.coordinator,
      status: 'active',
      registeredAt: nowIso,
      registeredBy: actor,
      updatedAt: nowIso,
      updatedBy: actor,
    };
    await writeValue(ctx, CONFIG_KEY, ledgerConfig, config);
    await put(ctx, DEPARTMENTS, coordinator, null);
    emit(ctx, EVENTS.LedgerInitialized, config);
    return reply(config);
  }

  @Transaction()
  @Returns('string')
  async RegisterDepartment(ctx: Context, departmentJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireCoordinatorAdmin(session, 'registering departments');
    const input = parseInput(departmentInput, departmentJson, 'department');
    if (await exists(ctx, DEPARTMENTS, [input.id])) {
      throw new ChaincodeError(
        ErrorCode.ALREADY_EXISTS,
        `department ${input.id} is already registered`,
      );
    }
    await requireParent(ctx, input.parent, input.id);
    const registered: Department = {
      ...input,
      status: 'active',
      registeredAt: session.nowIso,
      registeredBy: session.actor,
      updatedAt: session.nowIso,
      updatedBy: session.actor,
    };
    await put(ctx, DEPARTMENTS, registered, null);
    emit(ctx, EVENTS.DepartmentRegistered, registered);
    return reply(registered);
  }

  /** Names, level, parent or status (suspending a department stops its writes). */
  @Transaction()
  @Returns('string')
  async UpdateDepartment(ctx: Context, id: string, changesJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireCoordinatorAdmin(session, 'updating departments');
    const changes = parseInput(departmentUpdateInput, changesJson, 'changes');
    const current = await get(ctx, DEPARTMENTS, [checkArg(departmentId, id, 'id')]);
    if (changes.status === 'suspended' && current.id === session.config.coordinator) {
      throw new ChaincodeError(
        ErrorCode.INVALID_STATE,
        'the coordinator department cannot be suspended',
      );
    }
    if (changes.parent !== undefined) await requireParent(ctx, changes.parent, current.id);
    const updated: Department = {
      ...current,
      ...changes,
      updatedAt: session.nowIso,
      updatedBy: session.actor,
    };
    await put(ctx, DEPARTMENTS, updated, current);
    emit(ctx, EVENTS.DepartmentUpdated, updated);
    return reply(updated);
  }

  /** A department admin sets the registry roles of one of its own users (replacing them). */
  @Transaction()
  @Returns('string')
  async SetUserRoles(ctx: Context, user: string, rolesJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireRole(session, 'admin', 'assigning roles');
    const assignment: UserRoles = {
      department: session.actor.department,
      user: checkArg(userId, user, 'user'),
      roles: [...parseInput(rolesInput, rolesJson, 'roles')].sort(),
      updatedAt: session.nowIso,
      updatedBy: session.actor,
    };
    const previous = await find(ctx, USER_ROLES, [assignment.department, assignment.user]);
    await put(ctx, USER_ROLES, assignment, previous);
    emit(ctx, EVENTS.UserRolesSet, assignment);
    return reply(assignment);
  }

  /** Publishes (or replaces) one year's holidays and make-up working days. */
  @Transaction()
  @Returns('string')
  async SetCalendar(ctx: Context, year: string, calendarJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireCoordinatorAdmin(session, 'maintaining the working-day calendar');
    const y = Number(checkArg(calendarYear, year, 'year'));
    const input = parseInput(calendarInput, calendarJson, 'calendar');
    const outside = [...input.holidays, ...input.workdays].find((d) => !d.startsWith(`${y}-`));
    if (outside) throw new ChaincodeError(ErrorCode.INVALID_ARGUMENT, `${outside} is not in ${y}`);
    const clash = input.holidays.find((d) => input.workdays.includes(d));
    if (clash) {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        `${clash} cannot be both a holiday and a workday`,
      );
    }
    const calendar: WorkingCalendar = {
      year: y,
      holidays: [...input.holidays].sort(),
      workdays: [...input.workdays].sort(),
      updatedAt: session.nowIso,
      updatedBy: session.actor,
    };
    const previous = await find(ctx, CALENDARS, [String(y)]);
    await put(ctx, CALENDARS, calendar, previous);
    emit(ctx, EVENTS.CalendarSet, calendar);
    return reply(calendar);
  }

  /**
   * A department's admin publishes where its gateway answers other gateways and the TLS
   * certificate they pin (the directory, 部门网关目录); a new publication replaces the entry and
   * the old one stays in its history. Only for the caller's own department: the MSP that signed
   * the transaction is the department the entry is about.
   */
  @Transaction()
  @Returns('string')
  async PublishGateway(ctx: Context, gatewayJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireRole(session, 'admin', 'publishing the department’s gateway');
    const input = parseInput(gatewayInput, gatewayJson, 'gateway');
    const entry: DepartmentGateway = {
      department: session.actor.department,
      url: input.url,
      tlsCertificate: input.tlsCertificate,
      publishedAt: session.nowIso,
      publishedBy: session.actor,
    };
    const previous = await find(ctx, GATEWAYS, [entry.department]);
    await put(ctx, GATEWAYS, entry, previous);
    emit(ctx, EVENTS.GatewayPublished, entry);
    return reply(entry);
  }

  @Transaction(false)
  @Returns('string')
  async GetGateway(ctx: Context, department: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await get(ctx, GATEWAYS, [checkArg(departmentId, department, 'department')]));
  }

  @Transaction(false)
  @Returns('string')
  async ListGateways(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await list(ctx, GATEWAYS, { index: null, prefix: [] }, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async GetGatewayHistory(ctx: Context, department: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await history(ctx, GATEWAYS, [checkArg(departmentId, department, 'department')]));
  }

  @Transaction(false)
  @Returns('string')
  async GetConfig(ctx: Context): Promise<string> {
    const session = await openSession(ctx, 'read');
    return reply(session.config);
  }

  /** What the ledger concludes about the caller; works before registration, to help set-up. */
  @Transaction(false)
  @Returns('string')
  async WhoAmI(ctx: Context): Promise<string> {
    const identity = callerIdentity(ctx);
    const config = await readValue(ctx, CONFIG_KEY, ledgerConfig);
    const roles: Role[] = [...(await rolesOf(ctx, identity))].sort();
    const info: CallerInfo = {
      department: identity.department,
      user: identity.user,
      roles,
      isCoordinator: config?.coordinator === identity.department,
      departmentRegistered: await exists(ctx, DEPARTMENTS, [identity.department]),
    };
    return reply(info);
  }

  @Transaction(false)
  @Returns('string')
  async GetDepartment(ctx: Context, id: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await get(ctx, DEPARTMENTS, [checkArg(departmentId, id, 'id')]));
  }

  @Transaction(false)
  @Returns('string')
  async ListDepartments(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await list(ctx, DEPARTMENTS, { index: null, prefix: [] }, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async GetDepartmentHistory(ctx: Context, id: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await history(ctx, DEPARTMENTS, [checkArg(departmentId, id, 'id')]));
  }

  /** A user's registry roles; users without an assignment have none (an empty list). */
  @Transaction(false)
  @Returns('string')
  async GetUserRoles(ctx: Context, department: string, user: string): Promise<string> {
    const session = await openSession(ctx, 'read');
    const key = [checkArg(departmentId, department, 'department'), checkArg(userId, user, 'user')];
    requireParty(session, [key[0] ?? ''], 'role assignments');
    const assignment = await find(ctx, USER_ROLES, key);
    return reply(assignment ?? { department: key[0], user: key[1], roles: [] });
  }

  @Transaction(false)
  @Returns('string')
  async ListUserRoles(
    ctx: Context,
    department: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByDepartment(ctx, USER_ROLES, null, department, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async GetUserRolesHistory(ctx: Context, department: string, user: string): Promise<string> {
    const session = await openSession(ctx, 'read');
    const dept = checkArg(departmentId, department, 'department');
    requireParty(session, [dept], 'role assignments');
    return reply(await history(ctx, USER_ROLES, [dept, checkArg(userId, user, 'user')]));
  }

  @Transaction(false)
  @Returns('string')
  async GetCalendar(ctx: Context, year: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await get(ctx, CALENDARS, [checkArg(calendarYear, year, 'year')]));
  }
}

/** The parent must be registered, and the hierarchy (纵向级联) must stay a tree. */
async function requireParent(ctx: Context, parent: string | null, child: string): Promise<void> {
  for (let ancestor = parent; ancestor !== null;) {
    if (ancestor === child) {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        `parent ${String(parent)} would make ${child} its own ancestor`,
      );
    }
    const department = await find(ctx, DEPARTMENTS, [ancestor]);
    if (!department) {
      throw new ChaincodeError(
        ErrorCode.DEPARTMENT_NOT_FOUND,
        `parent department ${ancestor} is not registered`,
      );
    }
    ancestor = department.parent;
  }
}
