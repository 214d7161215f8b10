/**
 * The Fabric ledger client's parts that need no network: our protobuf reader against blocks
 * built with Fabric's own generated classes (@hyperledger/fabric-protos), the header hash
 * against Fabric's ASN.1 rule, the translation of fabric-gateway errors into the codes the
 * gateway maps, and the retry policy. The client against a running network is in tests/fabric/.
 */
import { createHash } from 'node:crypto';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { describe, expect, it } from 'vitest';
import { fromLedgerError } from '../../gateway/src/errors.js';
import { blockHeaderBytes, decodeBlock, decodeChainInfo } from '@shulian/proof/formats/fabric';
import {
  commitFailure,
  DEFAULT_RETRY,
  FabricLedgerError,
  fromFabricError,
  retryDelay,
  withRetries,
} from '../../gateway/src/ledger/fabric-errors.js';
import { ProtobufError, readFields } from '@shulian/proof/formats/protobuf';

const enc = new TextEncoder();
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function identity(mspId: string): Uint8Array {
  const id = new msp.SerializedIdentity();
  id.setMspid(mspId);
  id.setIdBytes(enc.encode(CERT));
  return id.serializeBinary();
}

/** A protobuf field 3 (google.protobuf.Timestamp) appended to a serialized ChannelHeader. */
function withTimestamp(header: Uint8Array, seconds: number, nanos: number): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
    out.push(n);
    return out;
  };
  const ts = [0x08, ...varint(seconds), 0x10, ...varint(nanos)];
  return Uint8Array.from([...header, 0x1a, ts.length, ...ts]);
}

