/**
 * Every error the gateway answers with: one registry of stable codes and their HTTP status,
 * the parsing that keeps chaincode error codes across the ledger boundary, and the Fastify
 * handlers that turn any failure into `{ error: { code, message, details? } }`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import { ERROR_PATTERN, type ErrorCode } from '@shulian/chaincode/constants';
import { RecordTooLargeError } from '@shulian/proof/records';
import { StoreError, type StoreErrorCode } from './store/dataset-store.js';

/** Codes raised by the gateway itself (the chaincode's own codes are added below). */
const GATEWAY_CODES = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  // A 统一社会信用代码 of the wrong shape or whose check character does not match (GB 32100-2015).
  USCC_INVALID: 400,
  INVALID_DIGEST: 400,
  EMPTY_UPLOAD: 400,
  INVALID_CURSOR: 400,
  INVALID_ENCODING: 400,
  // The upload's bytes are not its declared media type (CSV that does not parse, a fake PNG).
  FORMAT_MISMATCH: 400,
  // A row or line longer than the proof package's MAX_RECORD_CHARS, in an upload anchored record
  // by record (the same file anchored as one value, records=false, is not limited so).
  RECORD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  // Gateway-to-gateway exchange (gateway/src/exchange/): a consumer gateway's signed request whose
  // certificate, signature or addressee does not hold, whose department is no channel member, or
  // that was signed outside the time window; a nonce used twice.
  EXCHANGE_SIGNATURE_INVALID: 401,
  EXCHANGE_UNKNOWN_MSP: 401,
  EXCHANGE_REQUEST_EXPIRED: 401,
  EXCHANGE_REQUEST_REPLAYED: 409,
  // A provider's gateway serves each committed use once: a second delivery is a second use.
  USE_ALREADY_DELIVERED: 409,
  // The provider's ledger did not reach, within its bound, the block a delivery's use was
  // committed in (its peer is behind or cut off): transient, the delivery may be asked again.
  USE_BLOCK_NOT_REACHED: 503,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  BLOB_NOT_FOUND: 404,
  TRANSACTION_NOT_FOUND: 404,
  BLOCK_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  CONFLICT: 409,
  DIGEST_MISMATCH: 409,
  // A receipt was asked for a use that delivered nothing (refused, or recorded before deliveries
  // were measured).
  NOT_DELIVERED: 409,
  // The same bytes are already stored under another commitment (anchored record by record with
  // another provider's field salts, or as a file): they cannot be anchored a second way yet.
  COMMITMENT_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  // Integrity: the store's bytes of an anchored version are gone or no longer match their digest.
  BLOB_MISSING: 500,
  BLOB_DAMAGED: 500,
  LEDGER_ERROR: 502,
  // The consumer's gateway could not reach the provider's (down, not in the directory, TLS
  // refused); its stream ended early (DELIVERY_INCOMPLETE) or whole but not the recorded delivery.
  // (PROVIDER_REFUSED, a refusal the consumer's ledger check did not foresee, is a chaincode code:
  // such a refused use is recorded DENIED with it.)
  PROVIDER_UNREACHABLE: 502,
  DELIVERY_INCOMPLETE: 502,
  DELIVERY_MISMATCH: 502,
  LEDGER_UNAVAILABLE: 503,
  NOT_READY: 503,
  MVCC_CONFLICT: 503,
  INSUFFICIENT_STORAGE: 507,
} as const satisfies Record<string, number>;

export type GatewayErrorCode = keyof typeof GATEWAY_CODES;

/**
 * Every chaincode code with its status. The `Record<ErrorCode, number>` type makes a new chaincode
 * code a compile error here until someone decides its status; the string index lets the gateway
 * list a code before the chaincode's constants carry it.
 */
