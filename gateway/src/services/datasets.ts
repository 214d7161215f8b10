/**
 * Dataset versions end to end: stream an upload into the store (hashed while it arrives), anchor
 * its commitment on chain through the dataset contract, then mark the blob anchored so the store
 * serves it; open a version's content for a consumer after the usage contract records the use
 * (projected to the granted fields for tabular data); assemble proof bundles from the ledger's
 * transaction material.
 *
 * One blob can carry many versions (the same bytes anchored to several entries, or again), so the
 * anchoring transaction is kept per version, in the gateway's anchor book (a level database), not
 * per blob. At start, `reconcile` repairs what a crash between the ledger commit and the store's
 * bookkeeping left behind: versions on the ledger whose blob is complete but not marked are marked,
 * and blobs that no version anchors are removed once older than a grace period.
 */
import { pipeline, Readable } from 'node:stream';
import { Level } from 'level';
import {
  datasetFormatOf,
  TX,
  type CatalogEntry,
  type DatasetVersion,
  type DigestAlgorithm,
  type Purpose,
  type UsageRecord,
  type UseCheck,
} from '@shulian/chaincode/constants';
import { canonicalJson, type Json } from '@shulian/chaincode/canonical';
import { fromStoreError, GatewayError } from '../errors.js';
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
   * Brings the store and the anchor book in line with the ledger's anchored versions (from the
   * index, caught up): marks complete blobs of committed versions, records their transactions,
   * and removes blobs no version anchors once they are older than `graceMs`.
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
  /** Version ids whose blob was marked anchored or whose transaction was recorded. */
  marked: string[];
  /** Version ids on the ledger whose bytes this gateway does not hold. */
  absent: string[];
  /** Addresses of never-anchored blobs removed. */
  removed: string[];
}

/** Maps the store's SHA-256 address to and from an anchored digest of any algorithm (SM3). */
const addressKey = (algorithm: string, value: string): string => `${algorithm}:${value}`;
/** The anchoring transaction of one version: `anchor:<version id>` → {txId, sha256}. */
const anchorKey = (versionId: string): string => `anchor:${versionId}`;
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

