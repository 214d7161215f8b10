/**
 * The error codes each operation answers, from one declaration per route: the route names the
 * codes of its own business (`responses(ok, [...READ, 'CATALOG_NOT_FOUND'])` in its schema) and
 * this module adds those every operation of its kind answers (a malformed request, over-long
 * paths and header blocks, validation of its input, JSON body parsing, authentication, the rate
 * limit, a full disk for writes). The OpenAPI document lists them per status, as an enum of the
 * `code` with an example (openapi.ts); the error handler reports any code a route answers that
 * its declaration lacks (app.ts `undeclaredError`), which fails the gateway suites, and
 * Schemathesis (`npm run test:contract`) validates every error answer against the enum.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { statusFor, type AnyErrorCode } from './errors.js';

/**
 * A code as declared: answered with the registry's status, or with a fixed one (a refused use
 * is recorded on chain and answered 403 whatever its code, GRANT_NOT_FOUND included).
 */
export type Declared = AnyErrorCode | { readonly code: AnyErrorCode; readonly status: number };

/** Any call to the ledger: it may be unreachable, refuse in its own words, or not be set up. */
export const LEDGER: readonly AnyErrorCode[] = [
  'LEDGER_ERROR',
  'LEDGER_UNAVAILABLE',
  'NOT_INITIALIZED',
  'CORRUPT_STATE',
];
/** A chaincode read as the caller: their department and role are checked on chain. */
export const READ: readonly AnyErrorCode[] = [
  ...LEDGER,
  'DEPARTMENT_NOT_FOUND',
  'DEPARTMENT_SUSPENDED',
  'FORBIDDEN_ROLE',
  'FORBIDDEN_DEPARTMENT',
];
/**
 * A chaincode write: input refused by the contract, lost races (retryable), an oversized tx, and a
 * full disk under the ledger (a use recorded by a GET download is a write too).
 */
export const WRITE: readonly AnyErrorCode[] = [
  ...READ,
  'INVALID_ARGUMENT',
  'NOT_OWNER',
  'MVCC_CONFLICT',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'INSUFFICIENT_STORAGE',
];
/** A list from the query index: its cursor, the departments one may read, an index catching up. */
export const LIST: readonly AnyErrorCode[] = [...READ, 'INVALID_CURSOR', 'FORBIDDEN', 'NOT_READY'];

/** The reasons a use is refused; each is recorded on chain as DENIED and answered 403. */
const DENIALS: readonly AnyErrorCode[] = [
  'FORBIDDEN',
  'FORBIDDEN_ROLE',
  'NOT_SHARED',
  'GRANT_NOT_FOUND',
  'GRANT_EXPIRED',
  'GRANT_NOT_YET_VALID',
  'GRANT_REVOKED',
  'GRANT_NOT_HOLDER',
  'GRANT_CATALOG_MISMATCH',
  'FIELDS_NOT_GRANTED',
  'FIELDS_NOT_PROJECTABLE',
  'PURPOSE_MISMATCH',
  'USE_LIMIT_REACHED',
  'AUTHORISATION_REQUIRED',
  'AUTHORISATION_NOT_FOUND',
  'AUTHORISATION_REVOKED',
  'AUTHORISATION_EXPIRED',
  'AUTHORISATION_NOT_YET_VALID',
  'AUTHORISATION_SPENT',
  'AUTHORISATION_PURPOSE_MISMATCH',
  'AUTHORISATION_FIELDS',
  'AUTHORISATION_SUBJECT_MISMATCH',
  'AUTHORISATION_NOT_HOLDER',
  'AUTHORISATION_KEY_REPLACED',
  'AUTHORISATION_DELEGATION_REVOKED',
];
/** A use of data (download, proof, query): checked and recorded on chain, served from the store. */
export const USE: readonly Declared[] = [
  ...WRITE,
  'CATALOG_NOT_FOUND',
  'DATASET_VERSION_NOT_FOUND',
  'BLOB_NOT_FOUND',
  'BLOB_MISSING',
  'BLOB_DAMAGED',
  ...DENIALS.map((code) => ({ code, status: 403 })),
];

/** The grant as the owner's gateway reads it at delivery: refusals a consumer sees as its own. */
export const GRANT_REFUSALS = [
  'GRANT_NOT_FOUND',
  'GRANT_CATALOG_MISMATCH',
  'GRANT_NOT_HOLDER',
  'GRANT_REVOKED',
  'GRANT_NOT_YET_VALID',
  'GRANT_EXPIRED',
  'FIELDS_NOT_GRANTED',
] as const;

/**
 * A request from another department's gateway (gateway-to-gateway exchange): its signature, its
 * TLS pin, its window and nonce; the version and its bytes; the grant as the provider reads it
 * now (answered 403, like a refused use, but recorded by nobody: the consumer's gateway records
 * uses, this one serves them).
 */
