/**
 * Dataset versions end to end: stream an upload into the store (hashed while it arrives), anchor
 * its commitment on chain through the dataset contract, then enter the version in the anchor book
 * so its blob is served; open a version's content for a consumer after the usage contract records
 * the use (projected to the granted fields for tabular data); assemble proof bundles from the
 * ledger's transaction material.
 *
 * The anchor book (a level database) is this gateway's one record of where each version was
 * anchored: one blob can carry many versions (the same bytes anchored to several entries, or
 * again), so the anchoring transaction is kept per version, with a key per blob and version beside
 * it. The store is content-addressed and knows nothing of anchoring; the book decides what it may
 * serve (a blob some committed version covers) and what it must keep (the same). At start,
 * `reconcile` repairs what a crash between the ledger commit and the book write left behind:
 * versions on the ledger whose blob is complete but not in the book are entered, and blobs that no
 * version was anchored with are removed once older than a grace period.
 */
import { pipeline, Readable } from 'node:stream';
import { Level } from 'level';
import {
  datasetFormatOf,
  OWNER_REFUSALS,
  TX,
  type CatalogEntry,
  type DatasetVersion,
  type DigestAlgorithm,
  type OwnerRefusalCode,
  type Purpose,
  type UsageRecord,
  type UseCheck,
} from '@shulian/chaincode/constants';
import { canonicalJson, type Json } from '@shulian/chaincode/canonical';
import { fromStoreError, GatewayError, type AnyErrorCode } from '../errors.js';
import type { Caller, LedgerClient } from '../ledger/types.js';
import type { AnyProofBundle } from '@shulian/proof/bundle';
import { nodeHashes } from '@shulian/proof/node';
import {
  projectRecordProof,
  type RecordFormat,
  type SelectiveRecordProof,
} from '@shulian/proof/records';
import type { Indexed } from '../index/query-index.js';
import type { BlobInfo, DatasetStore } from '../store/dataset-store.js';
import type { Chaincode, Submitted } from './chaincode.js';
import { deliveredAs, measure, type Delivery } from './delivery.js';
import { pick, projectRecords, recordFormatOf } from './projection.js';
import { bundleFromMaterial } from './proofs.js';
import { formatCheck, type FormatCheck } from './upload-format.js';

export interface AnchorInput {
  catalogId: string;
  source: AsyncIterable<Uint8Array>;
  /** The upload's Content-Type; null when it gave none: the entry's declared format is meant. */
  mediaType: string | null;
  reason: string | null;
  algorithm: DigestAlgorithm;
  /** Anchor CSV / JSON Lines record by record (default: when the media type is tabular). */
  records?: boolean;
  maxBytes: number;
}

export interface ContentRequest {
  grantId: string | null;
  fields: string[] | null;
  purpose: Purpose | null;
}

/** A use as the gateway asks for it; the chaincode resolves the grant and fields. */
interface UseRequest {
  grantId: string | null;
  catalogId: string;
  datasetVersion: number;
  action: 'download' | 'prove' | 'query';
  recordIndex?: number;
  fields: string[] | null;
  purpose: Purpose | null;
  /** A query of one data subject's records (在线查询): the pseudonym and their authorisation. */
  subject?: string;
  authorisationId?: string;
}

/** 在线查询: one data subject's records of a version, under a grant and their authorisation. */
export interface SubjectQuery {
  catalogId: string;
  version: number;
  /** The column holding the subject identifier, and the identifier the consumer was given. */
  subjectField: string;
  identifier: string;
  /** The identifier's pseudonym, as the ledger knows the subject. */
  subject: string;
  authorisationId: string;
  fields: string[] | null;
  purpose: Purpose | null;
}

export interface SubjectRecord {
  /** The record's position in the version's record tree. */
  index: number;
  /** The record limited to the fields the use was allowed. */
  record: Record<string, Json>;
  /** Its record proof bundle, opening only the allowed fields. */
  proof: AnyProofBundle | null;
}

export interface SubjectRecords {
  usage: UsageRecord;
  tx: { txId: string; blockNumber: number };
  records: SubjectRecord[];
  /** `selective` when the use was limited to some fields: the others are commitments only. */
  proofs: 'whole' | 'selective';
}

export interface OpenedContent {
  usage: UsageRecord;
  /** Where the use was recorded. */
  tx: { txId: string; blockNumber: number };
  version: DatasetVersion;
  stream: Readable;
  mediaType: string;
  projected: boolean;
  /** Bytes and digest of what `stream` delivers, as recorded in `usage`. */
  delivery: Delivery;
}

/** A record proof issued as a use: the bundle's JSON text, exactly as its digest was recorded. */
export interface IssuedRecordProof {
  usage: UsageRecord;
  tx: { txId: string; blockNumber: number };
  text: string;
}

/**
 * What a department's gateway asks of another department's gateway for a version it does not
 * hold (gateway/src/exchange/client.ts): what a use would deliver, then, once the use is
 * committed, the bytes, checked whole against the recorded delivery before they are handed on.
 */
export interface RemoteProvider {
  quote(caller: Caller, owner: string, use: RemoteUse): Promise<Delivery>;
  fetch(
    caller: Caller,
    owner: string,
    use: RemoteUse & { usageId: string; blockNumber: number },
    delivery: Delivery,
  ): Promise<Readable>;
}

