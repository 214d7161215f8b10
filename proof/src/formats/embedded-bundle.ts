/**
 * The embedded ledger's LedgerFormat: bundles made from its evidence (./embedded.ts) and the
 * checks of that evidence a verifier runs, in Fabric's terms:
 *   transaction ── signed by ──> client and endorsers, certificates from trusted department CAs
 *   transaction ── Merkle path ──> block.header.dataHash ── signed by ──> trusted orderer
 * The anchor and subject checks every format shares are ../bundle.ts's.
 */
import { canonicalJson, parseJson, type Json } from '@shulian/chaincode/canonical';
import { errorMessage, type ProofCrypto } from '../crypto.js';
import { fromBase64, fromHex, hashParts, toHex, utf8 } from '../hash.js';
import { leafHash, verifyInclusion } from '../merkle.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  BundleSchema,
  type BundleSubject,
  type ProofBundle,
  type TrustFile,
} from '../schema.js';
import { SignerChecks } from '../signers.js';
import { ValidationCode, type TransactionEvidence } from './embedded.js';
import type { EvidenceCheck, LedgerFormat } from './format.js';

/** Assembles a bundle; the anchor is the value the transaction wrote at `anchorKey`. */
export function createBundle(
  evidence: TransactionEvidence,
  anchorKey: string,
  subject: BundleSubject,
): ProofBundle {
  const { transaction, txIndex, header, ordererSignature, inclusionPath, validationCode } =
    evidence;
  const write = transaction.payload.rwset.writes.find((w) => w.key === anchorKey);
  if (!write?.value) throw new Error(`transaction writes no value at ${JSON.stringify(anchorKey)}`);
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    subject,
    anchor: { key: anchorKey, value: parseJson(fromBase64(write.value)) as Json },
    transaction,
    block: { header, ordererSignature, txIndex, inclusionPath },
    validationCode,
  };
}

class EvidenceChecker extends SignerChecks {
  // Canonical encodings are the costliest step after signatures: the proposal and the payload
  // are encoded once, for their signatures, their hashes and inside the transaction's leaf.
  private readonly proposalBytes: Uint8Array;
  private readonly payloadBytes: Uint8Array;
  private readonly transactionBytes: Uint8Array;

  constructor(
    private readonly bundle: ProofBundle,
    trust: TrustFile,
    crypto: ProofCrypto,
  ) {
    super(trust, crypto);
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

  async run(owner: string | undefined): Promise<EvidenceCheck> {
    this.checkTransactionIds();
    this.checkInclusion();
    if (this.bundle.validationCode !== ValidationCode.VALID) {
      this.fail(
        'validationCode',
        `the ledger marked the transaction ${this.bundle.validationCode}`,
      );
    }
    await Promise.all([this.checkClient(), this.checkEndorsements(owner), this.checkOrderer()]);
    const { transaction, block } = this.bundle;
    return {
      failures: this.failures,
      transaction: {
        txId: transaction.proposal.txId,
        blockNumber: block.header.number,
        timestamp: transaction.proposal.timestamp,
        department: transaction.proposal.creator.mspId,
        endorsers: transaction.endorsements.map((e) => e.endorser.mspId),
      },
    };
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
}

/** The embedded ledger's evidence behind the one interface every ledger format implements. */
export const embeddedFormat: LedgerFormat<TransactionEvidence, typeof BundleSchema> = {
  writtenValues: (evidence) =>
    evidence.transaction.payload.rwset.writes.flatMap((write) =>
      write.isDelete || write.value === undefined
        ? []
        : [{ key: write.key, value: fromBase64(write.value) }],
    ),
  createBundle,
  bundleSchema: BundleSchema,
  writtenAt: (bundle, key) => {
    const write = bundle.transaction.payload.rwset.writes.find((w) => w.key === key);
    return !write || write.isDelete || write.value === undefined
      ? undefined
      : fromBase64(write.value);
  },
  checkEvidence: (bundle, trust, crypto, owner) =>
    new EvidenceChecker(bundle, trust, crypto).run(owner),
};
