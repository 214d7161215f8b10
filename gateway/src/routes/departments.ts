/**
 * Departments (registered by the coordinator), their users' roles, and `GET /me`.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  MAX_PAGE_SIZE,
  REGISTRY_ROLES,
  TX,
  type CallerInfo,
  type Department,
  type Page,
  type UserRoles,
  type WorkingCalendar,
} from '@shulian/chaincode/constants';
import type { Caller } from '../ledger/types.js';
import { callerOf, principalOf } from '../auth/guard.js';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from '../services/runtime.js';
import { isLoopback } from '../demo/mode.js';
import type { RouteOptions } from './context.js';
import { lacking } from './users.js';
import { responses, submitAs } from './helpers.js';
import {
  Actor,
  Day,
  Department as DepartmentSchema,
  Enums,
  Items,
  UserName,
  Nullable,
  StringEnum,
  Text,
  Written,
} from './schemas.js';
import { DemoIdentity, Me } from './shapes.js';

const DepartmentId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$',
  description: 'MSP id',
});
const DepartmentParams = Type.Object({ id: DepartmentId }, { additionalProperties: false });

const DepartmentProfile = {
  nameZh: Text(256, 1),
  nameEn: Text(256, 1),
  level: Enums.level,
  parent: Type.Optional(Nullable(DepartmentId)),
  verifies: Type.Optional(
    Type.Array(Enums.subjectKind, {
      uniqueItems: true,
      description: 'kinds of data subject whose identity the department verifies',
    }),
  ),
};

const RolesBody = Type.Object(
  {
    roles: Type.Array(StringEnum(REGISTRY_ROLES), {
      uniqueItems: true,
      maxItems: REGISTRY_ROLES.length,
    }),
  },
  { additionalProperties: false },
);
const UserRolesSchema = Type.Object({
  department: Type.String(),
  user: Type.String(),
  roles: Type.Array(Type.String()),
  updatedAt: Type.String(),
  updatedBy: Actor,
});

/**
 * Departments come from the ledger, not the index: they are few, and the coordinator's own entry
 * is written by InitLedger, whose event carries the ledger configuration rather than the department.
 */
export async function listDepartments(ctx: GatewayContext, caller: Caller): Promise<Department[]> {
  const out: Department[] = [];
  let bookmark = '';
  do {
    const page = await ctx.chaincode.evaluate<Page<Department>>(
      caller,
      TX.governance.ListDepartments,
      [String(MAX_PAGE_SIZE), bookmark],
    );
    out.push(...page.items);
    bookmark = page.items.length === MAX_PAGE_SIZE ? page.bookmark : '';
  } while (bookmark);
  return out;
}