/** A use of another department's version, as the consumer's ledger check resolved it. */
export interface RemoteUse {
  catalogId: string;
  version: number;
  grantId: string | null;
  fields: string[];
  purpose: Purpose | null;
}

/** A version's bytes as the provider's gateway serves them to another department's gateway. */
export interface Served {
  version: DatasetVersion;
  stream: Readable;
  mediaType: string;
  projected: boolean;
  delivery: Delivery;
}

export interface Datasets {
  anchor(
    caller: Caller,
    input: AnchorInput,
  ): Promise<Submitted<DatasetVersion> & { blob: BlobInfo }>;
  /** Records the use on chain first; a refused use is recorded and thrown as its denial code. */
  open(
    caller: Caller,
    catalogId: string,
    version: number,
    request: ContentRequest,
  ): Promise<OpenedContent>;
  proof(caller: Caller, catalogId: string, version: number): Promise<AnyProofBundle>;
  /**
   * Provider side of an exchange: what a use of `fields` of a version held here delivers
   * (measured, nothing recorded); read as `reader`, this gateway's own department.
   */
  quote(
    reader: Caller,
    catalogId: string,
    version: number,
    fields: readonly string[],
  ): Promise<Omit<Served, 'stream'>>;
  /**
   * Provider side of an exchange: the bytes of a committed ALLOWED use, projected to its fields
   * and failing at the end unless they are exactly its recorded delivery. Each use is served
   * once (USE_ALREADY_DELIVERED after), so a delivery is never repeated under one record.
   */
  serve(reader: Caller, usage: UsageRecord): Promise<Served>;
  /**
   * Finds one subject's records by the subject column, checks the use (grant and the subject's
   * authorisation, action `query`), records it with the digest of the canonical JSON of the
   * records delivered, and answers only those records projected to the allowed fields.
   */
  subjectRecords(caller: Caller, query: SubjectQuery): Promise<SubjectRecords>;
  /** Checks and records the use (action `prove`) first, like `open`. */
  recordProof(
    caller: Caller,
    catalogId: string,
    version: number,
    index: number,
  ): Promise<IssuedRecordProof>;
  /**
   * Brings the anchor book and the store in line with the ledger's anchored versions (from the
   * index, caught up): enters every committed version whose blob is complete here, then removes
   * the blobs no version was anchored with once they are older than `graceMs`.
   */
  reconcile(
    versions: Iterable<Indexed<DatasetVersion>>,
    options: { graceMs: number; now: number },
  ): Promise<ReconcileReport>;
  /**
   * Hashes the blob of every given version this gateway anchored against its address and size;
   * one finding per damaged blob, naming the file and a version it serves.
   */
  verifyStore(versions: Iterable<Indexed<DatasetVersion>>): Promise<StoreFinding[]>;
  close(): Promise<void>;
}

export interface StoreFinding {
  version: string;
  blockNumber: number;
  file: string;
  reason: string;
}

export interface ReconcileReport {
  /** Version ids on the ledger, with their blob here, that the anchor book lacked and now has. */
  recorded: string[];
  /** Version ids on the ledger whose bytes this gateway does not hold. */
  absent: string[];
  /** Addresses of never-anchored blobs removed. */
  removed: string[];
}

/** Maps the store's SHA-256 address to and from an anchored digest of any algorithm (SM3). */
const addressKey = (algorithm: string, value: string): string => `${algorithm}:${value}`;
/** The anchoring transaction of one version: `anchor:<version id>` → {txId, sha256}. */
const anchorKey = (versionId: string): string => `anchor:${versionId}`;
/**
 * A blob a version was anchored with: `blob:<sha256>:<version id>` → txId, written in the same
 * batch as the version's anchor record, so the blob's versions are found by its address.
 */
const blobPrefix = (sha256: string): string => `blob:${sha256}:`;
const blobKey = (sha256: string, versionId: string): string => blobPrefix(sha256) + versionId;
/** A use whose bytes this gateway delivered to another department's gateway. */
const deliveredKey = (usageId: string): string => `delivered:${usageId}`;
interface AnchorRecord {
  txId: string;
  sha256: string;
}

/**
 * What the chaincode would refuse after the whole upload, checked before its first byte is read:
 * a 500 MB upload by the wrong department, to a retired entry, or without the reason a new
 * version needs, is answered at once instead of after it has been stored. The chaincode still
 * decides; these are the same rules read from the ledger first.
 */
async function refuseBeforeReading(
  chaincode: Chaincode,
  caller: Caller,
  entry: CatalogEntry,
  reason: string | null,
): Promise<void> {
  if (entry.owner !== caller.department)
    throw new GatewayError('NOT_OWNER', `only ${entry.owner} anchors versions of ${entry.id}`);
  if (entry.status === 'retired')
    throw new GatewayError('CATALOG_RETIRED', `catalog entry ${entry.id} is retired`);
  if (reason !== null) return;
  try {
    await chaincode.evaluate<DatasetVersion>(caller, TX.dataset.GetLatestVersion, [entry.id]);
  } catch (err) {
    if ((err as { code?: string }).code === 'DATASET_VERSION_NOT_FOUND') return;
    throw err;
  }
  throw new GatewayError(
    'REASON_REQUIRED',
    `reason is required for a new version of ${entry.id} (for example which objection it corrects)`,
  );
}