function endorserEnvelope(txId: string, fcn: string, event?: { name: string; payload: string }) {
  const ch = new common.ChannelHeader();
  ch.setType(common.HeaderType.ENDORSER_TRANSACTION);
  ch.setChannelId('shulian');
  ch.setTxId(txId);
  const sh = new common.SignatureHeader();
  sh.setCreator(identity('psb'));
  sh.setNonce(enc.encode('nonce'));
  const header = new common.Header();
  header.setChannelHeader(withTimestamp(ch.serializeBinary(), 1_790_000_000, 123_000_000));
  header.setSignatureHeader(sh.serializeBinary());

  const input = new peer.ChaincodeInput();
  input.setArgsList([enc.encode(fcn), enc.encode('{"a":1}')]);
  const ccid = new peer.ChaincodeID();
  ccid.setName('shulian');
  const spec = new peer.ChaincodeSpec();
  spec.setChaincodeId(ccid);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const proposalPayload = new peer.ChaincodeProposalPayload();
  proposalPayload.setInput(invocation.serializeBinary());

  const response = new peer.Response();
  response.setStatus(200);
  response.setPayload(enc.encode('"ok"'));
  const action = new peer.ChaincodeAction();
  action.setResponse(response);
  if (event) {
    const ev = new peer.ChaincodeEvent();
    ev.setEventName(event.name);
    ev.setPayload(enc.encode(event.payload));
    action.setEvents(ev.serializeBinary());
  }
  const prp = new peer.ProposalResponsePayload();
  prp.setProposalHash(new Uint8Array(32));
  prp.setExtension$(action.serializeBinary());
  const endorsements = ['psb', 'amr'].map((m) => {
    const e = new peer.Endorsement();
    e.setEndorser(identity(m));
    e.setSignature(enc.encode(`sig-${m}`));
    return e;
  });
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(prp.serializeBinary());
  endorsed.setEndorsementsList(endorsements);
  const cap = new peer.ChaincodeActionPayload();
  cap.setChaincodeProposalPayload(proposalPayload.serializeBinary());
  cap.setAction(endorsed);
  const ta = new peer.TransactionAction();
  ta.setHeader(sh.serializeBinary());
  ta.setPayload(cap.serializeBinary());
  const tx = new peer.Transaction();
  tx.setActionsList([ta]);

  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(tx.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  env.setSignature(enc.encode('creator-signature'));
  return env.serializeBinary();
}

function block(number: number, envelopes: Uint8Array[], codes: number[], commitHash?: Uint8Array) {
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setPreviousHash(new Uint8Array(32).fill(7));
  header.setDataHash(createHash('sha256').update(Buffer.concat(envelopes)).digest());
  const data = new common.BlockData();
  data.setDataList(envelopes);
  const sig = new common.MetadataSignature();
  const sigHeader = new common.SignatureHeader();
  sigHeader.setCreator(identity('orderer'));
  sig.setSignatureHeader(sigHeader.serializeBinary());
  sig.setSignature(enc.encode('orderer-signature'));
  const signatures = new common.Metadata();
  signatures.setValue(enc.encode('last-config'));
  signatures.setSignaturesList([sig]);
  const commit = new common.Metadata();
  if (commitHash) commit.setValue(commitHash);
  const metadata = new common.BlockMetadata();
  metadata.setMetadataList([
    signatures.serializeBinary(),
    new Uint8Array(0),
    Uint8Array.from(codes),
    new Uint8Array(0),
    commitHash ? commit.serializeBinary() : new Uint8Array(0),
  ]);
  const b = new common.Block();
  b.setHeader(header);
  b.setData(data);
  b.setMetadata(metadata);
  return b.serializeBinary();
}

describe('Fabric block decoding', () => {
  it('reads a block built by Fabric’s own protobuf classes: transactions, events, codes, signatures, commit hash', () => {
    const txA = 'a'.repeat(64);
    const txB = 'b'.repeat(64);
    const bytes = block(
      5,
      [
        endorserEnvelope(txA, 'catalog:CreateEntry', {
          name: 'CatalogEntryCreated',
          payload: '{"id":"x"}',
        }),
        endorserEnvelope(txB, 'usage:RecordUse'),
      ],
      [0, 11],
      new Uint8Array(32).fill(9),
    );
    const b = decodeBlock(bytes);
    expect(b.header.number).toBe(5n);
    expect(b.transactions.map((t) => t.txId)).toEqual([txA, txB]);
    expect(b.validationCodes).toEqual(['VALID', 'MVCC_READ_CONFLICT']);
    const [a] = b.transactions;
    expect(a).toMatchObject({
      channelId: 'shulian',
      chaincode: 'shulian',
      fcn: 'catalog:CreateEntry',
      timestamp: 1_790_000_000_123,
      creator: { mspId: 'psb', certificate: CERT },
      response: { status: 200 },
    });
    expect(a?.endorsements.map((e) => e.endorser.mspId)).toEqual(['psb', 'amr']);
    expect(new TextDecoder().decode(a?.event?.payload)).toBe('{"id":"x"}');
    expect(a?.event?.name).toBe('CatalogEntryCreated');
    expect(b.transactions[1]?.event).toBeNull();
    expect(b.signatures[0]?.signer.mspId).toBe('orderer');
    expect(new TextDecoder().decode(b.signatureValue)).toBe('last-config');
    expect(b.commitHash).toBe('09'.repeat(32));
  });

  it('reports no commit hash where the peer records none (the genesis block)', () => {
    expect(decodeBlock(block(0, [], [])).commitHash).toBe('');
  });

  it('hashes the header as Fabric does: SHA-256 over DER SEQUENCE { number, previous, data }', () => {
    const h = { number: 128n, previousHash: new Uint8Array([1, 2]), dataHash: new Uint8Array(0) };
    // 128 needs a leading zero byte to stay a positive INTEGER, as Go's asn1 writes it.
    expect(Buffer.from(blockHeaderBytes(h)).toString('hex')).toBe('300a020200800402010204' + '00');
    const big = { number: 0n, previousHash: new Uint8Array(200), dataHash: new Uint8Array(32) };
    const der = blockHeaderBytes(big);
    expect(der.slice(0, 3)).toEqual(Uint8Array.from([0x30, 0x81, 3 + 203 + 34]));
  });

  it('reads qscc chain info', () => {
    const info = new common.BlockchainInfo();
    info.setHeight(42);
    info.setCurrentblockhash(new Uint8Array([0xab, 0xcd]));
    expect(decodeChainInfo(info.serializeBinary())).toEqual({
      height: 42,
      currentBlockHash: 'abcd',
    });
  });

  it('refuses truncated input instead of reading past it', () => {
    const bytes = block(1, [endorserEnvelope('c'.repeat(64), 'x')], [0]);
    expect(() => decodeBlock(bytes.subarray(0, bytes.length - 3))).toThrow(ProtobufError);
    expect(() => readFields(Uint8Array.from([0x08, 0x80]))).toThrow(/truncated varint/);
  });
});

/** What fabric-gateway throws: a GatewayError with a gRPC code and per-endorser details. */
function gatewayError(code: number, message: string, details: string[], transactionId?: string) {
  return Object.assign(new Error(message), {
    code,
    details: details.map((m, i) => ({ address: `peer${i}:7051`, mspId: `org${i}`, message: m })),
    ...(transactionId ? { transactionId } : {}),
  });
}

describe('Fabric errors keep the chaincode code', () => {
  it('on submit the [CODE] is only in the endorsers’ details, and the gateway maps it', () => {
    const err = fromFabricError(
      gatewayError(
        10,
        '10 ABORTED: failed to endorse transaction, see attached details for more info',
        ['chaincode response 500, [CATALOG_NOT_FOUND] no catalog entry psb-001'],
        'f'.repeat(64),
      ),
      'endorse',
    );
    expect(err.message).toBe('[CATALOG_NOT_FOUND] no catalog entry psb-001');
    expect(err.details.txId).toBe('f'.repeat(64));
    const mapped = fromLedgerError(err);
    expect(mapped).toMatchObject({ code: 'CATALOG_NOT_FOUND', statusCode: 404 });
  });

  it('on evaluate the [CODE] is in the message', () => {
    const err = fromFabricError(
      gatewayError(
        2,
        '2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, [FORBIDDEN] only the coordinator may register departments',
        [],
      ),
      'evaluate',
    );
    expect(fromLedgerError(err)).toMatchObject({ code: 'FORBIDDEN', statusCode: 403 });
  });

  it('a commit failure carries its validation code, and conflicts are retryable 503s', () => {
    const err = commitFailure('MVCC_READ_CONFLICT', 'e'.repeat(64), 12);
    expect(err.retryable).toBe(true);
    expect(fromLedgerError(err)).toMatchObject({ code: 'MVCC_CONFLICT', statusCode: 503 });
    const policy = commitFailure('ENDORSEMENT_POLICY_FAILURE', 'e'.repeat(64), 12);
    expect(policy.retryable).toBe(false);
    expect(policy.message).toMatch(/ENDORSEMENT_POLICY_FAILURE/);
  });

  it('an endorser a block behind ("ProposalResponsePayloads do not match") is a retryable mismatch', () => {
    const err = fromFabricError(
      gatewayError(
        10,
        '10 ABORTED: failed to endorse transaction, see attached details for more info',
        ['ProposalResponsePayloads do not match'],
      ),
      'endorse',
    );
    expect(err.code).toBe('ENDORSEMENT_MISMATCH');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/org0@peer0:7051/);
    expect(fromLedgerError(err).code).toBe('MVCC_CONFLICT');
  });

  it('an unreachable peer is LEDGER_UNAVAILABLE, unknown transactions and blocks are not-found', () => {
    expect(
      fromLedgerError(
        fromFabricError(
          gatewayError(14, '14 UNAVAILABLE: No connection established', []),
          'evaluate',
        ),
      ).code,
    ).toBe('LEDGER_UNAVAILABLE');
    const tx = fromFabricError(
      gatewayError(
        2,
        '2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, Failed to get transaction with id x, error no such transaction ID [x] in index',
        [],
      ),
      'query',
    );
    expect(fromLedgerError(tx).code).toBe('TRANSACTION_NOT_FOUND');
    const block = fromFabricError(
      gatewayError(
        2,
        '2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, Failed to get block number 1000000, error Entry not found in index',
        [],
      ),
      'query',
    );
    expect(fromLedgerError(block).code).toBe('BLOCK_NOT_FOUND');
  });
});

