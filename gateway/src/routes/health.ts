/**
 * Liveness, readiness and Prometheus metrics, outside /api/v1 and without authentication, as
 * orchestrators and scrapers expect.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { GatewayError } from '../errors.js';
import type { NetworkStatus } from '../ledger/types.js';
import type { RouteOptions } from './context.js';
import { mediaResponses, responses } from './helpers.js';
import { METRICS_EXAMPLE } from './examples.js';

/** The index may trail the ledger by this many blocks and still serve reads. */
const MAX_READY_LAG = 2;

const Readiness = Type.Object({
  ready: Type.Boolean(),
  ledgerHeight: Type.Integer(),
  indexedBlock: Type.Integer({ description: '-1 before the first block' }),
  lag: Type.Integer(),
  agreement: Type.Boolean(),
  halted: Type.Array(Type.String(), { description: 'nodes that stopped committing' }),
  storage: Type.Object({
    freeBytes: Type.Integer({ description: 'bytes free under the data directory' }),
    minFreeBytes: Type.Integer(),
    full: Type.Boolean({ description: 'true: writes answer 507 INSUFFICIENT_STORAGE' }),
  }),
});

export const healthRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'liveness',
        description: 'Liveness: the process answers. Public, for orchestrators; records nothing.',
        response: responses(Type.Object({ status: Type.Literal('ok') }), []),
      },
    },
    () => Promise.resolve({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'readiness: ledger reachable and index caught up',
        description:
          'Readiness: every department node reachable and not halted, the query index caught up, enough free disk. 503 names what is not ready. Public; records nothing.',
        response: responses(Readiness, ['NOT_READY', 'LEDGER_UNAVAILABLE']),
      },
    },
    async (_request, reply) => {
      let status: NetworkStatus;
      try {
        status = await ctx.ledger.status();
      } catch (err) {
        throw new GatewayError('LEDGER_UNAVAILABLE', 'ledger does not answer', { cause: err });
      }
      const { height, agreement } = status;
      const halted = status.nodes.filter((n) => n.halted !== undefined).map((n) => n.id);
      const indexed = (await ctx.index.checkpoint())?.blockNumber ?? -1;
      const lag = Math.max(0, height - 1 - indexed);
      const storage = await ctx.storage.state();
      // A halted node commits nothing more until it is repaired: the network is not whole.
      const ready = lag <= MAX_READY_LAG && halted.length === 0 && !storage.full;
      const body = {
        ready,
        ledgerHeight: height,
        indexedBlock: indexed,
        lag,
        agreement,
        halted,
        storage,
      };
      if (!ready)
        throw new GatewayError(
          'NOT_READY',
          storage.full
            ? `the disk is full (${storage.freeBytes} bytes free, ${storage.minFreeBytes} needed): writes answer 507 until space is freed`
            : halted.length > 0
              ? `node ${halted.join(', ')} halted; repair with \`shulian node repair\``
              : `index is ${lag} blocks behind the ledger`,
          { details: body },
        );
      return reply.send(body);
    },
  );

  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        description:
          'Prometheus text exposition: request counts and latencies, ledger heights and halted nodes, uploads, downloads, free disk. Public for scrapers; records nothing.',
        response: mediaResponses(
          {
            'text/plain': {
              schema: Type.String({ description: 'Prometheus text exposition format' }),
              example: METRICS_EXAMPLE,
            },
          },
          [],
        ),
      },
    },
    async (_request, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(await ctx.metrics.render()),
  );
  done();
};