/** What the datasets service is made of. */
interface DatasetDeps {
  chaincode: Chaincode;
  ledger: LedgerClient;
  store: DatasetStore;
  /** gateway-local database of digest -> store address */
  addressBook: string;
  /** 32 random bytes kept by the gateway; record salts derive from it, so proofs can be re-issued */
  recordSecret: Uint8Array;
  /**
   * Department mode: this gateway's department, and the other departments' gateways its users'
   * downloads of their versions are fetched from. Without it every version is served from this
   * gateway's own store (one gateway for every department, the embedded engine's way).
   */
  remote?: { home: string; provider: RemoteProvider };
}

/**
 * The gateway's anchor book (a local level database): where each version's bytes are in the
 * store and by which transaction they were anchored, which versions each blob was anchored with,
 * addresses of versions hashed with another algorithm than SHA-256, and which uses were delivered.
 * It guards the store: only blobs it names are served, and those are never removed.
 */
function anchorBook(deps: DatasetDeps, addresses: Level<string, string>) {
  const { store } = deps;
  async function addressOf(v: DatasetVersion): Promise<string> {
    if (v.digest.algorithm === 'sha256') return v.digest.value;
    try {
      return await addresses.get(addressKey(v.digest.algorithm, v.digest.value));
    } catch {
      throw new GatewayError('BLOB_NOT_FOUND', `this gateway holds no content for ${v.id}`);
    }
  }

  async function read(key: string): Promise<string | undefined> {
    try {
      return await addresses.get(key);
    } catch (err) {
      if ((err as { code?: string }).code !== 'LEVEL_NOT_FOUND') throw err;
      return undefined;
    }
  }

  async function anchorRecord(versionId: string): Promise<AnchorRecord | undefined> {
    const record = await read(anchorKey(versionId));
    return record === undefined ? undefined : (JSON.parse(record) as AnchorRecord);
  }

  /** Whether this version's anchoring with this blob is in the book. */
  const booked = async (versionId: string, sha256: string): Promise<boolean> =>
    (await read(blobKey(sha256, versionId))) !== undefined;

  /** Whether any version was anchored with this blob (a committed anchoring covers its bytes). */
  async function anchoredBlob(sha256: string): Promise<boolean> {
    const prefix = blobPrefix(sha256);
    const keys = await addresses.keys({ gte: prefix, lt: `${prefix}\uffff`, limit: 1 }).all();
    return keys.length > 0;
  }

  /**
   * The bytes of a blob (optionally a range), only when a version was anchored with it: an upload
   * whose anchoring failed or is still under way is never served.
   */
  async function openAnchored(
    sha256: string,
    range?: { start?: number; end?: number },
  ): Promise<Readable> {
    if (!(await anchoredBlob(sha256)))
      throw new GatewayError('BLOB_NOT_FOUND', `blob ${sha256} is not anchored`);
    try {
      return await store.get(sha256, range);
    } catch (err) {
      throw fromStoreError(err);
    }
  }

  /** Deletes a blob no version was anchored with; false (and kept) when one was. */
  async function removeUnanchored(sha256: string): Promise<boolean> {
    if (await anchoredBlob(sha256)) return false;
    await store.remove(sha256);
    return true;
  }

  /** Marks a use delivered (`delivered:<usage id>` in the anchor book); false when it already was. */
  let claiming = Promise.resolve();
  function claimDelivery(usageId: string): Promise<boolean> {
    const claim = claiming.then(async () => {
      if ((await addresses.get(deliveredKey(usageId)).catch(() => undefined)) !== undefined)
        return false;
      await addresses.put(deliveredKey(usageId), new Date().toISOString(), { sync: true });
      return true;
    });
    claiming = claim.then(
      () => undefined,
      () => undefined,
    );
    return claim;
  }

  /** The version's own anchoring transaction, from the anchor book. */
  async function anchoredTx(v: DatasetVersion): Promise<AnchorRecord> {
    const record = await anchorRecord(v.id);
    if (!record || !(await store.has(record.sha256)))
      throw new GatewayError(
        'BLOB_NOT_FOUND',
        `no anchored content for ${v.id} in this gateway's store`,
      );
    return record;
  }

  /**
   * Records where a version was anchored: its record, its blob's key and its digest's address in
   * one synced batch, the commit point after which the blob is served and kept. A crash before it
   * (the version committed on the ledger, the book without it) is repaired by `reconcile`.
   */
  async function recordAnchor(versionId: string, blob: BlobInfo, txId: string): Promise<void> {
    const { digest } = blob.commitment;
    await addresses.batch(
      [
        {
          type: 'put',
          key: anchorKey(versionId),
          value: JSON.stringify({ txId, sha256: blob.sha256 }),
        },
        { type: 'put', key: blobKey(blob.sha256, versionId), value: txId },
        ...(digest.algorithm === 'sha256'
          ? []
          : [
              {
                type: 'put' as const,
                key: addressKey(digest.algorithm, digest.value),
                value: blob.sha256,
              },
            ]),
      ],
      { sync: true },
    );
  }
  return {
    addressOf,
    anchorRecord,
    booked,
    openAnchored,
    removeUnanchored,
    claimDelivery,
    anchoredTx,
    recordAnchor,
  };
}
type AnchorBook = ReturnType<typeof anchorBook>;