describe('Fabric retry policy', () => {
  it('retries conflicts with growing, capped delays, each attempt a new transaction, up to the cap', async () => {
    const delays: number[] = [];
    let attempts = 0;
    const conflict = () => commitFailure('MVCC_READ_CONFLICT', String(attempts), attempts);
    await expect(
      withRetries(
        DEFAULT_RETRY,
        () => {
          attempts++;
          return Promise.reject(conflict());
        },
        (ms) => {
          delays.push(ms);
          return Promise.resolve();
        },
      ),
    ).rejects.toMatchObject({ code: 'MVCC_READ_CONFLICT' });
    expect(attempts).toBe(DEFAULT_RETRY.attempts);
    expect(delays).toHaveLength(DEFAULT_RETRY.attempts - 1);
    for (const [i, d] of delays.entries()) {
      const cap = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(cap / 2);
      expect(d).toBeLessThanOrEqual(cap);
    }
    expect(retryDelay(DEFAULT_RETRY, 30, () => 1)).toBe(DEFAULT_RETRY.maxDelayMs);
  });

  it('returns the first success and never retries a refusal by the chaincode', async () => {
    let n = 0;
    const ok = await withRetries(
      DEFAULT_RETRY,
      () => {
        n++;
        return n < 3
          ? Promise.reject(commitFailure('PHANTOM_READ_CONFLICT', 'x', 1))
          : Promise.resolve('done');
      },
      () => Promise.resolve(),
    );
    expect([ok, n]).toEqual(['done', 3]);
    let refused = 0;
    await expect(
      withRetries(DEFAULT_RETRY, () => {
        refused++;
        return Promise.reject(
          new FabricLedgerError('CHAINCODE_ERROR', '[FORBIDDEN] no', { phase: 'endorse' }),
        );
      }),
    ).rejects.toThrow('[FORBIDDEN] no');
    expect(refused).toBe(1);
  });
});
