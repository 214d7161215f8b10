/**
 * Fabric blocks, decoded into the fields Shulian uses: the header (and the DER bytes its hash is
 * taken over), each transaction envelope with its creator, channel header, chaincode input,
 * endorsements and chaincode event, and the block metadata (orderer signatures, the peer's
 * validation codes and commit hash). Pure functions over bytes, no Node APIs: the gateway's
 * Fabric ledger client and the offline proof verifier share them. Hashing is the caller's.
 */
import {
  bytesField,
  intField,
  message,
  readFields,
  repeatedBytes,
  stringField,
  uintField,
  type ProtoFields,
} from './protobuf.js';

/** peer.TxValidationCode, by number (fabric-protos peer/transaction.proto). */
const TX_VALIDATION_CODES: Readonly<Record<number, string>> = {
  0: 'VALID',
  1: 'NIL_ENVELOPE',
  2: 'BAD_PAYLOAD',
  3: 'BAD_COMMON_HEADER',
  4: 'BAD_CREATOR_SIGNATURE',
  5: 'INVALID_ENDORSER_TRANSACTION',
  6: 'INVALID_CONFIG_TRANSACTION',
  7: 'UNSUPPORTED_TX_PAYLOAD',
  8: 'BAD_PROPOSAL_TXID',
  9: 'DUPLICATE_TXID',
  10: 'ENDORSEMENT_POLICY_FAILURE',
  11: 'MVCC_READ_CONFLICT',
  12: 'PHANTOM_READ_CONFLICT',
  13: 'UNKNOWN_TX_TYPE',
  14: 'TARGET_CHAIN_NOT_FOUND',
  15: 'MARSHAL_TX_ERROR',
  16: 'NIL_TXACTION',
  17: 'EXPIRED_CHAINCODE',
  18: 'CHAINCODE_VERSION_CONFLICT',
  19: 'BAD_HEADER_EXTENSION',
  20: 'BAD_CHANNEL_HEADER',
  21: 'BAD_RESPONSE_PAYLOAD',
  22: 'BAD_RWSET',
  23: 'ILLEGAL_WRITESET',
  24: 'INVALID_WRITESET',
  25: 'INVALID_CHAINCODE',
  254: 'NOT_VALIDATED',
  255: 'INVALID_OTHER_REASON',
};

export const validationCodeName = (code: number): string =>
  TX_VALIDATION_CODES[code] ?? `UNKNOWN_${code}`;

/** common.HeaderType values Shulian distinguishes. */
export const HEADER_TYPE = { CONFIG: 1, ENDORSER_TRANSACTION: 3 } as const;

/** common.BlockMetadataIndex */
export const METADATA = { SIGNATURES: 0, TRANSACTIONS_FILTER: 2, COMMIT_HASH: 4 } as const;

export interface FabricBlockHeader {
  number: bigint;
  previousHash: Uint8Array;
  dataHash: Uint8Array;
}

export interface FabricIdentity {
  mspId: string;
  /** PEM certificate as the MSP serialised it. */
  certificate: string;
}

export interface FabricEndorsement {
  endorser: FabricIdentity;
  /** The serialized identity bytes, which the endorser signed after the response payload. */
  endorserBytes: Uint8Array;
  signature: Uint8Array;
}

export interface FabricTransaction {
  /** The envelope bytes as ordered (what the block's data hash covers). */
  envelope: Uint8Array;
  /** The envelope's payload, which the creator signed. */
  payload: Uint8Array;
  signature: Uint8Array;
  type: number;
  channelId: string;
  txId: string;
  /** ms since the epoch */
  timestamp: number;
  creator: FabricIdentity;
  /** The creator's serialized identity and the nonce: the transaction id is sha256(nonce || creator). */
  creatorBytes: Uint8Array;
  nonce: Uint8Array;
  chaincode: string;
  /** args[0] of the chaincode input: the contract function. */
  fcn: string;
  args: Uint8Array[];
  /** ProposalResponsePayload bytes, which every endorser signed. */
  responsePayload: Uint8Array;
  endorsements: FabricEndorsement[];
  response: { status: number; message: string; payload: Uint8Array };
  event: { name: string; payload: Uint8Array } | null;
  /** The write set, every namespace's writes in order. */
  writes: FabricWrite[];
}

