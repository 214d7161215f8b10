/**
 * Proof bundles: one self-contained JSON document that lets anyone check, offline, that a file
 * or a record was anchored on the ledger, against a trust file of department CA certificates and
 * orderer keys exported once from the network.
 *
 * Chain of evidence, each link a named check:
 *   subject ── matches ──> anchor (DatasetVersion) ── written by ──> transaction
 *   transaction ── signed by ──> client and endorsers, certificates from trusted department CAs
 *   transaction ── Merkle path ──> block.header.dataHash ── signed by ──> trusted orderer
 *
 * Verification never throws on bad input and reports every failed check, not only the first.
 */
import { canonicalJson, parseJson, type Json } from '@shulian/chaincode/canonical';
import { ValidationCode, type SignerRef } from './formats/embedded.js';
import type { Digest } from './chunks.js';
import { fromBase64, fromHex, hashParts, toHex, utf8, type HashFunction } from './hash.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { verifyRecordProof, type RecordProof } from './records.js';
import {
  AnchoredVersionSchema,
  BundleSchema,
  shapeFailures,
  TrustSchema,
  type AnchoredVersion,
  type Failure,
  type ProofBundle,
  type TrustFile,
} from './schema.js';

export type { Failure, ProofBundle, TrustFile } from './schema.js';

/**
 * The primitives verification needs, injected so the same code runs on node:crypto (./node.ts)
 * and in browsers (noble + WebCrypto, whose signature checks are asynchronous).
 */
export interface ProofCrypto {
  sha256: HashFunction;
  sm3: HashFunction;
  /** ECDSA P-256 with SHA-256, DER signature; the key is an SPKI PEM or a PEM certificate. */
  verifyEcdsaP256(
    publicKeyOrCertificate: string,
    data: Uint8Array,
    signature: Uint8Array,
  ): boolean | Promise<boolean>;
  /** True when `certificate` (PEM) names and is signed by `caCertificate` (PEM). */
  verifyCertIssuedBy(certificate: string, caCertificate: string): boolean | Promise<boolean>;
}

/** What the verifier holds and wants checked against the bundle. */
export type HeldSubject =
  { kind: 'file'; digest: Digest; size?: number } | { kind: 'record'; record: Json };

export type VerifyResult =
  | {
      ok: true;
      txId: string;
      blockNumber: number;
      /** The anchoring transaction's time, ms since the epoch. */
      timestamp: number;
      department: string;
      anchor: { key: string; value: Json };
    }
  | { ok: false; failures: Failure[] };

export async function verifyBundle(
  bundle: unknown,
  trust: unknown,
  crypto: ProofCrypto,
  held?: HeldSubject,
): Promise<VerifyResult> {
  const shape = [
    ...shapeFailures(TrustSchema, trust, 'trust'),
    ...shapeFailures(BundleSchema, bundle, 'bundle'),
  ];
  if (shape.length > 0) return { ok: false, failures: shape };
  let failures: Failure[];
  try {
    failures = await new BundleChecker(bundle as ProofBundle, trust as TrustFile, crypto).run(held);
  } catch (error) {
    // Each check catches what it expects; this is the promise never to throw, whatever comes in.
    return { ok: false, failures: [{ check: 'verifier', message: errorMessage(error) }] };
  }
  if (failures.length > 0) return { ok: false, failures };
  const { transaction: tx, block, anchor } = bundle as ProofBundle;
  return {
    ok: true,
    txId: tx.proposal.txId,
    blockNumber: block.header.number,
    timestamp: tx.proposal.timestamp,
    department: tx.proposal.creator.mspId,
    anchor,
  };
}

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

class BundleChecker {
  private readonly failures: Failure[] = [];
  // Canonical encodings are the costliest step after signatures: the proposal and the payload
  // are encoded once, for their signatures, their hashes and inside the transaction's leaf.
  private readonly proposalBytes: Uint8Array;
  private readonly payloadBytes: Uint8Array;
  private readonly transactionBytes: Uint8Array;

  constructor(
    private readonly bundle: ProofBundle,
    private readonly trust: TrustFile,
    private readonly crypto: ProofCrypto,
  ) {
    const { proposal, payload } = bundle.transaction;
    const proposalJson = canonicalJson(proposal);
    const payloadJson = canonicalJson(payload);
    const encoded = new Map<object, string>([
      [proposal, proposalJson],
      [payload, payloadJson],
    ]);
    this.proposalBytes = utf8(proposalJson);
    this.payloadBytes = utf8(payloadJson);
    this.transactionBytes = utf8(canonicalJson(bundle.transaction, encoded));
  }

