/**
 * Wire and storage format of the embedded ledger: proposals, endorsed transactions and blocks,
 * and the evidence a proof bundle carries about one of its transactions (bundles from it, and
 * their verification, are ./embedded-bundle.ts).
 *
 * This module is pure (no I/O, no node: imports) because the engine that writes these
 * structures, offline proof verification and the browser console read the same ones. Everything that is signed or hashed is the
 * canonical JSON of a plain object (see chaincode/src/lib/canonical.ts); binary members are
 * base64 strings. Signatures are ECDSA P-256 over SHA-256, DER encoded, base64.
 */
import { canonicalBytes } from '@shulian/chaincode/canonical';
import { toHex, type HashFunction } from '../hash.js';
import { inclusionProof, leafHash } from '../merkle.js';

export const FORMAT_VERSION = 1;

/** The identity that signed something: an MSP (department) and an X.509 certificate in PEM. */
export interface SignerRef {
  mspId: string;
  certificate: string;
}

/** A state version, as Fabric's: the block and the transaction in it that last wrote the key. */
export interface Version {
  block: number;
  tx: number;
}

export interface Proposal {
  version: typeof FORMAT_VERSION;
  channel: string;
  chaincode: string;
  /** Fully qualified transaction name, e.g. `catalog:CreateEntry`. */
  fcn: string;
  args: string[];
  /** Names of transient entries; their values never reach the ledger. */
  transientKeys: string[];
  /** hex(sha256(nonce || creator certificate)), as Fabric derives transaction ids. */
  txId: string;
  nonce: string;
  /** Milliseconds since the Unix epoch; the chaincode's only clock. */
  timestamp: number;
  creator: SignerRef;
}

export interface ReadItem {
  key: string;
  /** null when the key did not exist at simulation time. */
  version: Version | null;
}

export interface WriteItem {
  key: string;
  /** base64 value; absent for deletes. */
  value?: string;
  isDelete: boolean;
}

export interface MetadataWrite {
  key: string;
  /** base64 of a serialized SignaturePolicyEnvelope (fabric-shim KeyEndorsementPolicy), or absent to clear. */
  validationParameter?: string;
}

/** A range query's read, so phantom reads can be detected at validation. */
export interface RangeRead {
  startKey: string;
  endKey: string;
  /** Keys and versions the simulation saw, in order. */
  reads: ReadItem[];
  /**
   * Fabric's itr_exhausted: true when the simulation read to the end of the range. When false,
   * endKey is the last key read, and validation re-reads [startKey, endKey] inclusive.
   */
  exhausted: boolean;
}

export interface RwSet {
  reads: ReadItem[];
  rangeReads: RangeRead[];
  writes: WriteItem[];
  metadataWrites: MetadataWrite[];
}

export interface ChaincodeEvent {
  name: string;
  /** base64 */
  payload: string;
}

export interface ChaincodeResponse {
  /** 200 for success, 500 for a chaincode error (as shim.success / shim.error). */
  status: number;
  message: string;
  /** base64 */
  payload: string;
}

/** What every endorser signs; identical bytes from every endorser or the client rejects. */
export interface ProposalResponsePayload {
  txId: string;
  /** hex(sha256(canonical proposal)) */
  proposalHash: string;
  rwset: RwSet;
  event: ChaincodeEvent | null;
  response: ChaincodeResponse;
}

export interface Endorsement {
  endorser: SignerRef;
  /** Signature over canonical(ProposalResponsePayload). */
  signature: string;
}

export interface Transaction {
  proposal: Proposal;
  /** The client's signature over canonical(proposal). */
  clientSignature: string;
  payload: ProposalResponsePayload;
  endorsements: Endorsement[];
}

export interface BlockHeader {
  number: number;
  /** hex(sha256(canonical previous header)); 64 zeros for block 0. */
  previousHash: string;
  /** hex RFC 6962 Merkle root over the canonical bytes of the block's transactions. */
  dataHash: string;
  /** Orderer's clock when the block was cut, milliseconds since the epoch. */
  timestamp: number;
  txCount: number;
}

export interface Block {
  header: BlockHeader;
  transactions: Transaction[];
  /** Orderer's signature over canonical(header). */
  ordererSignature: { orderer: SignerRef; signature: string };
}

/**
 * Fabric's TxValidationCode names, for the subset the embedded validator can produce.
 * Committed blocks keep one code per transaction; only VALID transactions change state.
 */