/** Reading versions and entries, checking and recording uses, and planning deliveries. */
function useSteps(deps: DatasetDeps, book: AnchorBook) {
  const { chaincode } = deps;
  const { addressOf, openAnchored } = book;
  const getVersion = (caller: Caller, catalogId: string, version: number) =>
    chaincode.evaluate<DatasetVersion>(caller, TX.dataset.GetVersion, [catalogId, String(version)]);

  const projected = (source: Readable, format: RecordFormat, fields: readonly string[]): Readable =>
    pipeline(source, projectRecords(format, fields), () => undefined);

  /**
   * How `fields` of a version are delivered from this store: every field is the anchored bytes
   * themselves (which verify against the file proof), fewer are a projection; measured before any
   * use is recorded, opened (existence and size checked) before it too, so a missing or truncated
   * blob is refused without an ALLOWED use on the ledger for bytes nobody can receive.
   */
  async function plan(version: DatasetVersion, entry: CatalogEntry, fields: readonly string[]) {
    const sha256 = await addressOf(version);
    const format = entry.fields.every((f) => fields.includes(f.name))
      ? null
      : recordFormatOf(version.mediaType);
    let source = await openAnchored(sha256);
    let delivery: Delivery = { bytes: version.size, digest: version.digest };
    if (format) {
      delivery = await measure(projected(source, format, fields), version.digest.algorithm);
      source = await openAnchored(sha256);
    }
    return { format, source, delivery };
  }

  /** The delivered stream: a projection is checked against its measure as it goes out. */
  const deliveryStream = (
    source: Readable,
    format: RecordFormat | null,
    fields: readonly string[],
    delivery: Delivery,
  ): Readable =>
    // pipeline, not pipe: a damaged blob's error must end the projected stream too.
    format
      ? pipeline(projected(source, format, fields), deliveredAs(delivery), () => undefined)
      : source;

  const getEntry = (caller: Caller, catalogId: string) =>
    chaincode.evaluate<CatalogEntry>(caller, TX.catalog.GetEntry, [catalogId]);

  /** Another department's version on a department's own gateway: its gateway has the bytes. */
  const heldElsewhere = (entry: CatalogEntry): boolean =>
    deps.remote !== undefined && entry.owner !== deps.remote.home;

  /** May this caller use this now, and which grant and fields would the use be under? */
  const checkUse = (caller: Caller, use: UseRequest): Promise<UseCheck> =>
    chaincode.evaluate<UseCheck>(caller, TX.usage.CheckUse, [
      { ...use, bytes: null, deliveredDigest: null },
    ]);

  /**
   * Records the use with the grant and fields the check resolved (so what was measured is what is
   * judged) and what will be delivered; a refusal is recorded, then thrown as its denial code.
   */
  async function recordUse(
    caller: Caller,
    use: UseRequest,
    check: UseCheck,
    delivery: Delivery | null,
  ): Promise<Submitted<UsageRecord>> {
    const recorded = await chaincode.submit<UsageRecord>(caller, TX.usage.RecordUse, [
      {
        ...use,
        ...(check.allowed ? { grantId: check.grantId, fields: check.fields } : {}),
        bytes: delivery?.bytes ?? 0,
        deliveredDigest: delivery?.digest ?? null,
      },
    ]);
    const usage = recorded.value;
    if (usage.outcome === 'DENIED') {
      throw new GatewayError(
        usage.denialCode ?? 'FORBIDDEN',
        usage.denialMessage ?? 'use refused',
        {
          details: {
            usageId: usage.id,
            txId: recorded.txId,
            blockNumber: recorded.blockNumber,
            recorded: true,
          },
          status: 403,
        },
      );
    }
    return recorded;
  }

  /**
   * The owner's gateway refused a committed use because the grant changed since (revoked,
   * expired): the refusal is recorded too, as the ledger now judges the same use (DENIED with its
   * reason, as a local download would have been), and answered naming the undelivered use.
   */
  async function refusedByOwner(
    caller: Caller,
    use: UseRequest,
    err: unknown,
    usage: UsageRecord,
    tx: { txId: string; blockNumber: number },
  ): Promise<GatewayError> {
    if (!(err instanceof GatewayError) || err.statusCode !== 403) return withUse(err, usage, tx);
    const again = await checkUse(caller, use);
    if (again.allowed) return withUse(err, usage, tx);
    try {
      await recordUse(caller, use, again, null);
    } catch (denied) {
      if (denied instanceof GatewayError) {
        const details = denied.details as Record<string, unknown>;
        return new GatewayError(denied.code as AnyErrorCode, denied.message, {
          status: denied.statusCode,
          details: { ...details, undelivered: usage.id },
        });
      }
      throw denied;
    }
    return withUse(err, usage, tx);
  }

  /**
   * The owner's gateway refused the quote (its clock put the signed request outside its window,
   * its reading of the grant, its checks of the signature): the use is recorded DENIED on its word,
   * as every refused use is recorded, so a supervisor sees it in the trail; the answer is the
   * owner's refusal naming the recorded use. An owner that cannot be reached, or that failed
   * rather than refused, refused nothing: nothing is recorded then, and the error is answered.
   */
  async function refusedQuote(
    caller: Caller,
    use: UseRequest,
    check: UseCheck,
    err: unknown,
  ): Promise<unknown> {
    const refusal = ownerRefusalOf(err);
    if (!refusal) return err;
    const recorded = await chaincode.submit<UsageRecord>(caller, TX.usage.RecordUse, [
      {
        ...use,
        grantId: check.grantId,
        fields: check.fields,
        bytes: 0,
        deliveredDigest: null,
        ownerRefusal: refusal,
      },
    ]);
    const usage = recorded.value;
    const tx = { txId: recorded.txId, blockNumber: recorded.blockNumber };
    const named = { usageId: usage.id, ...tx, recorded: true };
    // The ledger's own refusal, when it found one meanwhile, is answered as a local download's.
    if (usage.outcome === 'DENIED' && usage.denialCode !== refusal.code)
      return new GatewayError(
        usage.denialCode ?? 'FORBIDDEN',
        usage.denialMessage ?? 'use refused',
        { details: named, status: 403 },
      );
    const refused = err as GatewayError;
    return new GatewayError(refused.code as AnyErrorCode, refused.message, {
      cause: err,
      status: refused.statusCode,
      details: { ...(refused.details as Record<string, unknown>), ...named },
    });
  }
  return {
    getVersion,
    plan,
    deliveryStream,
    getEntry,
    heldElsewhere,
    checkUse,
    recordUse,
    refusedByOwner,
    refusedQuote,
  };
}
type UseSteps = ReturnType<typeof useSteps>;