const CHAINCODE_CODES: Readonly<Record<ErrorCode, number> & Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  NOT_INITIALIZED: 503,
  ALREADY_INITIALIZED: 409,
  ALREADY_EXISTS: 409,
  DEPARTMENT_NOT_FOUND: 404,
  DEPARTMENT_SUSPENDED: 403,
  FORBIDDEN_ROLE: 403,
  FORBIDDEN_DEPARTMENT: 403,
  NOT_COORDINATOR: 403,
  NOT_OWNER: 403,
  CALENDAR_NOT_FOUND: 404,
  GATEWAY_NOT_FOUND: 404,
  CATALOG_NOT_FOUND: 404,
  CATALOG_RETIRED: 409,
  UPDATE_REQUIREMENT_NOT_FOUND: 404,
  LEGAL_BASIS_REQUIRED: 400,
  NOT_SHARED: 403,
  FIELD_NOT_IN_CATALOG: 400,
  DATASET_VERSION_NOT_FOUND: 404,
  REQUEST_NOT_FOUND: 404,
  INVALID_STATE: 409,
  REASON_REQUIRED: 400,
  GRANT_NOT_FOUND: 404,
  GRANT_EXPIRED: 403,
  GRANT_NOT_YET_VALID: 403,
  GRANT_REVOKED: 403,
  GRANT_NOT_HOLDER: 403,
  GRANT_CATALOG_MISMATCH: 403,
  FIELDS_NOT_GRANTED: 403,
  PURPOSE_MISMATCH: 403,
  USE_LIMIT_REACHED: 403,
  FIELDS_NOT_PROJECTABLE: 403,
  // An upload of another kind than its entry's declared format (by its Content-Type or its bytes).
  MEDIA_TYPE_MISMATCH: 415,
  USAGE_NOT_FOUND: 404,
  RECORD_NOT_FOUND: 404,
  OBJECTION_NOT_FOUND: 404,
  SUBJECT_NOT_BOUND: 404,
  SIGNATURE_INVALID: 403,
  AUTHORISATION_REPLAYED: 409,
  AUTHORISATION_REQUIRED: 403,
  AUTHORISATION_NOT_FOUND: 404,
  AUTHORISATION_REVOKED: 403,
  AUTHORISATION_EXPIRED: 403,
  AUTHORISATION_NOT_YET_VALID: 403,
  AUTHORISATION_SPENT: 403,
  AUTHORISATION_PURPOSE_MISMATCH: 403,
  AUTHORISATION_FIELDS: 403,
  AUTHORISATION_SUBJECT_MISMATCH: 403,
  AUTHORISATION_NOT_HOLDER: 403,
  AUTHORISATION_KEY_REPLACED: 403,
  AUTHORISATION_DELEGATION_REVOKED: 403,
  DELEGATION_NOT_FOUND: 404,
  DELEGATION_REPLAYED: 409,
  DELEGATION_NOT_LIVE: 403,
  DELEGATION_OUT_OF_SCOPE: 403,
  // The owner's gateway refused a use of another department's version (gateway-to-gateway
  // exchange) in a way the consumer's ledger check did not foresee; the use is recorded DENIED.
  PROVIDER_REFUSED: 502,
  CORRUPT_STATE: 500,
};

const REGISTRY: ReadonlyMap<string, number> = new Map<string, number>([
  ...Object.entries(GATEWAY_CODES),
  ...Object.entries(CHAINCODE_CODES),
]);

export type AnyErrorCode = GatewayErrorCode | ErrorCode;

/** The HTTP status for a code. A code nobody declared is a bug on our side: 500. */
export function statusFor(code: string): number {
  return REGISTRY.get(code) ?? 500;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable, machine-readable error code' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { description: 'every error has this shape' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

export class GatewayError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details: unknown;

  constructor(
    code: AnyErrorCode,
    message: string,
    options: { details?: unknown; cause?: unknown; status?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    // An override is for answers whose meaning is fixed whatever the code (a refused use is 403).
    this.statusCode = options.status ?? statusFor(code);
    this.details = options.details;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/**
 * True when `err`, or any error in its cause chain, is a full disk: ENOSPC from node:fs, or a
 * level database's IO error (LEVEL_IO_ERROR carries the OS text, not the errno) or a ledger
 * error that quotes one (ORDERER_WRITE_FAILED names the log write that failed).
 */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || /No space left on device|ENOSPC/.test(e.message))
      return true;
    e = e.cause;
  }
  return false;
}

const diskFullError = (cause: unknown): GatewayError =>
  new GatewayError(
    'INSUFFICIENT_STORAGE',
    "the gateway's disk is full; retry once space is freed",
    { cause },
  );

