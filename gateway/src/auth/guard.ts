/**
 * Authentication for API routes: `Authorization: Bearer <token>` resolved through the token
 * store. Routes opt out with `config: { public: true }` (health, verification, open catalog).
 * Authorisation of business actions is the chaincode's; the gateway only decides who the caller
 * is, and who may read the index-backed views (see `canReadDepartment`).
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Caller } from '../ledger/types.js';
import { GatewayError } from '../errors.js';
import type { Principal, Role, TokenStore } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** No token needed; a presented token is still checked. */
    public?: boolean;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/;

/**
 * `members`: the network's departments. A token naming any other department (issued by hand
 * before the network file changed, or for a typo) identifies nobody: it is refused here as
 * unauthenticated, rather than reaching the ledger as a caller it cannot place.
 * `home`: in department mode, the one department whose users this gateway signs in; a token of
 * another department (a copied token file) is refused, since this gateway holds no key to sign as it.
 */
export function authenticate(
  tokens: TokenStore,
  members: readonly string[],
  home?: string,
): onRequestAsyncHookHandler {
  return async (request) => {
    const header = request.headers.authorization;
    const isPublic = request.routeOptions.config.public === true;
    if (header === undefined) {
      if (isPublic) return;
      throw new GatewayError(
        'UNAUTHENTICATED',
        'missing bearer token (Authorization: Bearer <token>)',
      );
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined)
      throw new GatewayError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
    const principal = await tokens.resolve(token);
    if (!principal) throw new GatewayError('UNAUTHENTICATED', 'unknown or revoked token');
    if (!members.includes(principal.department))
      throw new GatewayError(
        'UNAUTHENTICATED',
        `this token names department ${principal.department}, which is not in this network`,
      );
    if (home !== undefined && principal.department !== home)
      throw new GatewayError(
        'UNAUTHENTICATED',
        `this gateway signs in ${home}'s users only; ${principal.department}'s users use their own department's gateway`,
      );
    request.principal = principal;
  };
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new GatewayError('UNAUTHENTICATED', 'this route needs a bearer token');
  return request.principal;
}

export function callerOf(request: FastifyRequest): Caller {
  const { department, user } = principalOf(request);
  return { department, user };
}

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return roles.some((r) => principal.roles.includes(r));
}

/**
 * Index-backed views (audit, inbox/outbox, stats) show a department its own records; supervisors
 * and the coordinator's staff see every department's, as the domain's supervision role requires.
 */
export function canReadDepartment(
  principal: Principal,
  department: string,
  coordinator: string,
): boolean {
  return principal.department === department || canOversee(principal, coordinator);
}

/** Supervisors and the coordinator's staff oversee every department. */
export function canOversee(principal: Principal, coordinator: string): boolean {
  return principal.department === coordinator || hasRole(principal, 'supervisor');
}

export function requireDepartmentAccess(
  principal: Principal,
  department: string,
  coordinator: string,
): void {
  if (!canReadDepartment(principal, department, coordinator)) {
    throw new GatewayError(
      'FORBIDDEN',
      `department ${principal.department} may not read records of ${department}`,
    );
  }
}

/**
 * Traces of uses (audit, an authorisation's uses) name who used what: a token that holds no role
 * at all has no function in its department, so it reads none of them, not even its own
 * department's.
 */
export function requireSomeRole(principal: Principal, what: string): void {
  if (principal.roles.length === 0)
    throw new GatewayError(
      'FORBIDDEN_ROLE',
      `${what} needs a role; ${principal.user}@${principal.department} holds none`,
    );
}

/** Operators' acts (ledger verification): the coordinator's admin or a supervisor. */
export function requireOperator(principal: Principal, coordinator: string, what: string): void {
  const coordinatorAdmin = principal.department === coordinator && hasRole(principal, 'admin');
  if (!coordinatorAdmin && !hasRole(principal, 'supervisor')) {
    throw new GatewayError(
      'FORBIDDEN',
      `${what} is for the coordinator's admin and supervisors; ${principal.user}@${principal.department} is neither`,
    );
  }
}