export async function createDatasets(deps: {
  chaincode: Chaincode;
  ledger: LedgerClient;
  store: DatasetStore;
  /** gateway-local database of digest -> store address */
  addressBook: string;
  /** 32 random bytes kept by the gateway; record salts derive from it, so proofs can be re-issued */
  recordSecret: Uint8Array;
}): Promise<Datasets> {
  const { chaincode, ledger, store } = deps;
  const addresses = new Level<string, string>(deps.addressBook, { valueEncoding: 'utf8' });
  await addresses.open();

  async function addressOf(v: DatasetVersion): Promise<string> {
    if (v.digest.algorithm === 'sha256') return v.digest.value;
    try {
      return await addresses.get(addressKey(v.digest.algorithm, v.digest.value));
    } catch {
      throw new GatewayError('BLOB_NOT_FOUND', `this gateway holds no content for ${v.id}`);
    }
  }

  const getVersion = (caller: Caller, catalogId: string, version: number) =>
    chaincode.evaluate<DatasetVersion>(caller, TX.dataset.GetVersion, [catalogId, String(version)]);

  async function anchorRecord(versionId: string): Promise<AnchorRecord | undefined> {
    try {
      return JSON.parse(await addresses.get(anchorKey(versionId))) as AnchorRecord;
    } catch (err) {
      if ((err as { code?: string }).code !== 'LEVEL_NOT_FOUND') throw err;
      return undefined;
    }
  }

  /** The version's own anchoring transaction, from the anchor book. */
  async function anchoredTx(v: DatasetVersion): Promise<AnchorRecord> {
    const record = await anchorRecord(v.id);
    const info = record ? await store.stat(record.sha256) : null;
    if (!record || !info?.anchored)
      throw new GatewayError(
        'BLOB_NOT_FOUND',
        `no anchored content for ${v.id} in this gateway's store`,
      );
    return record;
  }

  /** Records where a version was anchored, then lets the store serve its blob. */
  async function recordAnchor(versionId: string, blob: BlobInfo, txId: string): Promise<BlobInfo> {
    const { digest } = blob.commitment;
    await addresses.batch(
      [
        {
          type: 'put',
          key: anchorKey(versionId),
          value: JSON.stringify({ txId, sha256: blob.sha256 }),
        },
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
    return store.markAnchored(blob.sha256, txId);
  }

  const storeGet = async (sha256: string): Promise<Readable> => {
    try {
      return await store.get(sha256);
    } catch (err) {
      throw fromStoreError(err);
    }
  };

  const projected = (source: Readable, format: RecordFormat, fields: readonly string[]): Readable =>
    pipeline(source, projectRecords(format, fields), () => undefined);

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
      const anchored = await recordAnchor(s.value.id, blob, s.txId);
      return { ...s, blob: anchored };
    },

    async open(caller, catalogId, versionNumber, request) {
      const [version, entry] = await Promise.all([
        getVersion(caller, catalogId, versionNumber),
        chaincode.evaluate<CatalogEntry>(caller, TX.catalog.GetEntry, [catalogId]),
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
      // Measured before the use is recorded, so the record says what will be delivered; opened
      // (existence and size checked) before it too: a missing or truncated blob is refused without
      // an ALLOWED use on the ledger for bytes nobody can receive.
      let delivery: Delivery | null = null;
      let format: RecordFormat | null = null;
      let source: Readable | null = null;
      if (check.allowed) {
        const sha256 = await addressOf(version);
        const everyField = entry.fields.every((f) => check.fields.includes(f.name));
        // Every field: the anchored bytes themselves, which verify against the file proof.
        format = everyField ? null : recordFormatOf(version.mediaType);
        source = await storeGet(sha256);
        if (format) {
          delivery = await measure(
            projected(source, format, check.fields),
            version.digest.algorithm,
          );
          source = await storeGet(sha256);
        } else delivery = { bytes: version.size, digest: version.digest };
      }
      let recorded: Submitted<UsageRecord>;
      try {
        recorded = await recordUse(caller, use, check, delivery);
      } catch (err) {
        source?.destroy();
        throw err;
      }
      const usage = recorded.value;
      const tx = { txId: recorded.txId, blockNumber: recorded.blockNumber };
      if (!delivery || !source) throw changedMeanwhile(usage, tx);
      // pipeline, not pipe: a damaged blob's error must end the projected stream too.
      const stream = format
        ? pipeline(projected(source, format, usage.fields), deliveredAs(delivery), () => undefined)
        : source;
      return {
        usage,
        tx,
        version,
        stream,
        mediaType: version.mediaType,
        projected: format !== null,
        delivery,
      };
    },

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
          (await store.get(sha256, { start: 0, end: 0 })).destroy();
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

    async reconcile(versions, { graceMs, now }) {
      const report: ReconcileReport = { marked: [], absent: [], removed: [] };
      // Every complete blob by its committed digest, for versions anchored in any algorithm.
      const blobs = new Map<string, BlobInfo & { storedAt: number }>();
      for await (const blob of store.list())
        blobs.set(addressKey(blob.commitment.digest.algorithm, blob.commitment.digest.value), blob);
      const anchoredBlobs = new Set<string>();
      for (const v of versions) {
        const blob = blobs.get(addressKey(v.digest.algorithm, v.digest.value));
        if (!blob || blob.commitment.size !== v.size || blob.commitment.chunkRoot !== v.chunkRoot) {
          report.absent.push(v.id);
          continue;
        }
        anchoredBlobs.add(blob.sha256);
        if ((await anchorRecord(v.id)) !== undefined && blob.anchored) continue;
        await recordAnchor(v.id, blob, v.txId);
        report.marked.push(v.id);
      }
      for (const blob of blobs.values()) {
        if (blob.anchored || anchoredBlobs.has(blob.sha256)) continue;
        // A young blob may be an upload whose anchoring is still under way.
        if (now - blob.storedAt < graceMs) continue;
        await store.remove(blob.sha256);
        report.removed.push(blob.sha256);
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

/** Allowed on chain although the check just before refused: recorded as nothing delivered. */
function changedMeanwhile(
  usage: UsageRecord,
  tx: { txId: string; blockNumber: number },
): GatewayError {
  return new GatewayError('CONFLICT', 'the grant changed while the use was checked; try again', {
    details: { usageId: usage.id, ...tx, recorded: true },
  });
}
