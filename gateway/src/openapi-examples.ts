/**
 * Examples for the OpenAPI document: every JSON request body and success response gets one, built
 * from its schema. Where a schema carries its own `example` (an entity's, written against the
 * chaincode's type in routes/examples.ts, or a field's), that is used as it is; elsewhere a value is
 * made that the schema accepts. Schemathesis sends the request examples in its examples phase and
 * tests/gateway/openapi-examples.test.ts validates every example against its schema, so an example
 * cannot drift from what the server takes and answers.
 */

/** The part of a JSON Schema (as @fastify/swagger writes OpenAPI 3.0) that examples are made from. */
export interface ExampleSchema {
  example?: unknown;
  examples?: readonly unknown[];
  default?: unknown;
  const?: unknown;
  enum?: readonly unknown[];
  type?: string | readonly string[];
  anyOf?: readonly ExampleSchema[];
  oneOf?: readonly ExampleSchema[];
  allOf?: readonly ExampleSchema[];
  properties?: Readonly<Record<string, ExampleSchema>>;
  required?: readonly string[];
  items?: ExampleSchema;
  minItems?: number;
  minProperties?: number;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

/**
 * Strings tried, in order, for a string schema with a pattern and no example of its own: the first
 * that fits its pattern and length is taken, so an id reads like a catalog id, a day like a day and
 * a digest like a digest. A string without a pattern is "string", as OpenAPI tools show it.
 */
const STRING_CANDIDATES = [
  'PSB-POP-001',
  '2026-03-02',
  '2026-03-02T02:00:00.000Z',
  'id_number',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '用于出生登记核验',
] as const;

const BY_FORMAT: Readonly<Record<string, string>> = {
  'date-time': '2026-03-02T02:00:00.000Z',
  date: '2026-03-02',
  uri: 'https://psb.example.gov.cn/',
  binary: '',
};

/** Thrown when no example can be made for a schema: give that schema an `example`. */
export class NoExampleError extends Error {
  constructor(readonly at: string) {
    super(`no example can be made at ${at}: give the schema an example`);
    this.name = 'NoExampleError';
  }
}

const fits = (s: ExampleSchema, value: string): boolean =>
  (s.pattern === undefined || new RegExp(s.pattern, 'u').test(value)) &&
  value.length >= (s.minLength ?? 0) &&
  value.length <= (s.maxLength ?? Infinity);

const isNull = (s: ExampleSchema): boolean => s.type === 'null' || s.enum?.[0] === null;

/** The schema's own value, if it states one (an example, a default, a constant, an enum). */
function stated(schema: ExampleSchema): { value: unknown } | undefined {
  if ('example' in schema) return { value: schema.example };
  // JSON Schema's own keyword, which @fastify/swagger leaves inside allOf branches.
  if (schema.examples?.[0] !== undefined) return { value: schema.examples[0] };
  if ('default' in schema) return { value: schema.default };
  if ('const' in schema) return { value: schema.const };
  if (schema.enum !== undefined) return { value: schema.enum[0] };
  return undefined;
}

type Make = (schema: ExampleSchema, at: string) => unknown;

function objectOf(schema: ExampleSchema, side: Side, at: string, of: Make): object {
  const required = new Set(schema.required ?? []);
  const properties = Object.entries(schema.properties ?? {});
  const chosen = properties.filter(
    ([name, s]) => side === 'answer' || required.has(name) || stated(s) !== undefined,
  );
  // A body that must name something (a PATCH) gets its first optional properties too.
  for (const property of properties)
    if (chosen.length < (schema.minProperties ?? 0) && !chosen.includes(property))
      chosen.push(property);
  return Object.fromEntries(chosen.map(([name, s]) => [name, of(s, `${at}/properties/${name}`)]));
}

function stringOf(schema: ExampleSchema, at: string): string {
  const byFormat = schema.format === undefined ? undefined : BY_FORMAT[schema.format];
  if (byFormat !== undefined) return byFormat;
  if (schema.pattern === undefined && fits(schema, 'string')) return 'string';
  const value = STRING_CANDIDATES.find((c) => fits(schema, c));
  if (value === undefined) throw new NoExampleError(at);
  return value;
}

/** Whether the example is for a request body or an answer. */
export type Side = 'request' | 'answer';

/**
 * An example value of `schema`. Objects in an answer get every property; in a request their
 * required ones and the optional ones whose schema states a value of its own (an optional field
 * left out is the simplest valid body). Arrays get as many items as they need, a union its first
 * branch that is not null.
 *
 * @throws {NoExampleError} when a string's pattern fits none of the candidates.
 */
export function exampleOf(schema: ExampleSchema, side: Side, at = '#'): unknown {
  const of: Make = (s, where) => exampleOf(s, side, where);
  const own = stated(schema);
  if (own !== undefined) return own.value;
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches !== undefined) {
    const i = Math.max(
      0,
      branches.findIndex((b) => !isNull(b)),
    );
    return of(branches[i]!, `${at}/${schema.anyOf ? 'anyOf' : 'oneOf'}/${i}`);
  }
  // An object's allOf holds conditional rules (if/then) over its properties, made below.
  if (schema.allOf !== undefined && schema.properties === undefined)
    return Object.assign({}, ...schema.allOf.map((s, i) => of(s, `${at}/allOf/${i}`)));
  const type = [schema.type ?? (schema.properties ? 'object' : 'string')].flat()[0] ?? 'string';
  if (type === 'null') return null;
  if (type === 'boolean') return false;
  if (type === 'integer' || type === 'number')
    return Math.min(schema.maximum ?? Infinity, Math.max(schema.minimum ?? 1, 1));
  if (type === 'array') {
    // One item unless more are required (items of a uniqueItems array would repeat).
    const count = Math.max(1, schema.minItems ?? 0);
    return Array.from({ length: count }, (_, i) => of(schema.items ?? {}, `${at}/items/${i}`));
  }
  if (type === 'object') return objectOf(schema, side, at, of);
  return stringOf(schema, at);
}
