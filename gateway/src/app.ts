/**
 * buildApp: the Fastify application without listening, so tests drive it with app.inject and the
 * server (server.ts) adds only the socket. Every resource is one encapsulated plugin under
 * /api/v1; the OpenAPI document is generated from their schemas and served at /docs.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authenticate } from './auth/guard.js';
import {
  clientErrorHandler,
  frameworkErrors,
  GatewayError,
  installErrorHandling,
} from './errors.js';
import {
  installMethodNotAllowed,
  installStrictJson,
  strictValidatorCompiler,
} from './http-contract.js';
import { documentObject, documentRoute, type Recorded } from './openapi.js';
import { operationErrors } from './operation-errors.js';
import type { GatewayContext } from './services/runtime.js';
import { actRoutes } from './routes/acts.js';
import { auditRoutes } from './routes/audit.js';
import { catalogRoutes, catalogUpdateRoutes } from './routes/catalog.js';
import { exchangeRoutes } from './routes/exchange.js';
import { dcatRoutes } from './routes/dcat.js';
import { departmentRoutes } from './routes/departments.js';
import { gatewayRoutes } from './routes/gateways.js';
import { grantRoutes } from './routes/grants.js';
import { healthRoutes } from './routes/health.js';
import { ledgerRoutes } from './routes/ledger.js';
import { objectionRoutes } from './routes/objections.js';
import { requestRoutes } from './routes/requests.js';
import { statsRoutes } from './routes/stats.js';
import { subjectRoutes } from './routes/subjects.js';
import { verifyRoutes } from './routes/verify.js';
import { versionRoutes } from './routes/versions.js';
import { userRoutes } from './routes/users.js';
import { webRoutes } from './routes/web.js';

export type { GatewayContext } from './services/runtime.js';

export interface BuildAppOptions {
  /** Fastify's logger: false in tests, pino options in the server. */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** Serve the web console at / (default true; it needs `npm run build`). */
  web?: boolean;
  /**
   * Called when a route answers an error code its declaration (and so the OpenAPI document)
   * lacks: a bug in the declaration. Default: logged as an error. The test suites fail on it.
   */
  undeclaredError?: (answer: UndeclaredError) => void;
}

/** Log times that people and log tools both read (ISO 8601, UTC) instead of epoch milliseconds. */
const isoTime = (): string => `,"time":"${new Date().toISOString()}"`;

export interface UndeclaredError {
  operation: string;
  status: number;
  code: string;
}