  async run(held: HeldSubject | undefined): Promise<Failure[]> {
    const anchored = this.checkAnchor();
    if (anchored) this.checkSubject(anchored, held);
    this.checkTransactionIds();
    this.checkInclusion();
    if (this.bundle.validationCode !== ValidationCode.VALID) {
      this.fail(
        'validationCode',
        `the ledger marked the transaction ${this.bundle.validationCode}`,
      );
    }
    await Promise.all([
      this.checkClient(),
      this.checkEndorsements(anchored?.owner),
      this.checkOrderer(),
    ]);
    return this.failures;
  }

  private fail(check: string, message: string): void {
    this.failures.push({ check, message });
  }

  /** The anchor must be what the transaction wrote, and must read as a DatasetVersion. */
  private checkAnchor(): AnchoredVersion | undefined {
    const { anchor, transaction } = this.bundle;
    const write = transaction.payload.rwset.writes.find((w) => w.key === anchor.key);
    if (!write || write.isDelete || write.value === undefined) {
      this.fail('anchor.key', `the transaction writes no value at ${JSON.stringify(anchor.key)}`);
      return undefined;
    }
    let written: string;
    try {
      written = canonicalJson(parseJson(fromBase64(write.value)));
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
    const shape = shapeFailures(AnchoredVersionSchema, anchor.value, 'anchor.value');
    if (shape.length > 0) {
      this.failures.push(...shape);
      return undefined;
    }
    return anchor.value as AnchoredVersion;
  }

  private checkSubject(anchored: AnchoredVersion, held: HeldSubject | undefined): void {
    const { subject } = this.bundle;
    if (held && held.kind !== subject.kind) {
      this.fail('subject.kind', `the bundle proves a ${subject.kind}, not a ${held.kind}`);
      return;
    }
    if (subject.kind === 'file') {
      if (subject.digest.algorithm !== anchored.digest.algorithm) {
        this.fail('subject.digest.algorithm', `anchored with ${anchored.digest.algorithm}`);
      } else if (subject.digest.value !== anchored.digest.value) {
        this.fail('subject.digest.value', 'differs from the anchored digest');
      }
      if (subject.size !== anchored.size) {
        this.fail('subject.size', `anchored size is ${anchored.size}, bundle says ${subject.size}`);
      }
      if (held?.kind === 'file') {
        const same =
          held.digest.algorithm === subject.digest.algorithm &&
          held.digest.value === subject.digest.value &&
          (held.size === undefined || held.size === subject.size);
        if (!same) this.fail('subject', 'the file you hold is not the anchored file');
      }
      return;
    }
    const proof: RecordProof = subject.proof;
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
    const check = verifyRecordProof(this.crypto[proof.algorithm], proof);
    if (!check.ok) this.fail(`subject.proof.${check.field}`, check.reason);
    if (held?.kind === 'record') {
      let same: boolean;
      try {
        same = canonicalJson(held.record) === canonicalJson(proof.record);
      } catch {
        same = false;
      }
      if (!same) this.fail('subject', 'the record you hold is not the proven record');
    }
  }

  /** Fabric's binding of proposal, transaction id and endorsed payload. */
  private checkTransactionIds(): void {
    const { proposal, payload } = this.bundle.transaction;
    const sha256 = this.crypto.sha256;
    let nonce: Uint8Array | undefined;
    try {
      nonce = fromBase64(proposal.nonce);
    } catch (error) {
      this.fail('transaction.proposal.nonce', errorMessage(error));
    }
    if (
      nonce &&
      toHex(hashParts(sha256, nonce, utf8(proposal.creator.certificate))) !== proposal.txId
    ) {
      this.fail('transaction.proposal.txId', 'is not sha256(nonce || creator certificate)');
    }
    if (payload.txId !== proposal.txId) {
      this.fail('transaction.payload.txId', 'differs from the proposal transaction id');
    }
    if (payload.proposalHash !== toHex(hashParts(sha256, this.proposalBytes))) {
      this.fail('transaction.payload.proposalHash', 'is not the hash of the proposal');
    }
    if (payload.response.status !== 200) {
      this.fail(
        'transaction.payload.response.status',
        `chaincode answered ${payload.response.status}`,
      );
    }
    if (proposal.channel !== this.trust.channel) {
      this.fail('transaction.proposal.channel', `trust file is for channel ${this.trust.channel}`);
    }
  }

  private checkInclusion(): void {
    const { block } = this.bundle;
    const sha256 = this.crypto.sha256;
    const check = verifyInclusion(
      sha256,
      block.txIndex,
      block.header.txCount,
      leafHash(sha256, this.transactionBytes),
      block.inclusionPath.map(fromHex),
      fromHex(block.header.dataHash),
    );
    if (!check.ok) {
      this.fail(
        'block.inclusionPath',
        `transaction is not in the block's data hash: ${check.reason}`,
      );
    }
  }

  private async checkClient(): Promise<void> {
    const { proposal, clientSignature } = this.bundle.transaction;
    if (await this.checkMember('transaction.proposal.creator', proposal.creator)) {
      await this.checkSignature(
        'transaction.clientSignature',
        proposal.creator.certificate,
        this.proposalBytes,
        clientSignature,
      );
    }
  }

  /**
   * The policy a verifier can check without the channel configuration: at least one endorser,
   * each from a distinct trusted department, one of them the department that owns the dataset.
   */
  private async checkEndorsements(owner: string | undefined): Promise<void> {
    const { endorsements } = this.bundle.transaction;
    if (endorsements.length === 0) this.fail('transaction.endorsements', 'no endorsements');
    const seen = new Set<string>();
    endorsements.forEach(({ endorser }, i) => {
      if (seen.has(endorser.mspId)) {
        this.fail(
          `transaction.endorsements[${i}].endorser.mspId`,
          `${endorser.mspId} endorses twice`,
        );
      }
      seen.add(endorser.mspId);
    });
    if (owner !== undefined && !seen.has(owner)) {
      this.fail(
        'transaction.endorsements',
        `no endorsement from ${owner}, which anchored the dataset`,
      );
    }
    await Promise.all(
      endorsements.map(async ({ endorser, signature }, i) => {
        const at = `transaction.endorsements[${i}]`;
        if (await this.checkMember(`${at}.endorser`, endorser)) {
          await this.checkSignature(
            `${at}.signature`,
            endorser.certificate,
            this.payloadBytes,
            signature,
          );
        }
      }),
    );
  }

  private async checkOrderer(): Promise<void> {
    const { header, ordererSignature } = this.bundle.block;
    const { orderer, signature } = ordererSignature;
    const at = 'block.ordererSignature';
    const trusted = this.trust.orderers.filter((o) => o.mspId === orderer.mspId);
    if (trusted.length === 0) {
      this.fail(`${at}.orderer.mspId`, `${orderer.mspId} is not a trusted orderer`);
      return;
    }
    const byCertificate = trusted.some(
      (o) => 'certificate' in o && o.certificate === orderer.certificate,
    );
    const keys = trusted.flatMap((o) => ('publicKey' in o ? [o.publicKey] : []));
    if (!byCertificate && keys.length === 0) {
      this.fail(`${at}.orderer.certificate`, `not a trusted certificate of ${orderer.mspId}`);
      return;
    }
    const data = utf8(canonicalJson(header));
    // With a trusted key rather than certificate, the signature must verify under both, which
    // ties the bundle's certificate to the trusted key.
    const verifiers = byCertificate ? [orderer.certificate] : [keys, orderer.certificate].flat();
    await this.checkSignature(`${at}.signature`, verifiers, data, signature);
  }

  /** The signer's certificate must come from the CA of the trusted department it claims. */
  private async checkMember(at: string, signer: SignerRef): Promise<boolean> {
    const department = Object.hasOwn(this.trust.departments, signer.mspId)
      ? this.trust.departments[signer.mspId]
      : undefined;
    if (!department) {
      this.fail(`${at}.mspId`, `${signer.mspId} is not a trusted department`);
      return false;
    }
    let issued: boolean;
    try {
      issued = await this.crypto.verifyCertIssuedBy(signer.certificate, department.caCertificate);
    } catch (error) {
      this.fail(`${at}.certificate`, `unreadable certificate: ${errorMessage(error)}`);
      return false;
    }
    if (!issued) this.fail(`${at}.certificate`, `not issued by the ${signer.mspId} CA`);
    return issued;
  }

  /** With several keys (trusted key and presented certificate), every one must verify. */
  private async checkSignature(
    at: string,
    keys: string | string[],
    data: Uint8Array,
    signature: string,
  ): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(signature);
    } catch (error) {
      this.fail(at, errorMessage(error));
      return;
    }
    try {
      for (const key of [keys].flat()) {
        if (!(await this.crypto.verifyEcdsaP256(key, data, bytes))) {
          this.fail(at, 'signature does not verify');
          return;
        }
      }
    } catch (error) {
      this.fail(at, `signature cannot be checked: ${errorMessage(error)}`);
    }
  }
}
