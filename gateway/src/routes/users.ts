/**
 * A department's users under /departments/:id/users, for its admin: roles live on the ledger and
 * a token only says who someone is, so creating a user writes the on-chain roles and issues the
 * token in one action, and the list says what each user's tokens claim that the ledger does not
 * grant ("lacks"), which is what a FORBIDDEN_ROLE would otherwise leave unexplained.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  MAX_PAGE_SIZE,
  REGISTRY_ROLES,
  TX,
  type Page,
  type UserRoles,
} from '@shulian/chaincode/constants';
import type { FastifyRequest } from 'fastify';
import { callerOf, hasRole, principalOf } from '../auth/guard.js';
import type { Principal, Role } from '../auth/tokens.js';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from '../services/runtime.js';
import { READ, WRITE } from '../operation-errors.js';
import { follow } from '../openapi.js';
import type { RouteOptions } from './context.js';
import { responses, submitAs } from './helpers.js';
import { StringEnum, Text, USER_NAME_PATTERN, UserName } from './schemas.js';
import * as examples from './examples.js';
import { DepartmentUser, UserCreated } from './shapes.js';

/**
 * A new user's name: any user name but `admin`, which is the department's own identity (its admin
 * certificate), so the document says what the server refuses.
 */
const NewUserName = Type.String({
  ...UserName('user name, not `admin` (the department’s own identity)'),
  pattern: `^(?!admin$)${USER_NAME_PATTERN.slice(1)}`,
});

const DepartmentParams = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$', description: 'MSP id' }) },
  { additionalProperties: false },
);

/** Roles the ledger decides; `admin` is the department's admin identity, not a registry role. */
export function lacking(tokenRoles: readonly Role[], ledgerRoles: readonly string[]): Role[] {
  return tokenRoles.filter((r) => r !== 'admin' && !ledgerRoles.includes(r));
}

function requireOwnAdmin(request: FastifyRequest, department: string): Principal {
  const principal = principalOf(request);
  if (!hasRole(principal, 'admin'))
    throw new GatewayError('FORBIDDEN_ROLE', "only a department's admin manages its users");
  if (principal.department !== department)
    throw new GatewayError(
      'FORBIDDEN_DEPARTMENT',
      "a department's admin manages only its own users",
    );
  return principal;
}

async function ledgerRoles(
  ctx: GatewayContext,
  request: FastifyRequest,
  department: string,
): Promise<UserRoles[]> {
  const out: UserRoles[] = [];
  let bookmark = '';
  do {
    const page = await ctx.chaincode.evaluate<Page<UserRoles>>(
      callerOf(request),
      TX.governance.ListUserRoles,
      [department, String(MAX_PAGE_SIZE), bookmark],
    );
    out.push(...page.items);
    bookmark = page.items.length === MAX_PAGE_SIZE ? page.bookmark : '';
  } while (bookmark);
  return out;
}

export const userRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['departments'];

  app.get(
    '/departments/:id/users',
    {
      schema: {
        tags,
        summary: "a department's users: ledger roles, tokens, and what the tokens lack",
        description:
          "A department's users: their on-chain roles, their tokens' public ids and labels, and what each token claims that the ledger does not grant. The department's admin; records nothing.",
        params: DepartmentParams,
        response: responses(Type.Object({ items: Type.Array(DepartmentUser) }), [
          ...READ,
          'FORBIDDEN',
        ]),
      },
    },
    async (request) => {
      const { id } = request.params;
      requireOwnAdmin(request, id);
      const [onLedger, tokens] = await Promise.all([
        ledgerRoles(ctx, request, id),
        ctx.tokens.list(),
      ]);
      const users = new Map<string, { roles: string[]; tokens: Principal[] }>();
      for (const r of onLedger) users.set(r.user, { roles: [...r.roles], tokens: [] });
      for (const t of tokens.filter((p) => p.department === id)) {
        const entry = users.get(t.user) ?? { roles: [], tokens: [] };
        entry.tokens.push(t);
        users.set(t.user, entry);
      }
      return {
        items: [...users.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([user, { roles, tokens: held }]) => ({
            user,
            roles: roles as UserRoles['roles'],
            tokens: held.map((t) => ({ tokenId: t.tokenId, roles: t.roles })),
            lacks: [...new Set(held.flatMap((t) => lacking(t.roles, roles)))],
          })),
      };
    },
  );

  app.post(
    '/departments/:id/users',
    {
      config: {
        links: follow(
          { id: '$request.path.id', user: '$response.body#/user' },
          'PUT /api/v1/departments/{id}/users/{user}/roles',
          'DELETE /api/v1/departments/{id}/users/{user}/tokens',
        ),
      },
      schema: {
        tags,
        summary: 'create a user: set the on-chain roles and issue a token, in one action',
        description:
          'The roles are written on the ledger (SetUserRoles) first; the token, which carries the same roles, is ' +
          'issued only when that write committed. The token is in this answer only.',
        params: DepartmentParams,
        body: Type.Object(
          {
            user: NewUserName,
            roles: Type.Array(StringEnum(REGISTRY_ROLES), {
              uniqueItems: true,
              minItems: 1,
              maxItems: REGISTRY_ROLES.length,
            }),
            label: Type.Optional(Text(256, 1)),
          },
          { additionalProperties: false, examples: [examples.userInput] },
        ),
        response: responses(UserCreated, [...WRITE, 'FORBIDDEN', 'ALREADY_EXISTS'], 201),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      requireOwnAdmin(request, id);
      const { user, roles, label } = request.body;
      const written = await submitAs<UserRoles>(ctx, request, TX.governance.SetUserRoles, [
        user,
        roles,
      ]);
      const issued = await ctx.tokens.create({
        department: id,
        user,
        roles: [...roles],
        ...(label === undefined ? {} : { label }),
      });
      return reply.status(201).send({
        token: issued.token,
        tokenId: issued.principal.tokenId,
        department: id,
        user,
        roles: written.data.roles,
        tx: written.tx,
      });
    },
  );

  app.delete(
    '/departments/:id/users/:user/tokens',
    {
      schema: {
        tags,
        summary: "revoke every token of a user (the department's admin); refused at once",
        description:
          "The department's admin revokes every token of a user; each is refused from the next request on. Roles on the ledger stay as they are.",
        params: Type.Object(
          { id: DepartmentParams.properties.id, user: UserName() },
          { additionalProperties: false },
        ),
        response: responses(Type.Object({ revoked: Type.Array(Type.String()) }), [
          ...READ,
          'FORBIDDEN',
          'NOT_FOUND',
        ]),
      },
    },
    async (request) => {
      const { id, user } = request.params;
      requireOwnAdmin(request, id);
      const removed = await ctx.tokens.revoke({ user, department: id });
      return { revoked: removed.map((p) => p.tokenId) };
    },
  );

  done();
};