/** An owner gateway's answer to a quote that is a refusal of the use, as the ledger records it. */
function ownerRefusalOf(err: unknown): { code: OwnerRefusalCode; message: string } | null {
  if (!(err instanceof GatewayError)) return null;
  const details = (err.details ?? {}) as { code?: unknown; status?: unknown; message?: unknown };
  // Another gateway's words, as the ledger takes a reason: no control characters, not empty,
  // at most 2,048 characters with the ledger's prefix.
  const said = (typeof details.message === 'string' ? details.message : '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ')
    .trim();
  const words = (text: string): string => text.slice(0, 1800);
  // The grant as the owner's gateway read it (exchange/client.ts answers these as its own).
  if (err.code !== 'PROVIDER_REFUSED')
    return (OWNER_REFUSALS as readonly string[]).includes(err.code)
      ? { code: err.code as OwnerRefusalCode, message: words(said || err.code) }
      : null;
  // Anything else it refused (401 signature, window or MSP, 403, 409 replay), with its code; a
  // failure on its side (404, 5xx) or a rate limit is not a refusal of this use.
  if (![401, 403, 409].includes(Number(details.status))) return null;
  const code = typeof details.code === 'string' ? details.code : `HTTP_${String(details.status)}`;
  return { code: 'PROVIDER_REFUSED', message: words(said ? `${code}: ${said}` : code) };
}

/** Anchoring: an upload checked, stored, committed on the ledger and entered in the book. */
function anchorMethods(deps: DatasetDeps, book: AnchorBook): Pick<Datasets, 'anchor'> {
  const { chaincode, store } = deps;
  const { recordAnchor } = book;
  return {
    async anchor(caller, input) {
      const entry = await chaincode.evaluate<CatalogEntry>(caller, TX.catalog.GetEntry, [
        input.catalogId,
      ]);
      await refuseBeforeReading(chaincode, caller, entry, input.reason);
      // Every version is of its entry's declared format (the ledger refuses another too): an
      // upload that says it is something else is refused before its first byte is read.
      if (input.mediaType !== null && datasetFormatOf(input.mediaType) !== entry.format)
        throw new GatewayError(
          'MEDIA_TYPE_MISMATCH',
          `${entry.id} declares ${entry.format}; the upload is ${input.mediaType}`,
          { details: { declared: entry.format } },
        );
      const mediaType = entry.format;
      const format = recordFormatOf(mediaType);
      const byRecord = input.records ?? format !== null;
      if (byRecord && format === null) {
        throw new GatewayError(
          'UNSUPPORTED_MEDIA_TYPE',
          `record-by-record anchoring needs text/csv or application/x-ndjson; ${entry.id} declares ${mediaType}`,
        );
      }
      const check = formatCheck(mediaType, byRecord);
      let blob: BlobInfo;
      try {
        // One gateway secret salts every record leaf (per record index); it never leaves the
        // gateway, and proofs are re-issued from it and the stored leaves.
        blob = await store.put(check ? checked(input.source, check) : input.source, {
          algorithm: input.algorithm,
          maxBytes: input.maxBytes,
          ...(byRecord && format ? { records: { format, secret: deps.recordSecret } } : {}),
        });
      } catch (err) {
        throw fromStoreError(err);
      }
      if (blob.commitment.size === 0) throw new GatewayError('EMPTY_UPLOAD', 'the upload is empty');
      const s = await chaincode.submit<DatasetVersion>(caller, TX.dataset.AnchorVersion, [
        {
          catalogId: input.catalogId,
          digest: blob.commitment.digest,
          chunkRoot: blob.commitment.chunkRoot,
          chunkSize: blob.commitment.chunkSize,
          size: blob.commitment.size,
          mediaType,
          recordRoot: blob.records?.root ?? null,
          recordCount: blob.records?.count ?? null,
          reason: input.reason,
        },
      ]);
      await recordAnchor(s.value.id, blob, s.txId);
      return { ...s, blob };
    },
  };
}