export const EXCHANGE: readonly Declared[] = [
  ...READ,
  'EXCHANGE_SIGNATURE_INVALID',
  'EXCHANGE_UNKNOWN_MSP',
  'EXCHANGE_REQUEST_EXPIRED',
  'EXCHANGE_REQUEST_REPLAYED',
  'CATALOG_NOT_FOUND',
  'DATASET_VERSION_NOT_FOUND',
  'BLOB_NOT_FOUND',
  'BLOB_MISSING',
  'BLOB_DAMAGED',
  ...GRANT_REFUSALS.map((code) => ({ code, status: 403 })),
];

/** What any request may be answered before its route runs, or when the server fails. */
const ALWAYS: readonly AnyErrorCode[] = [
  'BAD_REQUEST',
  'URI_TOO_LONG',
  'HEADERS_TOO_LARGE',
  'INTERNAL',
];
/** A request body: parsed strictly as JSON (UTF-8, JSON, its media type, the body limit). */
const JSON_BODY: readonly AnyErrorCode[] = [
  'INVALID_JSON',
  'INVALID_ENCODING',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
];
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** An operation as both the document's transform and the error handler see it. */
export interface Operation {
  method: string;
  url: string;
  config?: { public?: boolean; upload?: string } | undefined;
  schema?: {
    params?: unknown;
    querystring?: unknown;
    body?: unknown;
    response?: unknown;
  };
}

/** A code with the status it is answered with. */
export interface Answer {
  code: string;
  status: number;
}

const answerOf = (d: Declared): Answer =>
  typeof d === 'string' ? { code: d, status: statusFor(d) } : d;

type ErrorSchema = { properties?: { error?: { properties?: { code?: { enum?: unknown } } } } };

/** The codes a route declared in its response schemas: the enums `errorResponses` made. */
function declaredIn(response: unknown): Answer[] {
  if (response === null || typeof response !== 'object') return [];
  return Object.entries(response as Record<string, ErrorSchema>).flatMap(([status, schema]) => {
    const codes = schema.properties?.error?.properties?.code?.enum;
    return Array.isArray(codes)
      ? codes.map((code) => ({ code: String(code), status: +status }))
      : [];
  });
}

/**
 * Every code the operation can answer, each with its status: those of its kind and its own.
 * Undefined for a route without response schemas (the console's files, the document itself).
 */
export function operationErrors(op: Operation): Answer[] | undefined {
  if (op.schema?.response === undefined) return undefined;
  const api = op.url.startsWith('/api/');
  const open = op.config?.public === true;
  const input =
    op.schema.params !== undefined ||
    op.schema.querystring !== undefined ||
    op.schema.body !== undefined;
  const kind: AnyErrorCode[] = [
    ...ALWAYS,
    ...(input ? (['VALIDATION_FAILED'] as const) : []),
    // A body is parsed for every method but GET and HEAD, whether the route reads one or not.
    ...(!READS.has(op.method) && op.config?.upload === undefined ? JSON_BODY : []),
    ...(api ? (['RATE_LIMITED'] as const) : []),
    // A public route takes no token, but one presented is checked: a revoked token is 401 there too.
    ...(api ? (['UNAUTHENTICATED'] as const) : []),
    ...(api && !open && !READS.has(op.method) ? (['INSUFFICIENT_STORAGE'] as const) : []),
  ];
  const all = [...kind.map(answerOf), ...declaredIn(op.schema.response)];
  const seen = new Set<string>();
  return all.filter((a) => {
    const key = `${a.status} ${a.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `CATALOG_NOT_FOUND` → "catalog not found": the example's message. */
const words = (code: string): string => code.toLowerCase().replaceAll('_', ' ');

/**
 * The error responses for a list of codes: one per status, each the shared error shape with its
 * `code` restricted to those codes, a description naming them and an example of the first.
 */
export function errorResponses(declared: readonly (Declared | Answer)[]): Record<number, TSchema> {
  const byStatus = new Map<number, string[]>();
  for (const d of declared) {
    const { code, status } = typeof d === 'string' ? answerOf(d) : d;
    const codes = byStatus.get(status) ?? [];
    if (!codes.includes(code)) codes.push(code);
    byStatus.set(status, codes);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => {
      return [
        status,
        Type.Object(
          {
            error: Type.Object({
              code: Type.Unsafe<string>({
                type: 'string',
                enum: codes,
                description: 'stable, machine-readable error code',
              }),
              message: Type.String({ description: 'what went wrong, in words' }),
              details: Type.Optional(Type.Unknown()),
            }),
          },
          {
            description: `error ${codes.join(', ')}`,
            example: { error: { code: codes[0], message: `${words(codes[0] ?? '')}: …` } },
          },
        ),
      ];
    }),
  );
}
