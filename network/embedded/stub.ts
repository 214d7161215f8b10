/**
 * The embedded network's transaction simulator.
 *
 * The chaincode gets fabric-shim's own ChaincodeStub, exactly the class it gets on a Fabric
 * peer, so composite keys, pagination metadata, iterators, transient data, timestamps and the
 * creator identity behave as on Fabric by construction. What we implement is the peer's side of
 * the shim protocol (the `handler` the stub calls): reads of COMMITTED state through a
 * StateReader, recording the read set (key, version), range reads for phantom detection, the
 * write set and metadata (key-level policy) writes, as Fabric's TxSimulator does. Responses are
 * the same protobuf messages a peer sends, decoded by fabric-shim's own iterators.
 */
import './shim-logging.js';
import { createRequire } from 'node:module';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import type { ChaincodeInterface, ChaincodeStub } from 'fabric-shim';
import type {
  MetadataWrite,
  Proposal,
  RangeRead,
  ReadItem,
  RwSet,
  SignerRef,
  Version,
  WriteItem,
} from '@shulian/proof/formats/embedded';
import type { ChaincodeEvent, ChaincodeResponse } from '@shulian/proof/formats/embedded';
import { fromBase64, isUtf8Text, toBase64 } from './crypto.js';
import { isSealed } from './sealed.js';
import { compareKeys, type HistoryEntry, type KeyedEntry, type StateReader } from './state.js';

const require = createRequire(import.meta.url);

interface TimestampPb {
  setSeconds(value: number): void;
  setNanos(value: number): void;
}
interface ShimInternals {
  ChaincodeStub: new (
    handler: TxSimulator,
    channelId: string,
    txId: string,
    input: peer.ChaincodeInput,
    signedProposal: peer.SignedProposal,
  ) => ChaincodeStub;
  StateQueryIterator: new (
    handler: TxSimulator,
    channelId: string,
    txId: string,
    response: peer.QueryResponse,
  ) => object;
  HistoryQueryIterator: new (
    handler: TxSimulator,
    channelId: string,
    txId: string,
    response: peer.QueryResponse,
  ) => object;
}
const shim = require('fabric-shim') as ShimInternals;
const { Timestamp } = require('google-protobuf/google/protobuf/timestamp_pb.js') as {
  Timestamp: new () => TimestampPb;
};

/** The metadata key fabric-shim uses for key-level endorsement policies. */
const VALIDATION_PARAMETER = 'VALIDATION_PARAMETER';
/** Fabric's default core.ledger.state.maxResultsPerBatch (totalQueryLimit pages through it). */
const RESULTS_PER_BATCH = 100;
const EMPTY = new Uint8Array();

export class SimulationError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'SimulationError';
  }
}

export interface SimulationResult {
  response: ChaincodeResponse;
  rwset: RwSet;
  event: ChaincodeEvent | null;
}

function timestampPb(ms: number): TimestampPb {
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(ms / 1000));
  ts.setNanos((ms % 1000) * 1_000_000);
  return ts;
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

const SERIALIZED_CREATORS = 4096;
/**
 * SerializedIdentity bytes by MSP and certificate: a client signs many proposals. Keyed by MSP
 * id, then certificate text, so no key string of a certificate's length is built per lookup.
 */
const serializedCreators = new Map<string, Map<string, Uint8Array>>();
let serializedCount = 0;

function serializedCreator(ref: SignerRef): Uint8Array {
  let byCertificate = serializedCreators.get(ref.mspId);
  let bytes = byCertificate?.get(ref.certificate);
  if (!bytes) {
    const creator = new msp.SerializedIdentity();
    creator.setMspid(ref.mspId);
    creator.setIdBytes(utf8(ref.certificate));
    bytes = creator.serializeBinary();
    if (serializedCount >= SERIALIZED_CREATORS) {
      serializedCreators.clear();
      serializedCount = 0;
      byCertificate = undefined;
    }
    if (!byCertificate) {
      byCertificate = new Map();
      serializedCreators.set(ref.mspId, byCertificate);
    }
    byCertificate.set(ref.certificate, bytes);
    serializedCount += 1;
  }
  return bytes;
}

/**
 * The Proposal protobuf's bytes of sealed proposals without transient data. Both endorsers of a
 * proposal built the same protobuf from the same deeply frozen proposal; the bytes are a pure
 * function of it (see sealed.ts), so they are built once and each endorser gets its own copy.
 * Transient data is not part of the proposal, so a proposal that carries some is built anew.
 */