/** Downloads (a use, here or through the owner's gateway), and what this gateway delivers to others. */
function deliveryMethods(
  deps: DatasetDeps,
  book: AnchorBook,
  uses: UseSteps,
): Pick<Datasets, 'open' | 'quote' | 'serve'> {
  const { addressOf, openAnchored, claimDelivery } = book;
  const {
    getVersion,
    plan,
    deliveryStream,
    getEntry,
    heldElsewhere,
    checkUse,
    recordUse,
    refusedByOwner,
    refusedQuote,
  } = uses;
  return {
    async open(caller, catalogId, versionNumber, request) {
      const [version, entry] = await Promise.all([
        getVersion(caller, catalogId, versionNumber),
        getEntry(caller, catalogId),
      ]);
      const use = {
        grantId: request.grantId,
        catalogId,
        datasetVersion: versionNumber,
        action: 'download' as const,
        fields: request.fields,
        purpose: request.purpose,
      };
      const check = await checkUse(caller, use);
      const remote = heldElsewhere(entry) ? deps.remote : undefined;
      let delivery: Delivery | null = null;
      let format: RecordFormat | null = null;
      let source: Readable | null = null;
      if (check.allowed && remote) {
        // The owner's gateway measures what it will deliver; unreachable, nothing is recorded, and
        // a refusal is recorded DENIED on its word.
        try {
          delivery = await remote.provider.quote(caller, entry.owner, remoteUse(use, check));
        } catch (err) {
          throw await refusedQuote(caller, use, check, err);
        }
        format = recordFormatOf(version.mediaType);
      } else if (check.allowed)
        ({ format, source, delivery } = await plan(version, entry, check.fields));
      let recorded: Submitted<UsageRecord>;
      try {
        recorded = await recordUse(caller, use, check, delivery);
      } catch (err) {
        source?.destroy();
        throw err;
      }
      const usage = recorded.value;
      const tx = { txId: recorded.txId, blockNumber: recorded.blockNumber };
      if (!delivery) throw changedMeanwhile(usage, tx);
      const projectedHere =
        format !== null && !entry.fields.every((f) => usage.fields.includes(f.name));
      if (remote) {
        try {
          // Whole and checked against the recorded delivery before a byte is handed on.
          source = await remote.provider.fetch(
            caller,
            entry.owner,
            { ...remoteUse(use, check), usageId: usage.id, blockNumber: recorded.blockNumber },
            delivery,
          );
        } catch (err) {
          throw await refusedByOwner(caller, use, err, usage, tx);
        }
        return {
          usage,
          tx,
          version,
          stream: source,
          mediaType: version.mediaType,
          projected: projectedHere,
          delivery,
        };
      }
      if (!source) throw changedMeanwhile(usage, tx);
      return {
        usage,
        tx,
        version,
        stream: deliveryStream(source, format, usage.fields, delivery),
        mediaType: version.mediaType,
        projected: format !== null,
        delivery,
      };
    },

    async quote(reader, catalogId, versionNumber, fields) {
      const [version, entry] = await Promise.all([
        getVersion(reader, catalogId, versionNumber),
        getEntry(reader, catalogId),
      ]);
      const { format, source, delivery } = await plan(version, entry, fields);
      source.destroy();
      return { version, mediaType: version.mediaType, projected: format !== null, delivery };
    },

    async serve(reader, usage) {
      if (usage.datasetVersion === null)
        throw new GatewayError('BAD_REQUEST', `use ${usage.id} names no dataset version`);
      const [version, entry] = await Promise.all([
        getVersion(reader, usage.catalogId, usage.datasetVersion),
        getEntry(reader, usage.catalogId),
      ]);
      if (usage.deliveredDigest === null || usage.bytes === null)
        throw new GatewayError('BAD_REQUEST', `use ${usage.id} recorded no delivery`);
      const delivery = { bytes: usage.bytes, digest: usage.deliveredDigest };
      const sha256 = await addressOf(version);
      const format = entry.fields.every((f) => usage.fields.includes(f.name))
        ? null
        : recordFormatOf(version.mediaType);
      if (
        format === null &&
        (delivery.bytes !== version.size || delivery.digest.value !== version.digest.value)
      )
        throw new GatewayError(
          'DIGEST_MISMATCH',
          `use ${usage.id} recorded a delivery other than ${version.id}'s anchored bytes`,
        );
      const source = await openAnchored(sha256);
      // Claimed before the first byte: a use delivers once, also when two requests race for it.
      if (!(await claimDelivery(usage.id))) {
        source.destroy();
        throw new GatewayError(
          'USE_ALREADY_DELIVERED',
          `use ${usage.id} was already delivered; a new download is a new use`,
        );
      }
      return {
        version,
        stream: deliveryStream(source, format, usage.fields, delivery),
        mediaType: version.mediaType,
        projected: format !== null,
        delivery,
      };
    },
  };
}

