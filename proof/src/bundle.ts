/**
 * Proof bundles: one self-contained JSON document that lets anyone check, offline, that a file
 * or a record was anchored on the ledger, against a trust file of department CA certificates and
 * orderer keys exported once from the network.
 *
 * Chain of evidence, each link a named check:
 *   subject ── matches ──> anchor (DatasetVersion) ── written by ──> transaction
 *   transaction ── its ledger format's evidence ──> trusted departments and orderers
 * The first links are checked here, the same for every ledger; the rest belongs to the bundle's
 * ledger format (./formats/, picked by ./formats/index.ts): for the embedded ledger, client and
 * endorser signatures and a Merkle path to a block header signed by a trusted orderer.
 *
 * Verification never throws on bad input and reports every failed check, not only the first.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { canonicalJson, parseJson, type Json } from '@shulian/chaincode/canonical';
import type { Digest } from './chunks.js';
import { errorMessage, type ProofCrypto } from './crypto.js';
import { bundleLedger, bundleVerifiers } from './formats/index.js';
import type { AnchoredBundle, BundleVerifier, CommittedTransaction } from './formats/format.js';
import {
  disclosedRecord,
  verifyRecordProof,
  verifySelectiveRecordProof,
  type RecordProof,
  type SelectiveRecordProof,
} from './records.js';
import {
  AnchoredVersionSchema,
  DeliveredUseSchema,
  shapeFailures,
  TrustSchema,
  type AnchoredVersion,
  type DeliveredUse,
  type Failure,
  type TrustFile,
} from './schema.js';

export type { ProofCrypto } from './crypto.js';
export type {
  AnyProofBundle,
  BundleSubject,
  DeliveredUse,
  Failure,
  FabricProofBundle,
  ProofBundle,
  TrustFile,
} from './schema.js';

/**
 * What the verifier holds and wants checked against the bundle. A held record is compared with
 * what the proof discloses: the whole record, or, for a proof limited to some fields, the record
 * limited to them (a row of a projected download). A held file is checked against a file bundle
 * (the anchored file) or a delivery receipt (the bytes one use delivered).
 */
export type HeldSubject =
  { kind: 'file'; digest: Digest; size?: number } | { kind: 'record'; record: Json };

export type VerifyResult =
  | ({
      ok: true;
      anchor: { key: string; value: Json };
      /** For a delivery receipt: the use, as recorded and checked (grant, purpose, consumer, time). */
      delivery?: DeliveredUse;
    } & CommittedTransaction)
  | { ok: false; failures: Failure[] };

export async function verifyBundle(
  bundle: unknown,
  trust: unknown,
  crypto: ProofCrypto,
  held?: HeldSubject,
): Promise<VerifyResult> {
  const ledger = bundleLedger(bundle);
  if (ledger === undefined) {
    return {
      ok: false,
      failures: [{ check: 'bundle.ledger', message: 'no verifier for this ledger format' }],
    };
  }
  return verifyAs(bundleVerifiers[ledger], bundle, trust, crypto, held);
}

async function verifyAs<S extends TSchema>(
  format: BundleVerifier<S>,
  bundle: unknown,
  trust: unknown,
  crypto: ProofCrypto,
  held: HeldSubject | undefined,
): Promise<VerifyResult> {
  const shape = [
    ...shapeFailures(TrustSchema, trust, 'trust'),
    ...shapeFailures(format.bundleSchema, bundle, 'bundle'),
  ];
  if (shape.length > 0) return { ok: false, failures: shape };
  const typed = bundle as Static<S> & AnchoredBundle;
  let failures: Failure[];
  let transaction: CommittedTransaction | undefined;
  let delivery: DeliveredUse | undefined;
  try {
    const anchors = new AnchorChecks(typed, (key) => format.writtenAt(typed, key), crypto);
    const anchored = anchors.run(held);
    const evidence = await format.checkEvidence(typed, trust as TrustFile, crypto, anchored.owner);
    failures = [...anchors.failures, ...evidence.failures];
    transaction = evidence.transaction;
    delivery = anchored.delivery;
    if (delivery && transaction) failures.push(...receiptParties(delivery, transaction));
  } catch (error) {
    // Each check catches what it expects; this is the promise never to throw, whatever comes in.
    return { ok: false, failures: [{ check: 'verifier', message: errorMessage(error) }] };
  }
  if (failures.length > 0 || !transaction) return { ok: false, failures };
  return { ok: true, ...transaction, anchor: typed.anchor, ...(delivery ? { delivery } : {}) };
}

