/**
 * What the OpenAPI document adds to each route's own schemas so that it describes the server as
 * it runs: public routes declare no security, upload routes document their raw body (their scope
 * reads it as a stream, so it has no body schema to validate), and each operation documents the
 * error codes it answers, its own and those of its kind (operation-errors.ts), such as 429, which
 * the rate limit answers before any route runs.
 */
import type { SwaggerTransformObject } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';
import { exampleOf, type ExampleSchema } from './openapi-examples.js';
import { errorResponses, operationErrors } from './operation-errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route reads its body as a raw stream (an upload): this describes the body for the
     * document, which marks it required (an upload without a body is refused as EMPTY_UPLOAD).
     */
    upload?: string;
    /**
     * Query parameters of which a request gives exactly one (verify: a digest or a record root).
     * The document states it as one exploded object parameter whose schema is a `oneOf`, as
     * OpenAPI 3.0 cannot relate separate parameters.
     */
    exactlyOneOf?: readonly string[];
    /**
     * OpenAPI links from this operation's success to the operations that take what it answered
     * (a created entry's id to GET /catalog/{id}...), so a client, and Schemathesis' stateful
     * phase, can follow from one call to the next.
     */
    links?: Readonly<Record<string, Link>>;
  }
}

/** A link: the target operation as `METHOD /path/{param}` and where each parameter comes from. */
export interface Link {
  operation: string;
  /** Parameter name → runtime expression, e.g. `$response.body#/data/id`. */
  parameters: Readonly<Record<string, string>>;
  description?: string;
}

/** What documentRoute records for documentObject, keyed `method url` (lower-case method). */
export interface Recorded {
  exactlyOne: Map<string, readonly string[]>;
  links: Map<string, Readonly<Record<string, Link>>>;
}

/**
 * The media type an upload is documented with. The server takes any (the dataset's own type:
 * text/csv and application/x-ndjson are also anchored record by record), as the route says.
 */
const UPLOAD_MEDIA_TYPES = ['application/octet-stream'];

interface Documented {
  schema: FastifySchema;
  url: string;
}

interface Parameter {
  name: string;
  in: string;
  schema?: Record<string, unknown>;
  description?: string;
  required?: boolean;
  style?: string;
  explode?: boolean;
}
interface Media {
  schema?: ExampleSchema;
  example?: unknown;
}
interface OperationObject {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { links?: Record<string, unknown>; content?: Record<string, Media> }>;
}
type Document = { paths?: Record<string, Record<string, OperationObject>> };

/**
 * @fastify/swagger's `transform`: the route's schema as the document shows it. 429 is documented
 * whether or not this server's limit is on (SHULIAN_RATE_LIMIT=0 turns it off): one document.
 * Multi-method routes (HEAD with GET) share their first method's codes.
 */
export function documentRoute({ exactlyOne, links }: Recorded) {
  return ({
    schema,
    url,
    route,
  }: {
    schema: FastifySchema;
    url: string;
    route: RouteOptions;
  }): Documented => {
    const config = route.config;
    if (config?.exactlyOneOf !== undefined)
      for (const method of [route.method].flat())
        exactlyOne.set(`${method.toLowerCase()} ${url}`, config.exactlyOneOf);
    if (config?.links !== undefined)
      links.set(`${[route.method].flat()[0]?.toLowerCase() ?? 'get'} ${url}`, config.links);
    const documented: FastifySchema = {
      ...schema,
    };
    if (config?.public === true) documented.security = [];
    if (config?.upload !== undefined) {
      documented.body = {
        type: 'string',
        format: 'binary',
        minLength: 1,
        description: config.upload,
      };
      documented.consumes = UPLOAD_MEDIA_TYPES;
    }
    const errors = operationErrors({
      method: [route.method].flat()[0] ?? 'GET',
      url,
      config,
      schema,
    });
    if (errors !== undefined) {
      const success = Object.entries(schema.response as Record<string, unknown>).filter(
        ([status]) => Number(status) < 400,
      );
      documented.response = { ...Object.fromEntries(success), ...errorResponses(errors) };
    }
    return { schema: documented, url };
  };
}

