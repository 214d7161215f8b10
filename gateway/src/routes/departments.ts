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
import { READ, WRITE } from '../operation-errors.js';
import { follow } from '../openapi.js';
import type { RouteApp, RouteOptions } from './context.js';
import * as examples from './examples.js';
import { lacking } from './users.js';
import { responses, submitAs } from './helpers.js';
import {
  Actor,
  Day,
  Department as DepartmentSchema,
  Enums,
  Items,
  UserName,
  StringEnum,
  Written,
} from './schemas.js';
import {
  DemoIdentity,
  DepartmentId,
  DepartmentInput,
  DepartmentProfile,
  Me,
  WorkingCalendar as WorkingCalendarSchema,
} from './shapes.js';

const DepartmentParams = Type.Object({ id: DepartmentId }, { additionalProperties: false });

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

/** What can be done with one department: where a listed or registered department links to. */
const DEPARTMENT_OPERATIONS = [
  'GET /api/v1/departments/{id}',
  'PATCH /api/v1/departments/{id}',
  'GET /api/v1/departments/{id}/users',
  'POST /api/v1/departments/{id}/users',
];

const tags = ['departments'];

export const departmentRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (
  app,
  { ctx },
  done,
) => {
  whoRoutes(app, ctx);
  registryRoutes(app, ctx);
  roleRoutes(app, ctx);
  calendarRoutes(app, ctx);
  done();
};

/** Who a token belongs to; in demo mode, the demo identities. */
function whoRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.get(
    '/me',
    {
      schema: {
        tags,
        summary: 'who the token belongs to, and what the chaincode says about it',
        description:
          "The caller's department, user and roles as the ledger's role registry holds them, and what the token claims that the ledger does not grant (lacks). Any token; records nothing.",
        response: responses(Me, [...READ]),
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
          description:
            "The demo users and their tokens, for the console's sign-in in demo mode only (npm start), answered to clients on the same machine only. Records nothing.",
          response: responses(Items(DemoIdentity), ['FORBIDDEN']),
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
}

/** The coordinator's register of departments. */
function registryRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.get(
    '/departments',
    {
      // Department names and levels are public; a citizen verifying a certificate sees names.
      config: {
        public: true,
        links: follow({ id: '$response.body#/items/0/id' }, ...DEPARTMENT_OPERATIONS),
      },
      schema: {
        tags,
        summary: 'all registered departments (no token needed)',
        description:
          'Every department registered on the ledger with its name, level and parent. Public: anyone verifying a proof sees which department signed. Records nothing.',
        response: responses(Type.Object({ items: Type.Array(DepartmentSchema) }), [...READ]),
      },
    },
    async (request) => ({
      items: await listDepartments(ctx, request.principal ? callerOf(request) : ctx.publicReader),
    }),
  );

  app.post(
    '/departments',
    {
      config: { links: follow({ id: '$response.body#/data/id' }, ...DEPARTMENT_OPERATIONS) },
      schema: {
        tags,
        summary: 'register a department (coordinator only)',
        description:
          "The coordinator's admin registers a department (its MSP id, name, level, parent). The ledger records it; its own admin then sets its users' roles.",
        body: Type.Object(DepartmentInput.properties, {
          additionalProperties: false,
          examples: [examples.departmentInput],
        }),
        response: responses(
          Written(DepartmentSchema),
          [...WRITE, 'FORBIDDEN', 'NOT_COORDINATOR', 'ALREADY_EXISTS'],
          201,
        ),
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
        description:
          'One department as the ledger holds it. Any member department; records nothing.',
        params: DepartmentParams,
        response: responses(DepartmentSchema, [...READ]),
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
        description:
          "The coordinator's admin changes a department's name, level, parent or status (suspending it stops its writes). The ledger records the change; a parent that would make the department its own ancestor is refused.",
        params: DepartmentParams,
        body: Type.Partial(Type.Object({ ...DepartmentProfile, status: Enums.departmentStatus }), {
          additionalProperties: false,
          minProperties: 1,
        }),
        response: responses(Written(DepartmentSchema), [
          ...WRITE,
          'FORBIDDEN',
          'NOT_COORDINATOR',
          'INVALID_STATE',
        ]),
      },
    },
    async (request) => {
      return submitAs<Department>(ctx, request, TX.governance.UpdateDepartment, [
        request.params.id,
        request.body,
      ]);
    },
  );
}

/** A department's admin sets its users' roles. */
function roleRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.put(
    '/departments/:id/users/:user/roles',
    {
      schema: {
        tags,
        summary: "set a user's roles (the department's admin)",
        description:
          "The department's admin sets a user's roles (publisher, consumer, supervisor, verifier) in the on-chain role registry; every change is a transaction, so role history is auditable.",
        params: Type.Object(
          { id: DepartmentId, user: UserName() },
          { additionalProperties: false },
        ),
        body: RolesBody,
        response: responses(Written(UserRolesSchema), [...WRITE, 'FORBIDDEN', 'NOT_COORDINATOR']),
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
}

const YearParams = Type.Object(
  { year: Type.String({ pattern: '^2\\d{3}$' }) },
  { additionalProperties: false },
);

/** The working-day calendars that deadlines count by. */
function calendarRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.get(
    '/calendar/:year',
    {
      schema: {
        tags,
        summary: 'the working-day calendar of a year',
        description:
          "The State Council's holidays and make-up working days (调休) of a year, as published on the ledger; deadlines count working days by it. Any member department; records nothing.",
        params: YearParams,
        response: responses(WorkingCalendarSchema, [...READ, 'CALENDAR_NOT_FOUND']),
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
          { additionalProperties: false, examples: [examples.calendarInput] },
        ),
        response: responses(Written(WorkingCalendarSchema), [...WRITE, 'NOT_COORDINATOR']),
      },
    },
    async (request) => {
      return submitAs<WorkingCalendar>(ctx, request, TX.governance.SetCalendar, [
        request.params.year,
        request.body,
      ]);
    },
  );
}