/**
 * A receipt is the consumer's proof, so it must not rest on the consumer's word alone: the use
 * was submitted by the department it names as consumer (the chaincode takes the consumer from
 * the submitter, so anything else is forged), and endorsed by at least one other department.
 * The channel's full policy is not in the trust file; on the demo network (two of four) this
 * always holds, and a network whose policy lets a department endorse alone gives no receipts.
 */
function receiptParties(use: DeliveredUse, tx: CommittedTransaction): Failure[] {
  const consumer = use.consumer.department;
  const failures: Failure[] = [];
  if (tx.department !== consumer)
    failures.push({
      check: 'anchor.value.consumer.department',
      message: `the use names ${consumer} as its consumer, but ${tx.department} submitted it`,
    });
  if (!tx.endorsers.some((d) => d !== consumer))
    failures.push({
      check: 'endorsements',
      message: `endorsed only by ${consumer}, the consumer itself; a receipt needs another department's endorsement`,
    });
  return failures;
}

/** What the anchor told the later checks: whose endorsement is required, and the use it records. */
interface Anchored {
  /** The department that anchored the dataset (file and record bundles). */
  owner?: string;
  /** The checked use (delivery receipts). */
  delivery?: DeliveredUse;
}

/** The kind of thing a verifier holds when it checks a bundle of this subject. */
const heldKind = (subject: AnchoredBundle['subject']): HeldSubject['kind'] =>
  subject.kind === 'delivery' ? 'file' : subject.kind;

/** Whether the file held is the one a file or delivery subject names (size when known). */
const sameFile = (held: Extract<HeldSubject, { kind: 'file' }>, subject: Digest, size: number) =>
  held.digest.algorithm === subject.algorithm &&
  held.digest.value === subject.value &&
  (held.size === undefined || held.size === size);

/**
 * The checks every ledger format shares: the anchor is what the transaction wrote, it reads as
 * a DatasetVersion (or, for a receipt, a UsageRecord), and the subject (file, record or delivery)
 * matches it. Formats say where a write is.
 */
class AnchorChecks {
  readonly failures: Failure[] = [];

  constructor(
    private readonly bundle: AnchoredBundle,
    private readonly writtenAt: (key: string) => Uint8Array | undefined,
    private readonly crypto: ProofCrypto,
  ) {}

  run(held: HeldSubject | undefined): Anchored {
    const value = this.checkAnchor();
    if (value === undefined) return {};
    const { subject } = this.bundle;
    const mismatch = held !== undefined && held.kind !== heldKind(subject);
    if (mismatch) {
      this.fail(
        'subject.kind',
        `the bundle proves ${subject.kind === 'delivery' ? 'a delivery (a file delivered under a grant)' : `a ${subject.kind}`}, not a ${held.kind}`,
      );
    }
    const checked = mismatch ? undefined : held;
    if (subject.kind === 'delivery') {
      const delivery = this.checkDelivery(subject, value, checked);
      return delivery ? { delivery } : {};
    }
    const shape = shapeFailures(AnchoredVersionSchema, value, 'anchor.value');
    if (shape.length > 0) {
      this.failures.push(...shape);
      return {};
    }
    const anchored = value as AnchoredVersion;
    if (subject.kind === 'file') this.checkFile(subject, anchored, checked);
    else this.checkRecord(subject.proof, anchored, checked);
    return { owner: anchored.owner };
  }

  private fail(check: string, message: string): void {
    this.failures.push({ check, message });
  }

  /** The anchor must be what the transaction wrote; its value when it is. */
  private checkAnchor(): Json | undefined {
    const { anchor } = this.bundle;
    let written: string;
    try {
      const bytes = this.writtenAt(anchor.key);
      if (bytes === undefined) {
        this.fail('anchor.key', `the transaction writes no value at ${JSON.stringify(anchor.key)}`);
        return undefined;
      }
      written = canonicalJson(parseJson(bytes));
    } catch (error) {
      this.fail(
        'anchor.key',
        `the value written at the anchor key is not JSON: ${errorMessage(error)}`,
      );
      return undefined;
    }
    let claimed: string;
    try {
      claimed = canonicalJson(anchor.value);
    } catch (error) {
      this.fail('anchor.value', errorMessage(error));
      return undefined;
    }
    if (claimed !== written) {
      this.fail('anchor.value', 'differs from the value the transaction wrote');
      return undefined;
    }
    return anchor.value;
  }

