/**
 * Monitoring and evaluation (监测评估): per department, response times, overdue requests and
 * objections, share rate (按需共享率) and quality rate, computed from the index.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../auth/guard.js';
import { READ } from '../operation-errors.js';
import type { RouteOptions } from './context.js';
import { listDepartments } from './departments.js';
import { responses } from './helpers.js';
import { Id } from './schemas.js';
import { DepartmentStats } from './shapes.js';

export const statsRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['stats'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'statistics for every department',
        description:
          'For every department: entries, versions, requests by state, overdue answers, uses allowed and refused, from the query index. Any member department; records nothing.',
        response: responses(
          Type.Object({ at: Type.String(), items: Type.Array(DepartmentStats) }),
          [...READ],
        ),
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
        description:
          "One department's statistics, from the query index. Any member department; records nothing.",
        params: Type.Object({ department: Id() }, { additionalProperties: false }),
        response: responses(DepartmentStats, [...READ]),
      },
    },
    async (request) => ctx.index.stats(request.params.department, ctx.now()),
  );
  done();
};
