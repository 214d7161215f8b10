/**
 * Offline evidence that a transaction is in a Fabric block, from Fabric's own structures: the
 * block header, every envelope of the block (Fabric's data hash is SHA-256 over their
 * concatenation, not a Merkle root, so the whole block's data travels), and the orderers'
 * signatures from the block metadata. Checked against the channel members' CA certificates
 * (the trust file): the creator's signature on the envelope, the transaction id binding, each
 * endorser's signature on the response payload, the data hash, and an orderer's signature over
 * the header. Every failure names the check (the JSON path of what failed).
 *
 * What this cannot prove offline: the validation code. A peer writes it into block metadata that
 * no orderer signs (TRANSACTIONS_FILTER), so it is the serving gateway's word; a bundle whose
 * write set a later transaction overwrote or invalidated looks the same. Endorsement policies
 * beyond "each endorser a distinct trusted department, the owner among them" need the channel
 * configuration and are not checked.
 */
import { parseJson, type Json } from '@shulian/chaincode/canonical';
import { BUNDLE_FORMAT, BUNDLE_VERSION, FabricBundleSchema, type TrustFile } from '../schema.js';
import type { EvidenceCheck, LedgerFormat } from './format.js';
import { fromBase64, fromHex, toHex, type HashFunction } from '../hash.js';
import {
  blockDataBytes,
  blockSignedBytes,
  decodeIdentity,
  decodeTransaction,
  endorsementSignedBytes,
  HEADER_TYPE,
  type FabricEvidence,
  type FabricTransaction,
} from './fabric.js';
import { readFields, bytesField } from './protobuf.js';

export type { FabricEvidence } from './fabric.js';

export interface FabricCheckCrypto {
  sha256: HashFunction;
  verifyEcdsaP256(
    publicKeyOrCertificate: string,
    data: Uint8Array,
    signature: Uint8Array,
  ): boolean | Promise<boolean>;
  verifyCertIssuedBy(certificate: string, caCertificate: string): boolean | Promise<boolean>;
}

export interface FabricFailure {
  check: string;
  message: string;
}

export interface FabricCheckResult {
  failures: FabricFailure[];
  /** The decoded transaction, when the envelope decodes. */
  transaction?: FabricTransaction;
}

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
const digest = (h: HashFunction, ...parts: Uint8Array[]): Uint8Array => {
  const x = h.create();
  for (const p of parts) x.update(p);
  return x.digest();
};

/** What every check shares: the failures so far, membership and signature checks that record theirs. */
interface Checker {
  trust: TrustFile;
  crypto: FabricCheckCrypto;
  fail(check: string, text: string): void;
  /** Whether `certificate` was issued by the CA of trusted department `mspId`. */
  member(at: string, certificate: string, mspId: string): Promise<boolean>;
  signature(at: string, certificate: string, signed: Uint8Array, sig: Uint8Array): Promise<void>;
}

function checker(trust: TrustFile, crypto: FabricCheckCrypto, failures: FabricFailure[]): Checker {
  const fail = (check: string, text: string): void => void failures.push({ check, message: text });
  return {
    trust,
    crypto,
    fail,
    async member(at, certificate, mspId) {
      const department = Object.hasOwn(trust.departments, mspId)
        ? trust.departments[mspId]
        : undefined;
      if (!department) {
        fail(`${at}.mspId`, `${mspId} is not a trusted department`);
        return false;
      }
      let issued = false;
      try {
        issued = await crypto.verifyCertIssuedBy(certificate, department.caCertificate);
      } catch (error) {
        fail(`${at}.certificate`, `unreadable certificate: ${message(error)}`);
        return false;
      }
      if (!issued) fail(`${at}.certificate`, `not issued by the ${mspId} CA`);
      return issued;
    },
    async signature(at, certificate, signed, sig) {
      let ok = false;
      try {
        ok = await crypto.verifyEcdsaP256(certificate, signed, sig);
      } catch (error) {
        fail(at, `cannot verify: ${message(error)}`);
        return;
      }
      if (!ok) fail(at, 'signature does not verify');
    },
  };
}

/**
 * Checks the evidence for transaction `txId`. With `owner`, an endorsement from that department is
 * required (the owner of what the transaction anchored).
 */
