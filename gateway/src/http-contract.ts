/**
 * The HTTP rules the whole gateway keeps, so that what the OpenAPI document says is what the
 * server does: query and path values are converted only from their literal form (no `true` for
 * 1), JSON bodies must be valid UTF-8, and a known path asked with a method it does not have is
 * answered 405 with `Allow` rather than 404.
 */
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import FindMyWay from 'find-my-way';
import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { GatewayError } from './errors.js';
import { explain } from './validation-messages.js';

/** JSON numbers as text (RFC 8259 §6); anything else stays a string and fails an integer schema. */
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** One query or path value converted to its schema's type when its text is that type's literal. */
function convert(schema: TSchema | undefined, value: unknown): unknown {
  if (schema === undefined || typeof value !== 'string') return value;
  const type = (schema as { type?: unknown }).type;
  if ((type === 'integer' || type === 'number') && NUMBER.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/**
 * TypeBox validation, as @fastify/type-provider-typebox does, but with our own conversion of
 * querystring, params and headers: TypeBox's Value.Convert turns `true` into 1 for an integer,
 * so `limit=true` and `/ledger/blocks/true` were accepted where the document says integer.
 * Bodies are JSON and are checked as sent.
 */
export const strictValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const properties =
    schema[Kind] === 'Object'
      ? ((schema as { properties?: Record<string, TSchema> }).properties ?? {})
      : {};
  return (value: unknown) => {
    let converted = value;
    if (httpPart !== 'body' && value !== null && typeof value === 'object') {
      converted = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, convert(properties[k], v)]),
      );
    }
    if (check.Check(converted)) return { value: converted };
    return {
      error: [...check.Errors(converted)].map((e) => ({
        message: explain(e),
        instancePath: e.path,
      })) as unknown as Error,
    };
  };
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * JSON bodies decoded as strict UTF-8 before parsing: Node's default decoding turns bad bytes
 * into U+FFFD, so a string with invalid UTF-8 was stored (and anchored) altered instead of refused.
 */
export function installStrictJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch (err) {
      done(
        new GatewayError('INVALID_ENCODING', 'the JSON body is not valid UTF-8', { cause: err }),
      );
      return;
    }
    void parseJson(request, text, done);
  });
}

/**
 * 405 with `Allow` for a path that exists under other methods. Every route is also entered in a
 * router of our own (the same matcher Fastify uses), consulted only when Fastify found no route,
 * or found one only through an empty path parameter (`PUT /catalog/` is not `PUT /catalog/:id`).
 * Call before registering routes.
 */
export function installMethodNotAllowed(app: FastifyInstance, maxParamLength: number): void {
  const known = FindMyWay({ maxParamLength });
  const methods = new Set<string>();
  const enter = (method: string, url: string): void => {
    methods.add(method);
    if (!known.hasRoute(method as FindMyWay.HTTPMethod, url))
      known.on(method as FindMyWay.HTTPMethod, url, () => undefined);
  };
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      enter(method, route.url);
      // A plugin's `/` route is registered under its prefix both without and with the slash
      // (prefixTrailingSlash 'both'), but onRoute only hears of the first.
      if (route.routePath === '' && route.prefix !== '') enter(method, `${route.url}/`);
    }
  });
  /** Methods under which the path names a route with every parameter given. */
  const allowed = (path: string): string[] =>
    [...methods].filter((m) => {
      const found = known.find(m as FindMyWay.HTTPMethod, path);
      return found !== null && Object.values(found.params).every((v) => v !== '');
    });
  app.addHook('onRequest', async (request, reply) => {
    const emptyParam = Object.values(request.params as Record<string, unknown>).some(
      (v) => v === '',
    );
    if (!request.is404 && !emptyParam) return;
    const path = request.url.split('?')[0] ?? '/';
    const allow = allowed(path);
    if (allow.length === 0) {
      if (!emptyParam) return;
      throw new GatewayError('ROUTE_NOT_FOUND', `no route ${request.method} ${path}`);
    }
    void reply.header('allow', allow.join(', '));
    throw new GatewayError(
      'METHOD_NOT_ALLOWED',
      `${request.method} is not allowed on ${path} (allowed: ${allow.join(', ')})`,
    );
  });
}
