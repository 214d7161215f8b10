/**
 * Wire and storage format of the embedded ledger: proposals, endorsed transactions and blocks.
 *
 * This module is pure (no I/O, no node: imports) because offline proof verification and the
 * browser console read the same structures. Everything that is signed or hashed is the
 * canonical JSON of a plain object (see chaincode/src/lib/canonical.ts); binary members are
 * base64 strings. Signatures are ECDSA P-256 over SHA-256, DER encoded, base64.
 */
import { canonicalBytes } from '@shulian/chaincode/canonical';

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
} as const;
export type ValidationCode = (typeof ValidationCode)[keyof typeof ValidationCode];

export const ZERO_HASH = '0'.repeat(64);

export const encodeProposal = (p: Proposal): Uint8Array => canonicalBytes(p);
export const encodeResponsePayload = (p: ProposalResponsePayload): Uint8Array => canonicalBytes(p);
export const encodeTransaction = (t: Transaction): Uint8Array => canonicalBytes(t);
export const encodeHeader = (h: BlockHeader): Uint8Array => canonicalBytes(h);