/**
 * A ledger failure as a GatewayError. The chaincode raises `[CODE] message`; the ledger wraps
 * it in its own text (endorsement failed: ...), so the code is found anywhere in the message.
 * MVCC conflicts are transient and retryable, hence 503 rather than 409.
 */
export function fromLedgerError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (isDiskFull(err)) return diskFullError(err);
  const message = err instanceof Error ? err.message : String(err);
  const match = ERROR_PATTERN.exec(message);
  const code = match?.[1];
  if (code !== undefined && REGISTRY.has(code)) {
    return new GatewayError(code as AnyErrorCode, (match?.[2] ?? '').trim(), { cause: err });
  }
  const ledgerCode = (err as { code?: unknown }).code;
  const mapped = typeof ledgerCode === 'string' ? LEDGER_CODES[ledgerCode] : undefined;
  if (mapped) return new GatewayError(mapped, message, { cause: err });
  return new GatewayError('LEDGER_ERROR', `ledger call failed: ${message}`, { cause: err });
}

/** Every dataset store error as the client sees it; codes without a meaning of their own are 400. */
const STORE_CODES: Readonly<Record<StoreErrorCode, GatewayErrorCode>> = {
  INVALID_DIGEST: 'INVALID_DIGEST',
  BLOB_NOT_FOUND: 'BLOB_NOT_FOUND',
  BLOB_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  DIGEST_MISMATCH: 'DIGEST_MISMATCH',
  COMMITMENT_CONFLICT: 'COMMITMENT_CONFLICT',
  RECORD_NOT_FOUND: 'BAD_REQUEST',
  RECORD_LEAVES_DAMAGED: 'BAD_REQUEST',
  CHUNK_NOT_FOUND: 'BAD_REQUEST',
  BLOB_MISSING: 'BLOB_MISSING',
  BLOB_DAMAGED: 'BLOB_DAMAGED',
};

/** A dataset store or upload-parsing failure as a GatewayError. */
export function fromStoreError(err: unknown): GatewayError {
  if (err instanceof StoreError) {
    return new GatewayError(STORE_CODES[err.code], err.message, { cause: err });
  }
  // Record anchoring decodes text as strict UTF-8 (TextDecoder fatal): bad bytes are the upload's fault.
  if ((err as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA')
    return new GatewayError('INVALID_ENCODING', 'dataset is not valid UTF-8 text', { cause: err });
  if (err instanceof RecordTooLargeError)
    return new GatewayError('RECORD_TOO_LARGE', err.message, {
      cause: err,
      details: { line: err.line },
    });
  // The record parser's errors (services/upload-format.ts isFormatError): not the declared format.
  if (err instanceof SyntaxError)
    return new GatewayError(
      'FORMAT_MISMATCH',
      `the upload is not the declared tabular format: ${err.message}`,
      { cause: err },
    );
  return err instanceof GatewayError
    ? err
    : new GatewayError('INTERNAL', 'store failure', { cause: err });
}

/**
 * The ledger's own error codes (network/embedded/errors.ts; Fabric's validation codes) that mean
 * something to a client. Conflicts are transient and retryable, hence 503 rather than 409.
 */
const LEDGER_CODES: Readonly<Record<string, GatewayErrorCode>> = {
  TX_NOT_FOUND: 'TRANSACTION_NOT_FOUND',
  BLOCK_NOT_FOUND: 'BLOCK_NOT_FOUND',
  MVCC_READ_CONFLICT: 'MVCC_CONFLICT',
  PHANTOM_READ_CONFLICT: 'MVCC_CONFLICT',
  ENDORSEMENT_MISMATCH: 'MVCC_CONFLICT',
  NODE_STOPPED: 'LEDGER_UNAVAILABLE',
  ORDERER_STOPPED: 'LEDGER_UNAVAILABLE',
  NETWORK_CLOSED: 'LEDGER_UNAVAILABLE',
  NO_ENDORSERS: 'LEDGER_UNAVAILABLE',
  TX_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  // Ill-formed call input refused by the client or an endorser before anything is ordered.
  INVALID_ARGUMENT: 'VALIDATION_FAILED',
  INVALID_IDENTITY_NAME: 'VALIDATION_FAILED',
  NODE_HALTED: 'LEDGER_UNAVAILABLE',
  ORDERER_LOG_BEHIND: 'LEDGER_UNAVAILABLE',
  ORDERER_LOG_CORRUPT: 'LEDGER_UNAVAILABLE',
  ORDERER_WRITE_FAILED: 'LEDGER_UNAVAILABLE',
  // A concurrent write to the same record (two anchors to one entry) won: resubmit.
  KEY_POLICY_CONFLICT: 'CONFLICT',
  BLOCK_MISSING: 'LEDGER_UNAVAILABLE',
  COMMIT_TIMEOUT: 'LEDGER_UNAVAILABLE',
  NODE_BEHIND: 'LEDGER_UNAVAILABLE',
  DEPARTMENT_MATERIAL_LOST: 'LEDGER_UNAVAILABLE',
  CRYPTO_MATERIAL_MISMATCH: 'CONFLICT',
  NODE_NOT_FOUND: 'NOT_FOUND',
};

/** Fastify's own error codes mapped onto ours, so framework errors keep our shape. */
const FASTIFY_CODES: Readonly<Record<string, GatewayErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_NOT_FOUND: 'ROUTE_NOT_FOUND',
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_ASYNC_CONSTRAINT: 'BAD_REQUEST',
  FST_ERR_INVALID_URL: 'BAD_REQUEST',
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
}

function toGatewayError(error: FastifyError | Error): GatewayError {
  if (error instanceof GatewayError) return error;
  if (isDiskFull(error)) return diskFullError(error);
  const fastifyError = error as FastifyError & {
    validation?: ValidationIssue[];
    validationContext?: string;
  };
  if (Array.isArray(fastifyError.validation)) {
    const where = fastifyError.validationContext ?? 'request';
    const issues = fastifyError.validation.map((v) => ({
      path: `${where}${v.instancePath ?? ''}`,
      message: v.message ?? 'invalid',
    }));
    const first = issues[0];
    return new GatewayError(
      'VALIDATION_FAILED',
      first ? `${first.path}: ${first.message}` : `invalid ${where}`,
      {
        details: issues,
        cause: error,
      },
    );
  }
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (mapped) return new GatewayError(mapped, error.message, { cause: error });
  const status = fastifyError.statusCode;
  // Any other framework error with a 4xx status is the client's fault; keep the status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new GatewayError('BAD_REQUEST', error.message, { cause: error, status });
  }
  return new GatewayError('INTERNAL', 'internal error', { cause: error });
}