/** Proofs: of a file, of a record (a use), and a subject's records with theirs (a use). */
function proofMethods(
  deps: DatasetDeps,
  book: AnchorBook,
  uses: UseSteps,
): Pick<Datasets, 'proof' | 'subjectRecords' | 'recordProof'> {
  const { chaincode, ledger, store } = deps;
  const { anchoredTx, openAnchored } = book;
  const { getVersion, checkUse, recordUse } = uses;
  return {
    async proof(caller, catalogId, versionNumber) {
      const version = await getVersion(caller, catalogId, versionNumber);
      const { txId } = await anchoredTx(version);
      const material = await ledger.getTransactionProof(txId);
      return bundleFromMaterial(material, version, {
        kind: 'file',
        digest: version.digest,
        size: version.size,
      });
    },

    async subjectRecords(caller, query) {
      const version = await getVersion(caller, query.catalogId, query.version);
      const format = recordFormatOf(version.mediaType);
      if (format === null || version.recordCount === null) {
        throw new GatewayError(
          'VALIDATION_FAILED',
          `${version.id} was not anchored record by record, so no subject's records can be found in it`,
        );
      }
      const use: UseRequest = {
        grantId: null,
        catalogId: query.catalogId,
        datasetVersion: query.version,
        action: 'query',
        fields: query.fields,
        purpose: query.purpose,
        subject: query.subject,
        authorisationId: query.authorisationId,
      };
      const check = await checkUse(caller, use);
      let records: SubjectRecord[] = [];
      let whole = false;
      let delivery: Delivery | null = null;
      if (check.allowed) {
        const { sha256, txId } = await anchoredTx(version);
        let found: { index: number; record: Record<string, Json> }[];
        try {
          // Refuses a missing or damaged file before looking, as a download would.
          (await openAnchored(sha256, { start: 0, end: 0 })).destroy();
          found = await store.recordsWhere(sha256, query.subjectField, query.identifier);
        } catch (err) {
          throw fromStoreError(err);
        }
        whole = found.every(({ record }) =>
          Object.keys(record).every((field) => check.fields.includes(field)),
        );
        const material = found.length > 0 ? await ledger.getTransactionProof(txId) : null;
        records = [];
        for (const { index, record } of found) {
          let issued: SelectiveRecordProof;
          try {
            issued = await store.recordProof(sha256, index, deps.recordSecret);
          } catch (err) {
            throw fromStoreError(err);
          }
          // Fields outside the use go out as commitments only (selective disclosure).
          if (!whole)
            issued = projectRecordProof(nodeHashes[issued.algorithm], issued, check.fields);
          const proof = material
            ? bundleFromMaterial(material, version, { kind: 'record', proof: issued })
            : null;
          records.push({ index, record: pick(record, check.fields), proof });
        }
        delivery = await measure(Readable.from([canonicalJson(records)]), 'sha256');
      }
      const recorded = await recordUse(caller, use, check, delivery);
      const tx = { txId: recorded.txId, blockNumber: recorded.blockNumber };
      if (!check.allowed) throw changedMeanwhile(recorded.value, tx);
      return { usage: recorded.value, tx, records, proofs: whole ? 'whole' : 'selective' };
    },

    async recordProof(caller, catalogId, versionNumber, index) {
      const [version, entry] = await Promise.all([
        getVersion(caller, catalogId, versionNumber),
        chaincode.evaluate<CatalogEntry>(caller, TX.catalog.GetEntry, [catalogId]),
      ]);
      if (version.recordRoot === null || version.recordCount === null) {
        // No record of it is on the ledger: the same answer as an index past the last record.
        throw new GatewayError(
          'RECORD_NOT_FOUND',
          `${version.id} was not anchored record by record: it has no record proofs`,
        );
      }
      if (index >= version.recordCount) {
        throw new GatewayError(
          'RECORD_NOT_FOUND',
          `${version.id} has ${version.recordCount} records; no record ${index}`,
        );
      }
      // A record proof discloses the record: it is a use, checked and recorded like a download.
      const use = {
        grantId: null,
        catalogId,
        datasetVersion: versionNumber,
        action: 'prove' as const,
        recordIndex: index,
        fields: null,
        purpose: null,
      };
      const check = await checkUse(caller, use);
      let text: string | null = null;
      let delivery: Delivery | null = null;
      if (check.allowed) {
        const { txId, sha256 } = await anchoredTx(version);
        let proof: SelectiveRecordProof;
        try {
          proof = await store.recordProof(sha256, index, deps.recordSecret);
        } catch (err) {
          throw fromStoreError(err);
        }
        // Fields outside the grant go out as their commitments only: the proof still verifies
        // against the anchored root and discloses nothing else (selective disclosure).
        if (!entry.fields.every((f) => check.fields.includes(f.name)))
          proof = projectRecordProof(nodeHashes[proof.algorithm], proof, check.fields);
        const material = await ledger.getTransactionProof(txId);
        text = JSON.stringify(bundleFromMaterial(material, version, { kind: 'record', proof }));
        delivery = await measure(Readable.from([Buffer.from(text)]), 'sha256');
      }
      const recorded = await recordUse(caller, use, check, delivery);
      const tx = { txId: recorded.txId, blockNumber: recorded.blockNumber };
      if (text === null) throw changedMeanwhile(recorded.value, tx);
      return { usage: recorded.value, tx, text };
    },
  };
}