export async function checkFabricEvidence(
  evidence: FabricEvidence,
  trust: TrustFile,
  crypto: FabricCheckCrypto,
  expected: { txId: string; owner?: string },
): Promise<FabricCheckResult> {
  const failures: FabricFailure[] = [];
  const c = checker(trust, crypto, failures);

  if (evidence.channel !== trust.channel)
    c.fail('fabric.channel', `the trust file is for channel ${trust.channel}`);
  if (evidence.validationCode !== 'VALID')
    c.fail('fabric.validationCode', `the ledger marked the transaction ${evidence.validationCode}`);

  let data: Uint8Array[];
  let header: { number: bigint; previousHash: Uint8Array; dataHash: Uint8Array };
  try {
    data = evidence.data.map(fromBase64);
    header = {
      number: BigInt(evidence.header.number),
      previousHash: fromHex(evidence.header.previousHash),
      dataHash: fromHex(evidence.header.dataHash),
    };
  } catch (error) {
    c.fail('fabric', `unreadable evidence: ${message(error)}`);
    return { failures };
  }
  if (toHex(digest(crypto.sha256, blockDataBytes(data))) !== evidence.header.dataHash)
    c.fail('fabric.header.dataHash', 'is not the hash of the block data');

  const checks: Promise<void>[] = [];
  const transaction = checkTransaction(c, evidence, data, expected, checks);
  checkOrdererSignatures(c, evidence, header, checks);
  await Promise.all(checks);
  return transaction ? { failures, transaction } : { failures };
}

/**
 * The envelope at the evidence's index: its id, channel and response, the creator's signature
 * and each endorsement (signature checks are pushed to `checks`). Undefined when it does not decode.
 */
function checkTransaction(
  c: Checker,
  evidence: FabricEvidence,
  data: Uint8Array[],
  expected: { txId: string; owner?: string },
  checks: Promise<void>[],
): FabricTransaction | undefined {
  const at = `fabric.data[${evidence.index}]`;
  const envelope = data[evidence.index];
  if (!envelope) {
    c.fail('fabric.index', `the block has no transaction ${evidence.index}`);
    return undefined;
  }
  let tx: FabricTransaction;
  try {
    tx = decodeTransaction(envelope);
  } catch (error) {
    c.fail(at, `not a Fabric transaction envelope: ${message(error)}`);
    return undefined;
  }
  if (tx.type !== HEADER_TYPE.ENDORSER_TRANSACTION) c.fail(`${at}.type`, `header type ${tx.type}`);
  if (tx.txId !== expected.txId) c.fail(`${at}.txId`, `is ${tx.txId}, not ${expected.txId}`);
  if (toHex(digest(c.crypto.sha256, tx.nonce, tx.creatorBytes)) !== tx.txId)
    c.fail(`${at}.txId`, 'is not sha256(nonce || creator)');
  if (tx.channelId !== evidence.channel) c.fail(`${at}.channel`, `is ${tx.channelId}`);
  if (tx.response.status !== 200)
    c.fail(`${at}.response.status`, `chaincode answered ${tx.response.status}`);
  checks.push(
    (async () => {
      if (await c.member(`${at}.creator`, tx.creator.certificate, tx.creator.mspId))
        await c.signature(`${at}.signature`, tx.creator.certificate, tx.payload, tx.signature);
    })(),
  );
  if (tx.endorsements.length === 0) c.fail(`${at}.endorsements`, 'no endorsements');
  const seen = new Set<string>();
  tx.endorsements.forEach((e, i) => {
    if (seen.has(e.endorser.mspId))
      c.fail(`${at}.endorsements[${i}].endorser.mspId`, `${e.endorser.mspId} endorses twice`);
    seen.add(e.endorser.mspId);
    checks.push(
      (async () => {
        const where = `${at}.endorsements[${i}]`;
        if (await c.member(`${where}.endorser`, e.endorser.certificate, e.endorser.mspId))
          await c.signature(
            `${where}.signature`,
            e.endorser.certificate,
            endorsementSignedBytes(tx.responsePayload, e.endorserBytes),
            e.signature,
          );
      })(),
    );
  });
  if (expected.owner !== undefined && !seen.has(expected.owner))
    c.fail(`${at}.endorsements`, `no endorsement from ${expected.owner}, the owner`);
  return tx;
}

