/**
 * Errors the embedded network reports to its clients, each with a stable code. An invalidated
 * transaction carries its Fabric validation code as the error code (e.g. MVCC_READ_CONFLICT),
 * so callers can retry conflicts; a chaincode failure keeps the chaincode's own message, whose
 * `[CODE]` prefix the gateway maps back.
 */
import type { ValidationCode } from '@shulian/proof/formats/embedded';

export type LedgerErrorCode =
  | ValidationCode
  | 'CHAINCODE_ERROR'
  | 'INVALID_ARGUMENT'
  | 'INVALID_IDENTITY_NAME'
  | 'ENDORSEMENT_MISMATCH'
  | 'ENDORSEMENT_REFUSED'
  | 'NO_ENDORSERS'
  | 'NODE_STOPPED'
  | 'NODE_NOT_FOUND'
  | 'NODE_HALTED'
  | 'TX_NOT_FOUND'
  | 'BLOCK_NOT_FOUND'
  | 'TX_TOO_LARGE'
  | 'ORDERER_STOPPED'
  | 'ORDERER_WRITE_FAILED'
  | 'ORDERER_LOG_BEHIND'
  | 'ORDERER_LOG_CORRUPT'
  | 'BLOCK_MISSING'
  | 'COMMIT_TIMEOUT'
  | 'NODE_BEHIND'
  | 'DEPARTMENT_MATERIAL_LOST'
  | 'KEY_POLICY_CONFLICT'
  | 'NETWORK_CLOSED'
  | 'CRYPTO_MATERIAL_MISMATCH';

export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details: { txId?: string; blockNumber?: number; status?: number } = {},
  ) {
    super(message);
    this.name = 'LedgerError';
  }

  /** True for conflicts with concurrent transactions, which a resubmission may resolve. */
  get retryable(): boolean {
    return (
      this.code === 'MVCC_READ_CONFLICT' ||
      this.code === 'PHANTOM_READ_CONFLICT' ||
      this.code === 'ENDORSEMENT_MISMATCH' ||
      this.code === 'ORDERER_WRITE_FAILED' ||
      this.code === 'KEY_POLICY_CONFLICT'
    );
  }
}
