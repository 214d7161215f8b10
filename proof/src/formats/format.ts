/**
 * The one interface a ledger format implements for proofs: what its evidence about one
 * committed transaction says the transaction wrote, and the bundle that proves one of those
 * writes. Callers go through ./index.ts, which picks the format by the evidence's engine tag, so
 * no caller ever casts engine material.
 */
import type { ProofBundle } from '../schema.js';

export interface LedgerFormat<Evidence> {
  /** The values the transaction wrote (deletes left out), in write-set order. */
  writtenValues(evidence: Evidence): { key: string; value: Uint8Array }[];
  /** A bundle whose anchor is the value the transaction wrote at `anchorKey`. */
  createBundle(evidence: Evidence, anchorKey: string, subject: ProofBundle['subject']): ProofBundle;
}
