import { ErrorCode } from '../constants.js';

/**
 * The only error the contracts throw on purpose. The `[CODE] message` text survives Fabric's
 * and the embedded network's wrapping, so the gateway can map it back to a stable code.
 */
export class ChaincodeError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(`[${code}] ${message}`);
    this.name = 'ChaincodeError';
    this.code = code;
    this.details = details;
  }
}

export function invalid(message: string): ChaincodeError {
  return new ChaincodeError(ErrorCode.INVALID_ARGUMENT, message);
}