/** Answers that reached no operation: the document describes them under no route. */
const NO_OPERATION = new Set(['ROUTE_NOT_FOUND', 'METHOD_NOT_ALLOWED']);

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Longest path parameter; a longer one is answered 414 (find-my-way's own limit). */
const MAX_PARAM_LENGTH = 200;

export async function buildApp(
  ctx: GatewayContext,
  options: BuildAppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      typeof options.logger === 'object'
        ? { ...options.logger, timestamp: isoTime }
        : (options.logger ?? false),
    bodyLimit: ctx.config.bodyLimit,
    // Ids are short; a long parameter is an attack or a mistake, answered 414 by find-my-way.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Connection hygiene: slow or idle clients cannot hold sockets for ever (README: limits).
    http: {
      maxHeaderSize: ctx.config.maxHeaderSize,
      headersTimeout: ctx.config.headersTimeoutMs,
      // Node checks the header and request timeouts on this period (default 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, ctx.config.headersTimeoutMs / 2)),
    },
    requestTimeout: ctx.config.requestTimeoutMs,
    connectionTimeout: ctx.config.idleTimeoutMs,
    keepAliveTimeout: ctx.config.keepAliveTimeoutMs,
    clientErrorHandler,
    frameworkErrors,
    // Fastify's default AJV strips unknown properties; TypeBox's compiler checks bodies as
    // declared (additionalProperties: false is a 400, not a silent drop) and converts only
    // querystring, params and headers, which arrive as text (./http-contract.ts).
    schemaErrorFormatter: (errors, dataVar) => {
      const first = errors[0];
      return Object.assign(
        new Error(`${dataVar}${first?.instancePath ?? ''}: ${first?.message ?? 'invalid'}`),
        {
          validation: errors,
          validationContext: dataVar,
        },
      );
    },
    ajv: { customOptions: { removeAdditional: false } },
    requestIdHeader: false,
    // One line per request is noise on a console; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(strictValidatorCompiler);
  installErrorHandling(app, (request, err) => {
    const route = request.routeOptions;
    if (route.url === undefined || NO_OPERATION.has(err.code)) return;
    const declared = operationErrors({
      method: request.method,
      url: route.url,
      config: route.config,
      schema: route.schema,
    });
    if (declared === undefined) return;
    if (declared.some((d) => d.code === err.code && d.status === err.statusCode)) return;
    const answer = {
      operation: `${request.method} ${route.url}`,
      status: err.statusCode,
      code: err.code,
    };
    if (options.undeclaredError) options.undeclaredError(answer);
    else request.log.error(answer, 'error code not declared for this operation (OpenAPI document)');
  });
  installStrictJson(app);
  installMethodNotAllowed(app, MAX_PARAM_LENGTH);

  app.addHook('onResponse', (request, reply, done) => {
    ctx.metrics.observeRequest(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.server.maxConnections = ctx.config.maxConnections;
  if (ctx.config.rateLimit > 0)
    await app.register(rateLimit, {
      max: ctx.config.rateLimit,
      timeWindow: 60_000,
      // The API only: orchestrators' probes, scrapers and the console's files are not throttled.
      allowList: (request) => !request.url.startsWith('/api/'),
      errorResponseBuilder: (_request, context) =>
        new GatewayError(
          'RATE_LIMITED',
          `more than ${context.max} requests in a minute; retry after ${context.after}`,
        ),
    });

  const recorded: Recorded = { exactlyOne: new Map(), links: new Map() };
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Shulian (数链) gateway API',
        version: '1',
        description:
          'Government data sharing on a permissioned ledger: catalog, dataset anchoring, share requests, grants, ' +
          'usage audit, quality objections. Errors are `{error: {code, message, details?}}` with stable codes.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'token from `shulian tokens create`',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: documentRoute(recorded),
    transformObject: documentObject(recorded),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, { ctx });
  await app.register(
    async (api) => {
      api.addHook('onRequest', authenticate(ctx.tokens, ctx.members, ctx.config.department));
      // A full disk refuses writes before they touch the store or the ledger (a use recorded by
      // a download is refused by the ledger itself, also as 507). Public routes only read.
      api.addHook('onRequest', async (request) => {
        if (READS.has(request.method) || request.routeOptions.config.public === true) return;
        const storage = await ctx.storage.state();
        if (storage.full)
          throw new GatewayError(
            'INSUFFICIENT_STORAGE',
            `the gateway's disk is full (${storage.freeBytes} bytes free, ${storage.minFreeBytes} needed); retry once space is freed`,
            { details: storage },
          );
      });
      // The API speaks JSON; uploads register their own raw-stream parser in their scope.
      api.removeContentTypeParser('text/plain');
      await api.register(departmentRoutes, { ctx });
      await api.register(gatewayRoutes, { ctx, prefix: '/gateways' });
      await api.register(userRoutes, { ctx });
      await api.register(catalogRoutes, { ctx, prefix: '/catalog' });
      await api.register(versionRoutes, { ctx, prefix: '/catalog' });
      await api.register(catalogUpdateRoutes, { ctx, prefix: '/catalog-updates' });
      await api.register(verifyRoutes, { ctx, prefix: '/verify' });
      await api.register(requestRoutes, { ctx, prefix: '/requests' });
      await api.register(grantRoutes, { ctx, prefix: '/grants' });
      await api.register(objectionRoutes, { ctx, prefix: '/objections' });
      await api.register(auditRoutes, { ctx, prefix: '/audit' });
      await api.register(actRoutes, { ctx, prefix: '/audit' });
      await api.register(subjectRoutes, { ctx, prefix: '/subjects' });
      await api.register(statsRoutes, { ctx, prefix: '/stats' });
      await api.register(ledgerRoutes, { ctx, prefix: '/ledger' });
      await api.register(dcatRoutes, { ctx, prefix: '/dcat' });
      await api.register(exchangeRoutes, { ctx, prefix: '/exchange' });
    },
    { prefix: '/api/v1' },
  );
  if (options.web !== false)
    await app.register(webRoutes, { demo: ctx.demoIdentities !== undefined });
  return app;
}