export const departmentRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (
  app,
  { ctx },
  done,
) => {
  const tags = ['departments'];

  app.get(
    '/me',
    {
      schema: {
        tags,
        summary: 'who the token belongs to, and what the chaincode says about it',
        response: responses(Me),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const info = await ctx.chaincode.evaluate<CallerInfo>(
        callerOf(request),
        TX.governance.WhoAmI,
        [],
      );
      return { ...info, tokenRoles: principal.roles, lacks: lacking(principal.roles, info.roles) };
    },
  );

  // Only in demo mode, and only to clients on this machine: the demo tokens include admins'.
  if (ctx.demoIdentities) {
    const identities = ctx.demoIdentities;
    app.get(
      '/demo/identities',
      {
        config: { public: true },
        schema: {
          tags: ['demo'],
          summary: 'demo sign-in identities (demo mode only; loopback clients only)',
          response: responses(Items(DemoIdentity)),
        },
      },
      (request) => {
        if (!isLoopback(request.socket.remoteAddress ?? '')) {
          throw new GatewayError('FORBIDDEN', 'demo identities are served to this machine only');
        }
        return Promise.resolve({ items: identities });
      },
    );
  }

  app.get(
    '/departments',
    {
      // Department names and levels are public; a citizen verifying a certificate sees names.
      config: { public: true },
      schema: {
        tags,
        summary: 'all registered departments (no token needed)',
        response: responses(Type.Object({ items: Type.Array(DepartmentSchema) })),
      },
    },
    async (request) => ({
      items: await listDepartments(ctx, request.principal ? callerOf(request) : ctx.publicReader),
    }),
  );

  app.post(
    '/departments',
    {
      schema: {
        tags,
        summary: 'register a department (coordinator only)',
        body: Type.Object(
          { id: DepartmentId, ...DepartmentProfile },
          { additionalProperties: false },
        ),
        response: responses(Written(DepartmentSchema), 201),
      },
    },
    async (request, reply) => {
      const body = { ...request.body, parent: request.body.parent ?? null };
      return reply
        .status(201)
        .send(await submitAs<Department>(ctx, request, TX.governance.RegisterDepartment, [body]));
    },
  );

  app.get(
    '/departments/:id',
    {
      schema: {
        tags,
        summary: 'one department, from the ledger',
        params: DepartmentParams,
        response: responses(DepartmentSchema),
      },
    },
    async (request) =>
      ctx.chaincode.evaluate<Department>(callerOf(request), TX.governance.GetDepartment, [
        request.params.id,
      ]),
  );

  app.patch(
    '/departments/:id',
    {
      schema: {
        tags,
        summary: 'update a department (coordinator only)',
        params: DepartmentParams,
        body: Type.Partial(Type.Object({ ...DepartmentProfile, status: Enums.departmentStatus }), {
          additionalProperties: false,
          minProperties: 1,
        }),
        response: responses(Written(DepartmentSchema)),
      },
    },
    async (request) => {
      return submitAs<Department>(ctx, request, TX.governance.UpdateDepartment, [
        request.params.id,
        request.body,
      ]);
    },
  );

  app.put(
    '/departments/:id/users/:user/roles',
    {
      schema: {
        tags,
        summary: "set a user's roles (the department's admin)",
        params: Type.Object(
          { id: DepartmentId, user: UserName() },
          { additionalProperties: false },
        ),
        body: RolesBody,
        response: responses(Written(UserRolesSchema)),
      },
    },
    async (request) => {
      if (request.params.id !== principalOf(request).department) {
        throw new GatewayError(
          'FORBIDDEN_DEPARTMENT',
          "a department's admin manages only its own users",
        );
      }
      return submitAs<UserRoles>(ctx, request, TX.governance.SetUserRoles, [
        request.params.user,
        request.body.roles,
      ]);
    },
  );
  const YearParams = Type.Object(
    { year: Type.String({ pattern: '^2\\d{3}$' }) },
    { additionalProperties: false },
  );
  const Calendar = Type.Object({
    year: Type.Integer(),
    holidays: Type.Array(Day),
    workdays: Type.Array(Day),
    updatedAt: Type.String(),
    updatedBy: Actor,
  });

  app.get(
    '/calendar/:year',
    {
      schema: {
        tags,
        summary: 'the working-day calendar of a year',
        params: YearParams,
        response: responses(Calendar),
      },
    },
    async (request) =>
      ctx.chaincode.evaluate<WorkingCalendar>(callerOf(request), TX.governance.GetCalendar, [
        request.params.year,
      ]),
  );

  app.put(
    '/calendar/:year',
    {
      schema: {
        tags,
        summary: "publish a year's working-day calendar (coordinator admin)",
        description:
          'Public holidays on otherwise working days, and weekend days worked in exchange (调休).',
        params: YearParams,
        body: Type.Object(
          {
            holidays: Type.Array(Day, { maxItems: 366, uniqueItems: true }),
            workdays: Type.Array(Day, { maxItems: 366, uniqueItems: true }),
          },
          { additionalProperties: false },
        ),
        response: responses(Written(Calendar)),
      },
    },
    async (request) => {
      return submitAs<WorkingCalendar>(ctx, request, TX.governance.SetCalendar, [
        request.params.year,
        request.body,
      ]);
    },
  );

  done();
};