const proposalPbBytes = new WeakMap<Proposal, Uint8Array>();

/**
 * The Proposal protobuf as google-protobuf serializes it through fabric-protos' classes: the
 * reference for encodeProposalPb below, and what builds the proposals it does not take.
 */
export function buildProposalPb(
  proposal: Proposal,
  input: peer.ChaincodeInput,
  transient: Record<string, Uint8Array>,
): Uint8Array {
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(serializedCreator(proposal.creator));
  signatureHeader.setNonce(fromBase64(proposal.nonce));
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setChannelId(proposal.channel);
  channelHeader.setTxId(proposal.txId);
  channelHeader.setTimestamp(timestampPb(proposal.timestamp));
  channelHeader.setEpoch(0);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName(proposal.chaincode);
  const spec = new peer.ChaincodeSpec();
  spec.setType(peer.ChaincodeSpec.Type.NODE);
  spec.setChaincodeId(chaincodeId);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocation.serializeBinary());
  // google-protobuf's jspb.Map ships without types; set() is all we need of it.
  const transientMap = payload.getTransientmapMap() as unknown as Map<string, Uint8Array>;
  for (const name of proposal.transientKeys) transientMap.set(name, transient[name] ?? EMPTY);

  const proposalPb = new peer.Proposal();
  proposalPb.setHeader(header.serializeBinary());
  proposalPb.setPayload(payload.serializeBinary());
  return proposalPb.serializeBinary();
}

/** Bytes of a varint. */
function varintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 0x80);
    size += 1;
  }
  return size;
}

/** Bytes of a length-delimited field (tag, length, content) of `length` content bytes. */
const delimitedSize = (field: number, length: number): number =>
  varintSize((field << 3) | 2) + varintSize(length) + length;

/** Bytes of a proto3 bytes or string field: none when empty. */
const scalarSize = (field: number, length: number): number =>
  length === 0 ? 0 : delimitedSize(field, length);

/** Bytes of a proto3 integer field: none for 0. */
const integerSize = (field: number, n: number): number =>
  n === 0 ? 0 : varintSize(field << 3) + varintSize(n);

/**
 * Protobuf's wire format, as much of it as a Proposal needs, written into one buffer whose size
 * is computed first. google-protobuf writes a message's fields in field-number order and leaves
 * out a proto3 scalar with its default value (0, empty string or bytes), but writes a set message
 * field even when empty, every element of a repeated field, and both members of every map entry.
 */
class ProtoWriter {
  private readonly bytes: Buffer;
  private at = 0;

  constructor(size: number) {
    this.bytes = Buffer.allocUnsafe(size);
  }

