/**
 * What Fabric's gateway reports when a call fails, turned into the ledger errors the embedded
 * engine raises (same codes, same `[CODE] message` text), so gateway/src/errors.ts maps both
 * engines the same way; and the retry policy for the failures that say nothing about the request.
 *
 * Where Fabric puts the chaincode's message differs by phase:
 * - endorse (submit): the status message is `10 ABORTED: failed to endorse transaction, see
 *   attached details for more info`; the chaincode's `[CODE] message` is only in
 *   `details[].message` (`chaincode response 500, [CODE] message`), one per endorser asked;
 * - evaluate: the status message itself carries it (`evaluate call to endorser returned error:
 *   chaincode response 500, [CODE] message`), and the details repeat it;
 * - commit: the transaction was ordered but invalidated; only its validation code is known.
 */
import { ERROR_PATTERN } from '@shulian/chaincode/constants';

/** Codes beyond Fabric's validation codes (which are used as they are, e.g. MVCC_READ_CONFLICT). */
export type FabricClientErrorCode =
  | 'CHAINCODE_ERROR'
  | 'ENDORSEMENT_MISMATCH'
  | 'ENDORSEMENT_REFUSED'
  | 'NODE_STOPPED'
  | 'NO_ENDORSERS'
  | 'TX_NOT_FOUND'
  | 'BLOCK_NOT_FOUND'
  | 'NODE_BEHIND'
  | 'DEADLINE_EXCEEDED'
  | 'NETWORK_CLOSED';

export type Phase = 'endorse' | 'submit' | 'commit' | 'evaluate' | 'query' | 'events';

export class FabricLedgerError extends Error {
  constructor(
    /** A FabricClientErrorCode or a Fabric TxValidationCode name. */
    readonly code: string,
    message: string,
    readonly details: { phase: Phase; txId?: string; blockNumber?: number; grpcCode?: number },
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'FabricLedgerError';
  }

  get retryable(): boolean {
    return isRetryableCode(this.code);
  }
}

/** Transient conflicts: resubmitting the same request (as a new transaction) may succeed. */
export const isRetryableCode = (code: string): boolean =>
  code === 'MVCC_READ_CONFLICT' ||
  code === 'PHANTOM_READ_CONFLICT' ||
  code === 'ENDORSEMENT_MISMATCH';

/** gRPC status codes (grpc-js `status`) that the translation distinguishes. */
const GRPC = { DEADLINE_EXCEEDED: 4, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;

/** The shape of fabric-gateway's GatewayError (and its EndorseError/SubmitError/...). */
interface GatewayErrorLike {
  code: number;
  message: string;
  details: { address?: string; mspId?: string; message: string }[];
  transactionId?: string;
}

function isGatewayError(err: unknown): err is GatewayErrorLike {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === 'number' &&
    Array.isArray((err as { details?: unknown }).details)
  );
}

/** `[CODE] message` from whatever text Fabric wrapped around it. */
function chaincodeMessage(text: string): string | undefined {
  const m = ERROR_PATTERN.exec(text);
  return m ? `[${m[1] ?? ''}] ${m[2] ?? ''}` : undefined;
}

const MISMATCH = 'ProposalResponsePayloads do not match';

/** A failed fabric-gateway call as a FabricLedgerError keeping the chaincode's `[CODE] message`. */
export function fromFabricError(err: unknown, phase: Phase): FabricLedgerError {
  if (err instanceof FabricLedgerError) return err;
  if (!isGatewayError(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new FabricLedgerError('NETWORK_CLOSED', message, { phase }, { cause: err });
  }
  const txId = err.transactionId;
  const base = { phase, grpcCode: err.code, ...(txId ? { txId } : {}) };
  const texts = [err.message, ...err.details.map((d) => d.message)];
  // The chaincode refused: the same code whichever endorser said it first.
  for (const text of texts) {
    const found = chaincodeMessage(text);
    if (found) return new FabricLedgerError('CHAINCODE_ERROR', found, base, { cause: err });
  }
  const where = err.details
    .map((d) => `${d.mspId ?? '?'}@${d.address ?? '?'}: ${d.message}`)
    .join('; ');
  const message = where ? `${err.message} (${where})` : err.message;
  if (texts.some((t) => t.includes(MISMATCH)))
    return new FabricLedgerError('ENDORSEMENT_MISMATCH', message, base, { cause: err });
  if (err.code === GRPC.UNAVAILABLE)
    return new FabricLedgerError('NODE_STOPPED', message, base, { cause: err });
  if (err.code === GRPC.DEADLINE_EXCEEDED)
    return new FabricLedgerError('DEADLINE_EXCEEDED', message, base, { cause: err });
  if (err.code === GRPC.FAILED_PRECONDITION && /no (peers|combination of peers)/i.test(message))
    return new FabricLedgerError('NO_ENDORSERS', message, base, { cause: err });
  if (/no such transaction ID|transaction .* not found/i.test(message))
    return new FabricLedgerError('TX_NOT_FOUND', message, base, { cause: err });
  if (/Entry not found in index|block number .* not found|no such block/i.test(message))
    return new FabricLedgerError('BLOCK_NOT_FOUND', message, base, { cause: err });
  return new FabricLedgerError('ENDORSEMENT_REFUSED', message, base, { cause: err });
}

/** A transaction that was ordered but invalidated by the peers. */
export function commitFailure(code: string, txId: string, blockNumber: number): FabricLedgerError {
  return new FabricLedgerError(
    code,
    `transaction ${txId} was invalidated in block ${blockNumber}: ${code}`,
    { phase: 'commit', txId, blockNumber },
  );
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the first retry, ms; doubled each time, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 25, maxDelayMs: 800 };

/** The delay before retry `n` (1-based): random in [d/2, d], d = min(max, base * 2^(n-1)). */
export function retryDelay(
  policy: RetryPolicy,
  n: number,
  random: () => number = Math.random,
): number {
  const d = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
  return d / 2 + (random() * d) / 2;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the cap is reached;
 * each attempt is a new transaction (new id), as Fabric requires after an invalidation.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof FabricLedgerError) || !err.retryable || n >= policy.attempts) throw err;
      await sleep(retryDelay(policy, n));
    }
  }
}
