/**
 * What the OpenAPI document adds to each route's own schemas so that it describes the server as
 * it runs: public routes declare no security, upload routes document their raw body (their scope
 * reads it as a stream, so it has no body schema to validate), and the API's routes document
 * 429, which the rate limit answers before any route runs.
 */
import type { SwaggerTransformObject } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';
import { ErrorResponse } from './errors.js';

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
  }
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
type Document = { paths?: Record<string, Record<string, { parameters?: Parameter[] }>> };

/**
 * @fastify/swagger's `transform`: the route's schema as the document shows it. 429 is documented
 * whether or not this server's limit is on (SHULIAN_RATE_LIMIT=0 turns it off): one document.
 */
export function documentRoute(exactlyOne: Map<string, readonly string[]>) {
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
    if (url.startsWith('/api/') && documented.response !== undefined)
      documented.response = {
        ...(documented.response as Record<string, unknown>),
        429: {
          ...ErrorResponse,
          description: 'more API requests from this client than the per-minute limit',
        },
      };
    return { schema: documented, url };
  };
}

/**
 * @fastify/swagger's `transformObject`: the routes' `exactlyOneOf` parameters (recorded by
 * documentRoute) become one exploded query object `{oneOf: [{required: [a]}, {required: [b]}]}`,
 * which serialises exactly as the separate parameters did (`?digest=...`).
 */
export function documentExactlyOne(exactlyOne: ReadonlyMap<string, readonly string[]>) {
  const transform: SwaggerTransformObject = (documentObject) => {
    if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
    const openapiObject = documentObject.openapiObject as Document;
    for (const [key, names] of exactlyOne) {
      const [method = '', url = ''] = key.split(' ');
      const operation = openapiObject.paths?.[url.replace(/:(\w+)/g, '{$1}')]?.[method];
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
    return documentObject.openapiObject;
  };
  return transform;
}
