/**
 * The one interface a ledger format implements for proofs, both ways: on the ledger's side, what
 * its evidence about one committed transaction says the transaction wrote and the bundle that
 * proves one of those writes; on the verifier's side, the bundle's schema, where a bundle says
 * the transaction wrote a key, and the checks of the format's own evidence (signatures, block
 * inclusion). The checks every format shares (the anchor is what was written, the subject is
 * what was anchored) live once in ../bundle.ts. Callers go through ./index.ts, which picks the
 * format by the evidence's engine tag or the bundle's ledger tag, so no caller casts material.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { ProofCrypto } from '../crypto.js';
import type { BundleSubject, Failure, ProofBundle, TrustFile } from '../schema.js';

/**
 * What every bundle carries whatever its ledger: its format version (which says how a record
 * subject commits fields), the subject and the anchor it is proven by.
 */
export type AnchoredBundle = Pick<ProofBundle, 'version' | 'subject' | 'anchor'>;

/** The transaction a bundle's evidence proves, as a verifier reports it. */
export interface CommittedTransaction {
  txId: string;
  blockNumber: number;
  /** The transaction's time, ms since the epoch. */
  timestamp: number;
  /** The submitting client's department (MSP id). */
  department: string;
  /** The departments (MSP ids) that endorsed it, in the transaction's order. */
  endorsers: string[];
}

/** Failures of a format's own evidence, and the transaction when it could be read at all. */
export interface EvidenceCheck {
  failures: Failure[];
  transaction?: CommittedTransaction;
}

export interface LedgerFormat<Evidence, Schema extends TSchema> {
  /** The values the transaction wrote (deletes left out), in write-set order. */
  writtenValues(evidence: Evidence): { key: string; value: Uint8Array }[];
  /** A bundle whose anchor is the value the transaction wrote at `anchorKey`. */
  createBundle(
    evidence: Evidence,
    anchorKey: string,
    subject: BundleSubject,
  ): Static<Schema> & AnchoredBundle;
  /** The bundle's JSON Schema, checked before anything else is read. */
  readonly bundleSchema: Schema;
  /** The bytes the bundle's transaction wrote at `key`; undefined when none. May throw. */
  writtenAt(bundle: Static<Schema>, key: string): Uint8Array | undefined;
  /**
   * Every check of the format's evidence against the trust file. `owner` is the department that
   * anchored the dataset (its endorsement is required), when the anchor could be read.
   */
  checkEvidence(
    bundle: Static<Schema>,
    trust: TrustFile,
    crypto: ProofCrypto,
    owner: string | undefined,
  ): Promise<EvidenceCheck>;
}

/** The verifier's side of a format: all verifyBundle needs, whatever the format's evidence type. */
export type BundleVerifier<Schema extends TSchema = TSchema> = Pick<
  LedgerFormat<never, Schema>,
  'bundleSchema' | 'writtenAt' | 'checkEvidence'
>;