  /**
   * A receipt's anchor is a usage record: an allowed use that says what it delivered, and the
   * subject (and the file held) is exactly that.
   */
  private checkDelivery(
    subject: Extract<AnchoredBundle['subject'], { kind: 'delivery' }>,
    value: Json,
    held: HeldSubject | undefined,
  ): DeliveredUse | undefined {
    const shape = shapeFailures(DeliveredUseSchema, value, 'anchor.value');
    if (shape.length > 0) {
      this.failures.push(...shape);
      return undefined;
    }
    const use = value as Static<typeof DeliveredUseSchema>;
    if (use.outcome !== 'ALLOWED') {
      this.fail(
        'anchor.value.outcome',
        `the use was ${use.outcome}: a refused use delivers nothing`,
      );
      return undefined;
    }
    const { deliveredDigest, bytes } = use;
    if (deliveredDigest === null || bytes === null) {
      this.fail('anchor.value.deliveredDigest', 'the usage record does not say what was delivered');
      return undefined;
    }
    if (subject.digest.algorithm !== deliveredDigest.algorithm) {
      this.fail('subject.digest.algorithm', `delivered with ${deliveredDigest.algorithm}`);
    } else if (subject.digest.value !== deliveredDigest.value) {
      this.fail('subject.digest.value', 'differs from the delivered digest');
    }
    if (subject.size !== bytes) {
      this.fail('subject.size', `the usage record says ${bytes} bytes, the bundle ${subject.size}`);
    }
    if (held?.kind === 'file' && !sameFile(held, subject.digest, subject.size)) {
      this.fail('subject', 'the file you hold is not the file this use delivered');
    }
    return { ...use, outcome: 'ALLOWED', bytes, deliveredDigest };
  }

  private checkFile(
    subject: Extract<AnchoredBundle['subject'], { kind: 'file' }>,
    anchored: AnchoredVersion,
    held: HeldSubject | undefined,
  ): void {
    if (subject.digest.algorithm !== anchored.digest.algorithm) {
      this.fail('subject.digest.algorithm', `anchored with ${anchored.digest.algorithm}`);
    } else if (subject.digest.value !== anchored.digest.value) {
      this.fail('subject.digest.value', 'differs from the anchored digest');
    }
    if (subject.size !== anchored.size) {
      this.fail('subject.size', `anchored size is ${anchored.size}, bundle says ${subject.size}`);
    }
    if (held?.kind === 'file' && !sameFile(held, subject.digest, subject.size)) {
      this.fail('subject', 'the file you hold is not the anchored file');
    }
  }

  private checkRecord(
    proof: RecordProof | SelectiveRecordProof,
    anchored: AnchoredVersion,
    held: HeldSubject | undefined,
  ): void {
    const selective = !('record' in proof);
    if (selective !== (this.bundle.version === 2)) {
      this.fail(
        'subject.proof',
        `a version ${this.bundle.version} bundle carries ${selective ? 'field-by-field (version 2)' : 'whole-record (version 1)'} record proofs`,
      );
      return;
    }
    if (anchored.recordRoot === null) {
      this.fail(
        'anchor.value.recordRoot',
        'this dataset version was not anchored record by record',
      );
      return;
    }
    if (proof.algorithm !== anchored.digest.algorithm) {
      this.fail('subject.proof.algorithm', `anchored with ${anchored.digest.algorithm}`);
      return;
    }
    if (proof.root !== anchored.recordRoot) {
      this.fail('subject.proof.root', 'differs from the anchored record root');
    }
    if (proof.count !== anchored.recordCount) {
      this.fail(
        'subject.proof.count',
        `anchored ${anchored.recordCount} records, proof says ${proof.count}`,
      );
    }
    const hash = this.crypto[proof.algorithm];
    const check = selective
      ? verifySelectiveRecordProof(hash, proof)
      : verifyRecordProof(hash, proof);
    if (!check.ok) this.fail(`subject.proof.${check.field}`, check.reason);
    if (held?.kind === 'record') {
      const disclosed = selective ? disclosedRecord(proof).record : proof.record;
      let same: boolean;
      try {
        same = canonicalJson(held.record) === canonicalJson(disclosed);
      } catch {
        same = false;
      }
      if (!same) this.fail('subject', 'the record you hold is not the proven record');
    }
  }
}