export interface FabricWrite {
  namespace: string;
  key: string;
  isDelete: boolean;
  value: Uint8Array;
}

export interface FabricMetadataSignature {
  signatureHeader: Uint8Array;
  signature: Uint8Array;
  signer: FabricIdentity;
}

export interface FabricBlock {
  header: FabricBlockHeader;
  data: Uint8Array[];
  transactions: FabricTransaction[];
  /** Metadata SIGNATURES: the value the orderers signed together with the header. */
  signatureValue: Uint8Array;
  signatures: FabricMetadataSignature[];
  /** One validation code per transaction, from the committing peer; empty on orderer blocks. */
  validationCodes: string[];
  /** The peer's commit hash after this block (hex), '' where the peer records none (block 0). */
  commitHash: string;
}

const utf8 = new TextDecoder();
const hex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export function decodeIdentity(bytes: Uint8Array): FabricIdentity {
  const f = readFields(bytes);
  return { mspId: stringField(f, 1), certificate: utf8.decode(bytesField(f, 2)) };
}

export function decodeHeader(f: ProtoFields): FabricBlockHeader {
  return { number: uintField(f, 1), previousHash: bytesField(f, 2), dataHash: bytesField(f, 3) };
}

/** ASN.1 DER of the header, as Fabric's protoutil.BlockHeaderBytes: SEQUENCE { number, prev, data }. */
export function blockHeaderBytes(h: FabricBlockHeader): Uint8Array {
  const length = (n: number): number[] => {
    if (n < 0x80) return [n];
    const out: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
    return [0x80 | out.length, ...out];
  };
  const integer: number[] = [];
  for (let v = h.number; v > 0n; v >>= 8n) integer.unshift(Number(v & 0xffn));
  if (integer.length === 0 || (integer[0] ?? 0) & 0x80) integer.unshift(0);
  const parts = [
    [0x02, ...length(integer.length), ...integer],
    [0x04, ...length(h.previousHash.length), ...h.previousHash],
    [0x04, ...length(h.dataHash.length), ...h.dataHash],
  ].flat();
  return Uint8Array.from([0x30, ...length(parts.length), ...parts]);
}

/** What the data hash is over: the envelopes concatenated, in block order. */
export function blockDataBytes(data: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(data.reduce((n, d) => n + d.length, 0));
  let at = 0;
  for (const d of data) {
    out.set(d, at);
    at += d.length;
  }
  return out;
}

/** The bytes an orderer signs for a block: metadata value || signature header || header DER. */
export function blockSignedBytes(
  signatureValue: Uint8Array,
  signatureHeader: Uint8Array,
  header: FabricBlockHeader,
): Uint8Array {
  return blockDataBytes([signatureValue, signatureHeader, blockHeaderBytes(header)]);
}

/** The bytes an endorser signs: the proposal response payload followed by its identity. */
export const endorsementSignedBytes = (payload: Uint8Array, endorser: Uint8Array): Uint8Array =>
  blockDataBytes([payload, endorser]);