/** Errors Fastify raises before routing (bad URL encoding, over-long parameters). */
export function frameworkErrors(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const err = toGatewayError(error);
  request.log.info({ code: err.code }, err.message);
  void reply.status(err.statusCode).send(err.toBody());
}

/**
 * Installs the error and not-found handlers. `answered` sees every error answer a route gives
 * (app.ts checks it against the codes the route declares).
 */
export function installErrorHandling(
  app: FastifyInstance,
  answered: (request: FastifyRequest, err: GatewayError) => void = () => undefined,
): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const err = toGatewayError(error);
    answered(request, err);
    // A client that hung up mid-request (an aborted upload) is not the server failing: one line
    // at info, no stack trace; nobody is left to read the answer.
    if (request.raw.destroyed && !request.raw.complete)
      request.log.info({ code: err.code }, `client closed the connection: ${error.message}`);
    else if (err.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: err.code }, err.message);
    return reply.status(err.statusCode).type('application/json; charset=utf-8').send(err.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new GatewayError(
      'ROUTE_NOT_FOUND',
      `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    );
    return reply.status(404).send(err.toBody());
  });
}

/**
 * Errors the HTTP parser raises before Fastify sees a request (oversized headers, garbage on the
 * wire) still get our body shape rather than Node's bare status line.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [code, status, text]: [GatewayErrorCode, number, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['HEADERS_TOO_LARGE', 431, 'Request Header Fields Too Large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['BAD_REQUEST', 408, 'Request Timeout']
        : ['BAD_REQUEST', 400, 'Bad Request'];
  const body = JSON.stringify(
    new GatewayError(code, `malformed HTTP request: ${err.code ?? err.message}`).toBody(),
  );
  socket.write(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // Closed once the answer is out, whatever the client keeps sending: a slow or hostile client
  // must not keep a half-closed socket (and a file descriptor) for ever.
  socket.destroySoon();
}