/** At least one orderer of a trusted ordering organisation signed this header (checks pushed to `checks`). */
function checkOrdererSignatures(
  c: Checker,
  evidence: FabricEvidence,
  header: { number: bigint; previousHash: Uint8Array; dataHash: Uint8Array },
  checks: Promise<void>[],
): void {
  if (evidence.signatures.length === 0) c.fail('fabric.signatures', 'no orderer signature');
  let signatureValue: Uint8Array;
  try {
    signatureValue = fromBase64(evidence.signatureValue);
  } catch (error) {
    c.fail('fabric.signatureValue', message(error));
    signatureValue = new Uint8Array(0);
  }
  evidence.signatures.forEach((s, i) => {
    checks.push(checkOrdererSignature(c, `fabric.signatures[${i}]`, s, signatureValue, header));
  });
}

async function checkOrdererSignature(
  c: Checker,
  where: string,
  s: FabricEvidence['signatures'][number],
  signatureValue: Uint8Array,
  header: { number: bigint; previousHash: Uint8Array; dataHash: Uint8Array },
): Promise<void> {
  let signatureHeader: Uint8Array;
  let sig: Uint8Array;
  let signer;
  try {
    signatureHeader = fromBase64(s.signatureHeader);
    sig = fromBase64(s.signature);
    signer = decodeIdentity(bytesField(readFields(signatureHeader), 1));
  } catch (error) {
    c.fail(`${where}.signatureHeader`, `unreadable: ${message(error)}`);
    return;
  }
  const orderer = c.trust.orderers.find((o) => o.mspId === signer.mspId && 'certificate' in o);
  if (!orderer || !('certificate' in orderer)) {
    c.fail(`${where}.signatureHeader`, `${signer.mspId} is not a trusted ordering organisation`);
    return;
  }
  let issued = false;
  try {
    issued = await c.crypto.verifyCertIssuedBy(signer.certificate, orderer.certificate);
  } catch (error) {
    c.fail(`${where}.signatureHeader`, `unreadable certificate: ${message(error)}`);
    return;
  }
  if (!issued) {
    c.fail(`${where}.signatureHeader`, `not issued by the ${signer.mspId} CA`);
    return;
  }
  // The header's number and previous hash are bound here: they are in the signed bytes.
  await c.signature(
    `${where}.signature`,
    signer.certificate,
    blockSignedBytes(signatureValue, signatureHeader, header),
    sig,
  );
}

/** The transaction the evidence is about: the envelope at its index. */
const evidencedTransaction = (evidence: FabricEvidence): FabricTransaction =>
  decodeTransaction(fromBase64(evidence.data[evidence.index] ?? ''));

/** The value the transaction wrote at `key` in the chaincode's own namespace (Fabric also records lifecycle namespaces). */
function writtenIn(tx: FabricTransaction, key: string): Uint8Array | undefined {
  const write = tx.writes.find((w) => w.namespace === tx.chaincode && w.key === key);
  return !write || write.isDelete ? undefined : write.value;
}

/** Fabric's LedgerFormat: writes in the chaincode's own namespace; bundles carry the evidence. */
export const fabricFormat: LedgerFormat<FabricEvidence, typeof FabricBundleSchema> = {
  writtenValues(evidence) {
    const tx = evidencedTransaction(evidence);
    return tx.writes
      .filter((w) => w.namespace === tx.chaincode && !w.isDelete)
      .map((w) => ({ key: w.key, value: w.value }));
  },
  createBundle(evidence, anchorKey, subject) {
    const tx = evidencedTransaction(evidence);
    const value = writtenIn(tx, anchorKey);
    if (!value) throw new Error(`transaction writes no value at ${JSON.stringify(anchorKey)}`);
    return {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      ledger: 'fabric',
      subject,
      anchor: { key: anchorKey, value: parseJson(value) as Json },
      txId: tx.txId,
      fabric: evidence,
    };
  },
  bundleSchema: FabricBundleSchema,
  // Throws when the envelope does not decode; checkEvidence names that failure.
  writtenAt: (bundle, key) => writtenIn(evidencedTransaction(bundle.fabric), key),
  async checkEvidence(bundle, trust, crypto, owner): Promise<EvidenceCheck> {
    const { failures, transaction } = await checkFabricEvidence(bundle.fabric, trust, crypto, {
      txId: bundle.txId,
      ...(owner === undefined ? {} : { owner }),
    });
    return transaction
      ? {
          failures,
          transaction: {
            txId: transaction.txId,
            blockNumber: Number(bundle.fabric.header.number),
            timestamp: transaction.timestamp,
            department: transaction.creator.mspId,
            endorsers: transaction.endorsements.map((e) => e.endorser.mspId),
          },
        }
      : { failures };
  },
};