export function decodeTransaction(envelope: Uint8Array): FabricTransaction {
  const env = readFields(envelope);
  const payloadBytes = bytesField(env, 1);
  const payload = readFields(payloadBytes);
  const header = message(payload, 1);
  const channelHeader = message(header, 1);
  const signatureHeader = message(header, 2);
  const ts = message(channelHeader, 3);
  const creatorBytes = bytesField(signatureHeader, 1);
  const tx: FabricTransaction = {
    envelope,
    payload: payloadBytes,
    signature: bytesField(env, 2),
    type: intField(channelHeader, 1),
    channelId: stringField(channelHeader, 4),
    txId: stringField(channelHeader, 5),
    timestamp: intField(ts, 1) * 1000 + Math.floor(intField(ts, 2) / 1e6),
    creator: decodeIdentity(creatorBytes),
    creatorBytes,
    nonce: bytesField(signatureHeader, 2),
    chaincode: '',
    fcn: '',
    args: [],
    responsePayload: new Uint8Array(0),
    endorsements: [],
    response: { status: 0, message: '', payload: new Uint8Array(0) },
    event: null,
    writes: [],
  };
  if (tx.type !== HEADER_TYPE.ENDORSER_TRANSACTION) return tx;

  // Transaction.actions[0]: Fabric's gateway and SDKs put exactly one action in a transaction.
  const action = readFields(
    repeatedBytes(readFields(bytesField(payload, 2)), 1)[0] ?? new Uint8Array(0),
  );
  const actionPayload = message(action, 2);
  const proposalPayload = message(actionPayload, 1);
  const spec = message(message(proposalPayload, 1), 1);
  tx.chaincode = stringField(message(spec, 2), 2);
  tx.args = repeatedBytes(message(spec, 3), 1);
  tx.fcn = tx.args[0] ? utf8.decode(tx.args[0]) : '';

  const endorsed = message(actionPayload, 2);
  tx.responsePayload = bytesField(endorsed, 1);
  tx.endorsements = repeatedBytes(endorsed, 2).map((e) => {
    const f = readFields(e);
    const endorserBytes = bytesField(f, 1);
    return { endorser: decodeIdentity(endorserBytes), endorserBytes, signature: bytesField(f, 2) };
  });
  const chaincodeAction = message(readFields(tx.responsePayload), 2);
  const response = message(chaincodeAction, 3);
  tx.response = {
    status: intField(response, 1),
    message: stringField(response, 2),
    payload: bytesField(response, 3),
  };
  // TxReadWriteSet.ns_rwset[]: NsReadWriteSet { namespace, rwset: KVRWSet { writes = 3 } }.
  for (const ns of repeatedBytes(message(chaincodeAction, 1), 2)) {
    const nsFields = readFields(ns);
    const namespace = stringField(nsFields, 1);
    for (const w of repeatedBytes(message(nsFields, 2), 3)) {
      const f = readFields(w);
      tx.writes.push({
        namespace,
        key: stringField(f, 1),
        isDelete: uintField(f, 2) !== 0n,
        value: bytesField(f, 3),
      });
    }
  }
  const eventBytes = bytesField(chaincodeAction, 2);
  if (eventBytes.length > 0) {
    const ev = readFields(eventBytes);
    tx.event = { name: stringField(ev, 3), payload: bytesField(ev, 4) };
  }
  return tx;
}

export function decodeBlock(bytes: Uint8Array): FabricBlock {
  const block = readFields(bytes);
  const header = decodeHeader(message(block, 1));
  const data = repeatedBytes(message(block, 2), 1);
  const metadata = repeatedBytes(message(block, 3), 1);
  const signatures = readFields(metadata[METADATA.SIGNATURES] ?? new Uint8Array(0));
  const filter = metadata[METADATA.TRANSACTIONS_FILTER] ?? new Uint8Array(0);
  const commit = metadata[METADATA.COMMIT_HASH];
  return {
    header,
    data,
    transactions: data.map(decodeTransaction),
    signatureValue: bytesField(signatures, 1),
    signatures: repeatedBytes(signatures, 2).map((s) => {
      const f = readFields(s);
      const signatureHeader = bytesField(f, 1);
      return {
        signatureHeader,
        signature: bytesField(f, 2),
        signer: decodeIdentity(bytesField(readFields(signatureHeader), 1)),
      };
    }),
    validationCodes: Array.from(filter, validationCodeName),
    commitHash: commit && commit.length > 0 ? hex(bytesField(readFields(commit), 1)) : '',
  };
}

/** qscc GetChainInfo's common.BlockchainInfo. */
export function decodeChainInfo(bytes: Uint8Array): { height: number; currentBlockHash: string } {
  const f = readFields(bytes);
  return { height: Number(uintField(f, 1)), currentBlockHash: hex(bytesField(f, 2)) };
}

export { hex as toHex };

/** What a Fabric ledger returns about one committed transaction (getTransactionProof material). */
export interface FabricEvidence {
  channel: string;
  /** Index of the transaction in the block. */
  index: number;
  validationCode: string;
  header: { number: string; previousHash: string; dataHash: string };
  /** Every envelope of the block, base64, in order. */
  data: string[];
  /** Block metadata SIGNATURES: the signed value, each orderer's signature header and signature (base64). */
  signatureValue: string;
  signatures: { signatureHeader: string; signature: string }[];
}