/**
 * Links to several operations that take the same parameters from one answer, each named by its
 * target's operationId: `follow({ id: '$response.body#/data/id' }, 'GET /api/v1/catalog/{id}')`.
 */
export const follow = (
  parameters: Readonly<Record<string, string>>,
  ...operations: readonly string[]
): Record<string, Link> =>
  Object.fromEntries(
    operations.map((operation) => {
      const [method = '', path = ''] = operation.split(' ');
      return [operationId(method, path), { operation, parameters }];
    }),
  );

/** `GET /api/v1/catalog/{id}` → `getApiV1CatalogId`: a stable operationId links can name. */
export const operationId = (method: string, path: string): string =>
  method.toLowerCase() +
  path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/**
 * @fastify/swagger's `transformObject`: every operation gets its operationId; the routes'
 * `exactlyOneOf` parameters (recorded by documentRoute) become one exploded query object
 * `{oneOf: [{required: [a]}, {required: [b]}]}`, which serialises exactly as the separate
 * parameters did (`?digest=...`); the routes' links are put on their success response. A link
 * to an operation the document lacks is an error here, so it cannot silently point nowhere.
 */
export function documentObject({ exactlyOne, links }: Recorded) {
  const transform: SwaggerTransformObject = (documentObject) => {
    if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
    const openapiObject = documentObject.openapiObject as Document;
    const paths = openapiObject.paths ?? {};
    for (const [path, item] of Object.entries(paths))
      for (const [method, operation] of Object.entries(item)) {
        operation.operationId ??= operationId(method, path);
        addExamples(operation, `${method.toUpperCase()} ${path}`);
      }
    const find = (key: string) => {
      const [method = '', url = ''] = key.split(' ');
      return paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
    };
    for (const [key, names] of exactlyOne) {
      const operation = find(key);
      if (operation?.parameters === undefined) continue;
      const chosen = operation.parameters.filter((p) => p.in === 'query' && names.includes(p.name));
      operation.parameters = [
        ...operation.parameters.filter((p) => !chosen.includes(p)),
        {
          name: names.join('_or_'),
          in: 'query',
          style: 'form',
          explode: true,
          required: true,
          description: `exactly one of ${names.map((n) => `\`${n}\``).join(', ')}`,
          schema: {
            type: 'object',
            oneOf: chosen.map((p) => ({
              type: 'object',
              properties: {
                [p.name]: { ...p.schema, ...(p.description ? { description: p.description } : {}) },
              },
              required: [p.name],
              additionalProperties: false,
            })),
          },
        },
      ];
    }
    for (const [key, declared] of links) {
      const operation = find(key);
      const success = Object.keys(operation?.responses ?? {}).find((s) => /^2/.test(s));
      const response = success === undefined ? undefined : operation?.responses?.[success];
      if (response === undefined) continue;
      response.links = Object.fromEntries(
        Object.entries(declared).map(([name, link]) => {
          const target = find(link.operation);
          if (target?.operationId === undefined)
            throw new Error(`${key}: link ${name} names no operation (${link.operation})`);
          return [
            name,
            {
              operationId: target.operationId,
              parameters: link.parameters,
              ...(link.description ? { description: link.description } : {}),
            },
          ];
        }),
      );
    }
    return documentObject.openapiObject;
  };
  return transform;
}

/** JSON media types: their examples are JSON values made from the schema (not so a CSV or a file). */
const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * An example on the JSON request body and on each JSON success answer that has none yet (an
 * entity's own example is carried up by @fastify/swagger; errors have theirs from
 * operation-errors.ts).
 */
function addExamples(operation: OperationObject, name: string): void {
  const fill = (content: Record<string, Media> | undefined, side: 'request' | 'answer') => {
    for (const [type, media] of Object.entries(content ?? {}))
      if (JSON_MEDIA.test(type) && media.schema !== undefined && media.example === undefined)
        media.example = exampleOf(media.schema, side, `${name} ${type}`);
  };
  fill(operation.requestBody?.content, 'request');
  for (const [status, response] of Object.entries(operation.responses ?? {}))
    if (/^2/.test(status)) fill(response.content, 'answer');
}
