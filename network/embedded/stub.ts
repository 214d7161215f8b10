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

function buildProposalPb(
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

/**
 * Builds the SignedProposal protobuf a Fabric client would send for this proposal, because
 * ChaincodeStub derives the creator, timestamp, transient map and binding from it.
 */
export function signedProposalPb(
  proposal: Proposal,
  clientSignature: string,
  transient: Record<string, Uint8Array>,
): { input: peer.ChaincodeInput; signed: peer.SignedProposal } {
  const input = new peer.ChaincodeInput();
  input.setArgsList([utf8(proposal.fcn), ...proposal.args.map(utf8)]);
  const shared = proposal.transientKeys.length === 0 && isSealed(proposal);
  let bytes = shared ? proposalPbBytes.get(proposal) : undefined;
  if (!bytes) {
    bytes = buildProposalPb(proposal, input, transient);
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
