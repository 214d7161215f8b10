/**
 * Monitoring and evaluation (监测评估): per department, response times, overdue requests and
 * objections, share rate (按需共享率) and quality rate, computed from the index.
 */
import {
  Type,
  type FastifyPluginCallbackTypebox,
  type Static,
  type TSchema,
} from '@fastify/type-provider-typebox';
import type { DepartmentStats as IndexedStats } from '../index/query-index.js';
import { callerOf } from '../auth/guard.js';
import type { RouteOptions } from './context.js';
import { listDepartments } from './departments.js';
import { responses } from './helpers.js';
import { Id, Nullable } from './schemas.js';

const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1 }));
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The schema documents exactly the statistics the index computes; drift fails to compile. */
const matchingIndex = <S extends TSchema>(
  schema: S & (Same<Static<S>, IndexedStats> extends true ? unknown : never),
): S => schema;

const DepartmentStats = matchingIndex(
  Type.Object({
    department: Type.String(),
    catalogEntries: Type.Integer(),
    notShared: Type.Integer({ description: '不予共享 entries' }),
    datasetVersions: Type.Integer(),
    requestsReceived: Type.Integer(),
    answered: Type.Integer(),
    approved: Type.Integer(),
    rejected: Type.Integer(),
    meanResponseHours: Nullable(Type.Number()),
    maxResponseHours: Nullable(Type.Number()),
    answeredLate: Type.Integer({ description: 'answered after the deadline' }),
    overdueRequests: Type.Integer({ description: 'still open past the deadline' }),
    objectionsReceived: Type.Integer(),
    overdueObjections: Type.Integer(),
    overdueCatalogUpdates: Type.Integer({
      description: 'catalog update requirements still open past the deadline',
    }),
    shareRate: { ...Rate, description: 'approved / answered requests (按需共享率)' },
    qualityRate: {
      ...Rate,
      description: 'dataset versions without an upheld objection / dataset versions',
    },
    usesAllowed: Type.Integer(),
    usesDenied: Type.Integer(),
  }),
);

export const statsRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['stats'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'statistics for every department',
        response: responses(Type.Object({ at: Type.String(), items: Type.Array(DepartmentStats) })),
      },
    },
    async (request) => {
      const now = ctx.now();
      const departments = await listDepartments(ctx, callerOf(request));
      return {
        at: new Date(now).toISOString(),
        items: await Promise.all(departments.map((d) => ctx.index.stats(d.id, now))),
      };
    },
  );

  app.get(
    '/:department',
    {
      schema: {
        tags,
        summary: "one department's statistics",
        params: Type.Object({ department: Id() }, { additionalProperties: false }),
        response: responses(DepartmentStats),
      },
    },
    async (request) => ctx.index.stats(request.params.department, ctx.now()),
  );
  done();
};
