/**
 * Who may do what. Every transaction starts by building a Session from the caller's
 * certificate and the on-chain registry, then asks it the questions below.
 */
import type { Context } from 'fabric-contract-api';
import { ErrorCode, type Role } from '../constants.js';
import { ledgerConfig } from '../model/entities.js';
import type {
  Actor,
  Department,
  Grant,
  LedgerConfig,
  QualityObjection,
  ShareRequest,
  UsageRecord,
} from '../model/types.js';
import { ChaincodeError } from './errors.js';
import { identityFromClient, type CertificateIdentity } from './identity.js';
import { CONFIG_KEY, DEPARTMENTS, USER_ROLES } from './keys.js';
import { find, readValue, timestampMs } from './state.js';

export interface Session {
  actor: Actor;
  department: Department;
  config: LedgerConfig;
  roles: ReadonlySet<Role>;
  /** Transaction time: the only clock chaincode may use. */
  now: number;
  nowIso: string;
  txId: string;
}

export function callerIdentity(ctx: Context): CertificateIdentity {
  return identityFromClient(ctx.clientIdentity.getMSPID(), ctx.clientIdentity.getID());
}

export function txTime(ctx: Context): number {
  return timestampMs(ctx.stub.getTxTimestamp());
}

export async function loadConfig(ctx: Context): Promise<LedgerConfig> {
  const config = await readValue(ctx, CONFIG_KEY, ledgerConfig);
  if (!config) {
    throw new ChaincodeError(
      ErrorCode.NOT_INITIALIZED,
      'the ledger is not initialised; the coordinator must run governance:InitLedger',
    );
  }
  return config;
}

/** The caller's roles: `admin` from the certificate, the rest from the on-chain registry. */
export async function rolesOf(ctx: Context, identity: CertificateIdentity): Promise<Set<Role>> {
  const roles = new Set<Role>();
  if (identity.isAdmin) roles.add('admin');
  const assigned = await find(ctx, USER_ROLES, [identity.department, identity.user]);
  for (const role of assigned?.roles ?? []) roles.add(role);
  return roles;
}

/**
 * A session for a caller from a registered department. Writes additionally require the
 * department to be active; a suspended department can still read its own records.
 */
export async function openSession(ctx: Context, mode: 'read' | 'write'): Promise<Session> {
  const identity = callerIdentity(ctx);
  const config = await loadConfig(ctx);
  const department = await find(ctx, DEPARTMENTS, [identity.department]);
  if (!department) {
    throw new ChaincodeError(
      ErrorCode.DEPARTMENT_NOT_FOUND,
      `department ${identity.department} is not registered on this ledger`,
    );
  }
  if (mode === 'write' && department.status !== 'active') {
    throw new ChaincodeError(
      ErrorCode.DEPARTMENT_SUSPENDED,
      `department ${department.id} is suspended and cannot write`,
    );
  }
  const now = txTime(ctx);
  return {
    actor: { department: identity.department, user: identity.user },
    department,
    config,
    roles: await rolesOf(ctx, identity),
    now,
    nowIso: new Date(now).toISOString(),
    txId: ctx.stub.getTxID(),
  };
}

export function hasRole(session: Session, role: Role): boolean {
  return session.roles.has(role);
}

export function requireRole(session: Session, role: Role, action: string): void {
  if (!hasRole(session, role)) {
    throw new ChaincodeError(
      ErrorCode.FORBIDDEN_ROLE,
      `${action} requires the ${role} role; ${session.actor.user}@${session.actor.department} does not hold it`,
    );
  }
}

export function isCoordinator(session: Session): boolean {
  return session.actor.department === session.config.coordinator;
}

/** Registering departments, keeping the calendar and arbitrating are the coordinator admin's. */
export function requireCoordinatorAdmin(session: Session, action: string): void {
  if (!isCoordinator(session)) {
    throw new ChaincodeError(
      ErrorCode.NOT_COORDINATOR,
      `${action} is reserved to the coordinator ${session.config.coordinator}`,
    );
  }
  requireRole(session, 'admin', action);
}

/** Writing an owned record: the caller's department must own it. */
export function requireOwner(session: Session, owner: string, what: string): void {
  if (session.actor.department !== owner) {
    throw new ChaincodeError(
      ErrorCode.NOT_OWNER,
      `${what} belongs to ${owner}; ${session.actor.department} may not change it`,
    );
  }
}

/**
 * Reading records between departments: the parties themselves, supervisors, and the
 * coordinator (which arbitrates disputes and therefore must see what they are about).
 */
export function requireParty(session: Session, parties: readonly string[], what: string): void {
  if (hasRole(session, 'supervisor') || isCoordinator(session)) return;
  if (parties.includes(session.actor.department)) return;
  throw new ChaincodeError(
    ErrorCode.FORBIDDEN_DEPARTMENT,
    `${what} concerns ${parties.join(' and ')}; only they, the coordinator and supervisors may read it`,
  );
}

/** The departments each record between departments concerns. */
export const requestParties = (r: ShareRequest): string[] => [r.requester.department, r.provider];
export const grantParties = (g: Grant): string[] => [g.consumer, g.provider];
export const useParties = (u: UsageRecord): string[] => [u.consumer.department, u.provider];
export const objectionParties = (o: QualityObjection): string[] => [
  o.raisedBy.department,
  o.provider,
];

/** Requested fields must be a subset of what is available (catalog fields, granted fields). */
export function requireSubset(
  requested: readonly string[],
  available: readonly string[],
  code: ErrorCode,
  path: string,
  where: string,
): void {
  requested.forEach((field, i) => {
    if (!available.includes(field)) {
      throw new ChaincodeError(code, `${path}[${i}] ${field} is not in ${where}`);
    }
  });
}

/** Ledger-wide lists (by status) are for supervisors and the coordinator. */
export function requireOversight(session: Session, what: string): void {
  if (hasRole(session, 'supervisor') || isCoordinator(session)) return;
  throw new ChaincodeError(
    ErrorCode.FORBIDDEN_ROLE,
    `${what} across departments requires the supervisor role or the coordinator department`,
  );
}

/** Ids derive from the transaction id: unique, identical on every endorser, no randomness. */
export function newId(session: Session, prefix: string): string {
  return `${prefix}-${session.txId.slice(0, 16)}`;
}