  private varint(n: number): void {
    while (n > 0x7f) {
      this.bytes[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.bytes[this.at++] = n;
  }

  /** A length-delimited field's tag and length; its `length` content bytes are written next. */
  head(field: number, length: number): void {
    this.varint((field << 3) | 2);
    this.varint(length);
  }

  /** A length-delimited field of these bytes, written even when empty. */
  delimited(field: number, value: Uint8Array): void {
    this.head(field, value.length);
    this.bytes.set(value, this.at);
    this.at += value.length;
  }

  /** A proto3 bytes field, left out when empty. */
  scalar(field: number, value: Uint8Array): void {
    if (value.length > 0) this.delimited(field, value);
  }

  /** A string field of `length` UTF-8 bytes; `always` for a map entry's key. */
  string(field: number, value: string, length: number, always = false): void {
    if (length === 0 && !always) return;
    this.head(field, length);
    this.at += this.bytes.write(value, this.at, length, 'utf8');
  }

  integer(field: number, n: number): void {
    if (n === 0) return;
    this.varint(field << 3);
    this.varint(n);
  }

  /** The buffer, checked to be exactly filled. */
  done(): Buffer {
    if (this.at !== this.bytes.length) throw new Error('protobuf size miscounted');
    return this.bytes;
  }
}

/**
 * What encodeProposalPb writes exactly as google-protobuf does: a timestamp that is a
 * non-negative whole number of milliseconds (int64 seconds and int32 nanos, both non-negative
 * varints), and strings that UTF-8 encodes without replacement (google-protobuf has its own
 * encoder). Any other proposal is built by google-protobuf itself.
 */
const plainProposal = (proposal: Proposal): boolean =>
  Number.isSafeInteger(proposal.timestamp) &&
  proposal.timestamp >= 0 &&
  [proposal.channel, proposal.txId, proposal.chaincode, ...proposal.transientKeys].every(
    isUtf8Text,
  );

/**
 * The Proposal protobuf's bytes, written directly: the same bytes buildProposalPb gets from
 * google-protobuf (tests/network/proposal-pb.test.ts holds them equal), without building and
 * serializing its eleven message objects on every simulation (#18: 73 us per committed
 * transaction in a profile of bench:ledger). `args` are the ChaincodeInput's arguments.
 */
function encodeProposalPb(
  proposal: Proposal,
  args: Uint8Array[],
  transient: Record<string, Uint8Array>,
): Uint8Array {
  const seconds = Math.floor(proposal.timestamp / 1000);
  const nanos = (proposal.timestamp % 1000) * 1_000_000;
  const channelBytes = Buffer.byteLength(proposal.channel, 'utf8');
  const txIdBytes = Buffer.byteLength(proposal.txId, 'utf8');
  const chaincodeBytes = Buffer.byteLength(proposal.chaincode, 'utf8');
  const creator = serializedCreator(proposal.creator);
  const nonce = fromBase64(proposal.nonce);
  const entries = [...new Set(proposal.transientKeys)].sort().map((name) => {
    const value = transient[name] ?? EMPTY;
    const nameBytes = Buffer.byteLength(name, 'utf8');
    return {
      name,
      nameBytes,
      value,
      size: delimitedSize(1, nameBytes) + delimitedSize(2, value.length),
    };
  });

  // Sizes, innermost first: Timestamp, ChannelHeader, SignatureHeader, Header; ChaincodeInput,
  // ChaincodeID, ChaincodeSpec, ChaincodeInvocationSpec, ChaincodeProposalPayload; Proposal.
  const timestamp = integerSize(1, seconds) + integerSize(2, nanos);
  const channelHeader =
    integerSize(1, common.HeaderType.ENDORSER_TRANSACTION) +
    delimitedSize(3, timestamp) +
    scalarSize(4, channelBytes) +
    scalarSize(5, txIdBytes);
  const signatureHeader = scalarSize(1, creator.length) + scalarSize(2, nonce.length);
  const header = scalarSize(1, channelHeader) + scalarSize(2, signatureHeader);
  const input = args.reduce((sum, arg) => sum + delimitedSize(1, arg.length), 0);
  const chaincodeId = scalarSize(2, chaincodeBytes);
  const spec =
    integerSize(1, peer.ChaincodeSpec.Type.NODE) +
    delimitedSize(2, chaincodeId) +
    delimitedSize(3, input);
  const invocation = delimitedSize(1, spec);
  const payload =
    scalarSize(1, invocation) +
    entries.reduce((sum, entry) => sum + delimitedSize(2, entry.size), 0);

  const w = new ProtoWriter(scalarSize(1, header) + scalarSize(2, payload));
  if (header > 0) w.head(1, header);
  if (channelHeader > 0) w.head(1, channelHeader);
  w.integer(1, common.HeaderType.ENDORSER_TRANSACTION);
  w.head(3, timestamp);
  w.integer(1, seconds);
  w.integer(2, nanos);
  w.string(4, proposal.channel, channelBytes);
  w.string(5, proposal.txId, txIdBytes);
  if (signatureHeader > 0) w.head(2, signatureHeader);
  w.scalar(1, creator);
  w.scalar(2, nonce);
  if (payload > 0) w.head(2, payload);
  if (invocation > 0) w.head(1, invocation);
  w.head(1, spec);
  w.integer(1, peer.ChaincodeSpec.Type.NODE);
  w.head(2, chaincodeId);
  w.string(2, proposal.chaincode, chaincodeBytes);
  w.head(3, input);
  for (const arg of args) w.delimited(1, arg);
  for (const entry of entries) {
    w.head(2, entry.size);
    w.string(1, entry.name, entry.nameBytes, true);
    w.delimited(2, entry.value);
  }
  return w.done();
}

/**
 * Builds the SignedProposal protobuf a Fabric client would send for this proposal, because
 * ChaincodeStub derives the creator, timestamp, transient map and binding from it.
 */
export function signedProposalPb(
  proposal: Proposal,
  clientSignature: string,
  transient: Record<string, Uint8Array>,
): { input: peer.ChaincodeInput; signed: peer.SignedProposal } {
  const args = [utf8(proposal.fcn), ...proposal.args.map(utf8)];
  const input = new peer.ChaincodeInput();
  input.setArgsList(args);
  const shared = proposal.transientKeys.length === 0 && isSealed(proposal);
  let bytes = shared ? proposalPbBytes.get(proposal) : undefined;
  if (!bytes) {
    bytes = plainProposal(proposal)
      ? encodeProposalPb(proposal, args, transient)
      : buildProposalPb(proposal, input, transient);
    if (shared) proposalPbBytes.set(proposal, bytes);
  }
  const signed = new peer.SignedProposal();
  signed.setProposalBytes(shared ? bytes.slice() : bytes);
  signed.setSignature(fromBase64(clientSignature));
  return { input, signed };
}

/** Runs one proposal through the chaincode against committed state; never writes state. */
export async function simulate(
  chaincode: ChaincodeInterface,
  reader: StateReader,
  proposal: Proposal,
  clientSignature: string,
  transient: Record<string, Uint8Array> = {},
): Promise<SimulationResult> {
  const simulator = new TxSimulator(reader, proposal.chaincode, proposal.channel, proposal.txId);
  const { input, signed } = signedProposalPb(proposal, clientSignature, transient);
  const stub = new shim.ChaincodeStub(simulator, proposal.channel, proposal.txId, input, signed);
  let response: ChaincodeResponse;
  try {
    const r = await chaincode.Invoke(stub);
    response = {
      status: r.status,
      message: r.message ?? '',
      payload: toBase64(r.payload ?? EMPTY),
    };
  } catch (err) {
    response = {
      status: 500,
      message: err instanceof Error ? err.message : String(err),
      payload: '',
    };
  }
  const failure = simulator.finish();
  if (failure && response.status < 400)
    response = { status: 500, message: failure.message, payload: '' };
  // fabric-shim keeps the event as a protobuf on the stub (the last setEvent wins, as on Fabric).
  const eventPb = (stub as unknown as { chaincodeEvent?: peer.ChaincodeEvent }).chaincodeEvent;
  const event = eventPb
    ? { name: eventPb.getEventName(), payload: toBase64(eventPb.getPayload_asU8()) }
    : null;
  return { response, rwset: simulator.rwset(), event };
}

interface OpenQuery {
  source: AsyncIterator<Uint8Array>;
  /** Present for state range queries, whose reads are validated for phantoms. */
  range?: RangeRead;
}

/**
 * The peer side of the shim protocol for one transaction. Method names and signatures are the
 * ones fabric-shim's ChaincodeStub and iterators call on their handler.
 */
export class TxSimulator {
  private readonly reads = new Map<string, Version | null>();
  private readonly writes = new Map<string, WriteItem>();
  private readonly metadataWrites = new Map<string, MetadataWrite>();
  private readonly rangeReads: RangeRead[] = [];
  private readonly open = new Map<string, OpenQuery>();
  private nextQueryId = 0;
  private paginatedQueryDone = false;
  private failure: SimulationError | undefined;

  constructor(
    private readonly reader: StateReader,
    private readonly namespace: string,
    private readonly channel: string,
    private readonly txId: string,
  ) {}

  async handleGetState(collection: string, key: string): Promise<Buffer> {
    this.checkCollection(collection);
    this.checkKey(key);
    const entry = await this.reader.get(key);
    this.recordRead(key, entry?.version ?? null);
    return Buffer.from(entry?.value ?? EMPTY);
  }

  handlePutState(collection: string, key: string, value: Uint8Array): Promise<void> {
    this.checkWrite(collection, key);
    // As Fabric's rwset builder: an empty value is a delete.
    this.writes.set(
      key,
      value.length === 0
        ? { key, isDelete: true }
        : { key, value: toBase64(value), isDelete: false },
    );
    return Promise.resolve();
  }

  handleDeleteState(collection: string, key: string): Promise<void> {
    this.checkWrite(collection, key);
    this.writes.set(key, { key, isDelete: true });
    return Promise.resolve();
  }

  handlePutStateMetadata(
    collection: string,
    key: string,
    metakey: string,
    value: Uint8Array,
  ): Promise<void> {
    this.checkWrite(collection, key);
    if (metakey !== VALIDATION_PARAMETER)
      throw this.fail(`unsupported state metadata ${metakey}`, 'UNSUPPORTED_METADATA');
    this.metadataWrites.set(
      key,
      value.length === 0 ? { key } : { key, validationParameter: toBase64(value) },
    );
    return Promise.resolve();
  }

  async handleGetStateMetadata(
    collection: string,
    key: string,
  ): Promise<Record<string, Uint8Array>> {
    this.checkCollection(collection);
    this.checkKey(key);
    const entry = await this.reader.get(key);
    // Fabric records a read dependency on the key for metadata reads too.
    this.recordRead(key, entry?.version ?? null);
    return entry?.validationParameter ? { [VALIDATION_PARAMETER]: entry.validationParameter } : {};
  }

  async handleGetStateByRange(
    collection: string,
    startKey: string,
    endKey: string,
    _channel: string,
    _txId: string,
    metadata?: Uint8Array,
  ): Promise<{ iterator: object; metadata?: { bookmark: string; fetchedRecordsCount: number } }> {
    this.checkCollection(collection);
    const range: RangeRead = { startKey, endKey, reads: [], exhausted: false };
    this.rangeReads.push(range);
    if (!metadata) {
      const response = await this.startQuery(
        this.kvSource(this.reader.range(startKey, endKey), range),
        range,
      );
      return { iterator: new shim.StateQueryIterator(this, this.channel, this.txId, response) };
    }
    if (this.writes.size > 0 || this.metadataWrites.size > 0) {
      throw this.violation(
        'Transaction has already performed writes. Paginated queries are not allowed',
      );
    }
    this.paginatedQueryDone = true;
    const query = peer.QueryMetadata.deserializeBinary(metadata);
    const pageSize = query.getPagesize();
    const from = query.getBookmark() || startKey;
    // As Fabric's handler: a bookmark replaces the start key, so the recorded range (re-read at
    // validation) begins where this page did, not at keys earlier pages returned.
    range.startKey = from;
    if (pageSize <= 0) throw this.fail('pageSize must be greater than zero', 'INVALID_PAGE_SIZE');
    // A page is materialized whole, with one key of look-ahead for the next bookmark.
    const page: KeyedEntry[] = [];
    let bookmark = '';
    for await (const item of this.reader.range(from, endKey)) {
      if (page.length === pageSize) {
        bookmark = item.key;
        break;
      }
      page.push(item);
    }
    range.exhausted = bookmark === '';
    for (const item of page) range.reads.push({ key: item.key, version: item.entry.version });
    if (!range.exhausted && page.length > 0)
      range.endKey = (page[page.length - 1] as KeyedEntry).key;
    const response = new peer.QueryResponse();
    response.setResultsList(page.map((item) => this.resultBytes(this.kvBytes(item))));
    response.setHasMore(false);
    response.setId(String(this.nextQueryId++));
    const responseMetadata = new peer.QueryResponseMetadata();
    responseMetadata.setFetchedRecordsCount(page.length);
    responseMetadata.setBookmark(bookmark);
    const metadataBytes = responseMetadata.serializeBinary();
    response.setMetadata(metadataBytes);
    const iterator = new shim.StateQueryIterator(this, this.channel, this.txId, response);
    // As Fabric's shim: an empty page with no bookmark has metadata of no bytes, and the shim
    // then answers no metadata at all (contracts must not count on it).
    return metadataBytes.length === 0
      ? { iterator }
      : { iterator, metadata: { bookmark, fetchedRecordsCount: page.length } };
  }

  async handleGetHistoryForKey(key: string): Promise<object> {
    this.checkKey(key);
    const response = await this.startQuery(this.historySource(this.reader.history(key)));
    return new shim.HistoryQueryIterator(this, this.channel, this.txId, response);
  }

  async handleQueryStateNext(id: string): Promise<peer.QueryResponse> {
    const query = this.open.get(id);
    if (!query) throw this.fail(`query iterator ${id} is not open`, 'QUERY_NOT_OPEN');
    return this.nextBatch(id, query);
  }

  handleQueryStateClose(id: string): Promise<peer.QueryResponse> {
    const query = this.open.get(id);
    if (query) this.closeQuery(id, query);
    const response = new peer.QueryResponse();
    response.setId(id);
    return Promise.resolve(response);
  }

  handleGetQueryResult(): Promise<never> {
    // Same answer as a Fabric peer on LevelDB: rich queries need CouchDB.
    return Promise.reject(this.fail('ExecuteQuery not supported for leveldb', 'UNSUPPORTED_QUERY'));
  }

  handleInvokeChaincode(): Promise<never> {
    return Promise.reject(
      this.fail(
        'chaincode-to-chaincode calls are not supported by the embedded network',
        'UNSUPPORTED',
      ),
    );
  }

  /** Closes iterators the chaincode left open and returns the first protocol violation, if any. */
  finish(): SimulationError | undefined {
    for (const [id, query] of this.open) this.closeQuery(id, query);
    return this.failure;
  }

  /** The read-write set in Fabric's canonical order: reads, writes and metadata sorted by key. */
  rwset(): RwSet {
    const byKey = <T extends { key: string }>(items: Iterable<T>): T[] =>
      [...items].sort((a, b) => compareKeys(a.key, b.key));
    const reads: ReadItem[] = byKey([...this.reads].map(([key, version]) => ({ key, version })));
    return {
      reads,
      rangeReads: this.rangeReads,
      writes: byKey(this.writes.values()),
      metadataWrites: byKey(this.metadataWrites.values()),
    };
  }

  private async startQuery(
    source: AsyncIterator<Uint8Array>,
    range?: RangeRead,
  ): Promise<peer.QueryResponse> {
    const id = String(this.nextQueryId++);
    const query: OpenQuery = range ? { source, range } : { source };
    this.open.set(id, query);
    return this.nextBatch(id, query);
  }

  private async nextBatch(id: string, query: OpenQuery): Promise<peer.QueryResponse> {
    const results: peer.QueryResultBytes[] = [];
    let done = false;
    while (results.length < RESULTS_PER_BATCH) {
      const next = await query.source.next();
      if (next.done) {
        done = true;
        break;
      }
      results.push(this.resultBytes(next.value));
    }
    if (done) {
      if (query.range) query.range.exhausted = true;
      this.open.delete(id);
    }
    const response = new peer.QueryResponse();
    response.setResultsList(results);
    response.setHasMore(!done);
    response.setId(id);
    return response;
  }

  private closeQuery(id: string, query: OpenQuery): void {
    this.open.delete(id);
    // As Fabric: a range read that stopped early covers only up to the last key it read.
    const last = query.range?.reads[query.range.reads.length - 1];
    if (query.range && !query.range.exhausted && last) query.range.endKey = last.key;
    void query.source.return?.();
  }

  private async *kvSource(
    entries: AsyncIterable<KeyedEntry>,
    range: RangeRead,
  ): AsyncGenerator<Uint8Array> {
    for await (const item of entries) {
      range.reads.push({ key: item.key, version: item.entry.version });
      yield this.kvBytes(item);
    }
  }

  private async *historySource(entries: AsyncIterable<HistoryEntry>): AsyncGenerator<Uint8Array> {
    for await (const h of entries) {
      const mod = new ledger.queryresult.KeyModification();
      mod.setTxId(h.txId);
      mod.setValue(h.value);
      mod.setIsDelete(h.isDelete);
      mod.setTimestamp(timestampPb(h.timestamp));
      yield mod.serializeBinary();
    }
  }

  private kvBytes(item: KeyedEntry): Uint8Array {
    const kv = new ledger.queryresult.KV();
    kv.setNamespace(this.namespace);
    kv.setKey(item.key);
    kv.setValue(item.entry.value);
    return kv.serializeBinary();
  }

  private resultBytes(bytes: Uint8Array): peer.QueryResultBytes {
    const r = new peer.QueryResultBytes();
    r.setResultbytes(bytes);
    return r;
  }

  private recordRead(key: string, version: Version | null): void {
    // Fabric keeps the first version read: a later read in the same simulation sees the same state.
    if (!this.reads.has(key)) this.reads.set(key, version);
  }

  private checkWrite(collection: string, key: string): void {
    this.checkCollection(collection);
    this.checkKey(key);
    if (this.paginatedQueryDone) {
      throw this.violation(
        'Transaction has already performed a paginated query. Writes are not allowed',
      );
    }
  }

  private checkCollection(collection: string): void {
    if (collection !== '')
      throw this.fail(
        'private data collections are not supported by the embedded network',
        'UNSUPPORTED',
      );
  }

  private checkKey(key: string): void {
    if (typeof key !== 'string' || key === '')
      throw this.fail('key must not be an empty string', 'INVALID_KEY');
    // A lone surrogate has no UTF-8 form, so it could not be stored or ordered as Fabric does.
    if (!isUtf8Text(key))
      throw this.fail(`key ${JSON.stringify(key)} is not valid UTF-8`, 'INVALID_KEY');
  }

  /** An error the chaincode sees; it may catch it, as it may on Fabric. */
  private fail(message: string, code: string): SimulationError {
    return new SimulationError(message, code);
  }

  /** A violation Fabric reports when collecting the results, whatever the chaincode did with it. */
  private violation(message: string): SimulationError {
    const error = new SimulationError(message, 'UNSUPPORTED_TRANSACTION');
    this.failure ??= error;
    return error;
  }
}