/** The store against the ledger: anchors reconciled after a crash, blobs checked. */
function storeMethods(
  deps: DatasetDeps,
  book: AnchorBook,
): Pick<Datasets, 'reconcile' | 'verifyStore'> {
  const { store } = deps;
  const { anchorRecord, booked, recordAnchor, removeUnanchored } = book;
  return {
    async reconcile(versions, { graceMs, now }) {
      const report: ReconcileReport = { recorded: [], absent: [], removed: [] };
      // Every complete blob by its committed digest, for versions anchored in any algorithm.
      const blobs = new Map<string, BlobInfo & { storedAt: number }>();
      for await (const blob of store.list())
        blobs.set(addressKey(blob.commitment.digest.algorithm, blob.commitment.digest.value), blob);
      // Every committed version whose blob is here is entered in the book before anything is
      // removed, so a blob anchored on chain whose book write a crash lost is kept. This also
      // carries over a data directory of an earlier gateway: its book has the versions' records
      // but no blob keys (its store's anchored/ files stood for them), and each version whose
      // blob is here is entered again with its key. A book record is only ever written after the
      // ledger committed its version, so no blob it names is missed here.
      for (const v of versions) {
        const blob = blobs.get(addressKey(v.digest.algorithm, v.digest.value));
        if (!blob || blob.commitment.size !== v.size || blob.commitment.chunkRoot !== v.chunkRoot) {
          report.absent.push(v.id);
          continue;
        }
        if (await booked(v.id, blob.sha256)) continue;
        await recordAnchor(v.id, blob, v.txId);
        report.recorded.push(v.id);
      }
      for (const blob of blobs.values()) {
        // A young blob may be an upload whose anchoring is still under way.
        if (now - blob.storedAt < graceMs) continue;
        if (await removeUnanchored(blob.sha256)) report.removed.push(blob.sha256);
      }
      return report;
    },

    async verifyStore(versions) {
      const findings: StoreFinding[] = [];
      const checked = new Set<string>();
      for (const v of versions) {
        const record = await anchorRecord(v.id);
        // Versions anchored through another gateway have no bytes here to check.
        if (!record || checked.has(record.sha256)) continue;
        checked.add(record.sha256);
        const damage = await store.check(record.sha256);
        if (damage)
          findings.push({
            version: v.id,
            blockNumber: v.blockNumber,
            file: damage.file,
            reason: damage.message,
          });
      }
      return findings;
    },
  };
}

export async function createDatasets(deps: DatasetDeps): Promise<Datasets> {
  const addresses = new Level<string, string>(deps.addressBook, { valueEncoding: 'utf8' });
  await addresses.open();
  const book = anchorBook(deps, addresses);
  const uses = useSteps(deps, book);
  return {
    ...anchorMethods(deps, book),
    ...deliveryMethods(deps, book, uses),
    ...proofMethods(deps, book, uses),
    ...storeMethods(deps, book),
    close: () => addresses.close(),
  };
}

/** The upload's bytes, passed on as they arrive after the declared format's check saw them. */
async function* checked(
  source: AsyncIterable<Uint8Array>,
  check: FormatCheck,
): AsyncIterable<Uint8Array> {
  for await (const bytes of source) {
    check.update(bytes);
    yield bytes;
  }
  check.finish();
}

/** The use another department's gateway is asked for: what the ledger's check resolved. */
function remoteUse(
  use: { catalogId: string; datasetVersion: number; purpose: Purpose | null },
  check: UseCheck,
): RemoteUse {
  return {
    catalogId: use.catalogId,
    version: use.datasetVersion,
    grantId: check.grantId,
    fields: check.fields,
    purpose: use.purpose,
  };
}

/** A failed fetch after the use was recorded: the answer names the use it leaves undelivered. */
function withUse(
  err: unknown,
  usage: UsageRecord,
  tx: { txId: string; blockNumber: number },
): GatewayError {
  const e =
    err instanceof GatewayError
      ? err
      : new GatewayError('INTERNAL', 'the delivery failed', { cause: err });
  const details =
    e.details !== null && typeof e.details === 'object'
      ? (e.details as Record<string, unknown>)
      : {};
  return new GatewayError(e.code as AnyErrorCode, e.message, {
    cause: e,
    status: e.statusCode,
    details: { ...details, usageId: usage.id, ...tx, recorded: true, delivered: false },
  });
}

/** Allowed on chain although the check just before refused: recorded as nothing delivered. */
function changedMeanwhile(
  usage: UsageRecord,
  tx: { txId: string; blockNumber: number },
): GatewayError {
  return new GatewayError('CONFLICT', 'the grant changed while the use was checked; try again', {
    details: { usageId: usage.id, ...tx, recorded: true },
  });
}