export const ValidationCode = {
  VALID: 'VALID',
  ENDORSEMENT_POLICY_FAILURE: 'ENDORSEMENT_POLICY_FAILURE',
  MVCC_READ_CONFLICT: 'MVCC_READ_CONFLICT',
  PHANTOM_READ_CONFLICT: 'PHANTOM_READ_CONFLICT',
  BAD_PROPOSAL_TXID: 'BAD_PROPOSAL_TXID',
  DUPLICATE_TXID: 'DUPLICATE_TXID',
  BAD_CREATOR_SIGNATURE: 'BAD_CREATOR_SIGNATURE',
  INVALID_ENDORSER_TRANSACTION: 'INVALID_ENDORSER_TRANSACTION',
  BAD_RESPONSE_PAYLOAD: 'BAD_RESPONSE_PAYLOAD',
  /** Not a transaction's structure (Fabric: BAD_PAYLOAD, for an envelope that does not parse). */
  BAD_PAYLOAD: 'BAD_PAYLOAD',
} as const;
export type ValidationCode = (typeof ValidationCode)[keyof typeof ValidationCode];

export const ZERO_HASH = '0'.repeat(64);

export const encodeProposal = (p: Proposal): Uint8Array => canonicalBytes(p);
export const encodeResponsePayload = (p: ProposalResponsePayload): Uint8Array => canonicalBytes(p);
export const encodeTransaction = (t: Transaction): Uint8Array => canonicalBytes(t);
export const encodeHeader = (h: BlockHeader): Uint8Array => canonicalBytes(h);

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string';
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const bool: Check = (v) => typeof v === 'boolean';
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
const nullable =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);
const shape =
  (members: Record<string, Check>): Check =>
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.entries(members).every(([name, check]) => check((v as Record<string, unknown>)[name]));

const signerRefShape = shape({ mspId: str, certificate: str });
const readItemShape = shape({ key: str, version: nullable(shape({ block: num, tx: num })) });
const transactionShape = shape({
  proposal: shape({
    version: num,
    channel: str,
    chaincode: str,
    fcn: str,
    args: arrayOf(str),
    transientKeys: arrayOf(str),
    txId: str,
    nonce: str,
    timestamp: num,
    creator: signerRefShape,
  }),
  clientSignature: str,
  payload: shape({
    txId: str,
    proposalHash: str,
    rwset: shape({
      reads: arrayOf(readItemShape),
      rangeReads: arrayOf(
        shape({ startKey: str, endKey: str, reads: arrayOf(readItemShape), exhausted: bool }),
      ),
      writes: arrayOf(shape({ key: str, value: optional(str), isDelete: bool })),
      metadataWrites: arrayOf(shape({ key: str, validationParameter: optional(str) })),
    }),
    event: nullable(shape({ name: str, payload: str })),
    response: shape({ status: num, message: str, payload: str }),
  }),
  endorsements: arrayOf(shape({ endorser: signerRefShape, signature: str })),
});

/**
 * Whether a value has a transaction's structure. Blocks carry whatever clients had ordered, so
 * a committer checks this before it reads any member: a malformed transaction is marked
 * BAD_PAYLOAD rather than stopping the node.
 */
export const isTransaction = (value: unknown): value is Transaction => transactionShape(value);

/**
 * What a ledger returns about one committed transaction (the embedded engine's
 * getTransactionProof material): the transaction, where it sits in its block, the signed header
 * and the path from the transaction to the header's data hash.
 */
export interface TransactionEvidence {
  transaction: Transaction;
  txIndex: number;
  header: BlockHeader;
  ordererSignature: Block['ordererSignature'];
  inclusionPath: string[];
  validationCode: string;
}

/** Evidence from a whole block; the ledger's hashing is SHA-256 whatever the dataset's. */
export function evidenceFromBlock(
  sha256: HashFunction,
  block: Block,
  txIndex: number,
  validationCode: string,
): TransactionEvidence {
  const transaction = block.transactions[txIndex];
  if (!transaction)
    throw new RangeError(`block ${block.header.number} has no transaction ${txIndex}`);
  const leaves = block.transactions.map((tx) => leafHash(sha256, encodeTransaction(tx)));
  return {
    transaction,
    txIndex,
    header: block.header,
    ordererSignature: block.ordererSignature,
    inclusionPath: inclusionProof(sha256, leaves, txIndex).map(toHex),
    validationCode,
  };
}
