/**
 * Dataset version anchors (存证): the hashes of each version of a catalog entry's data. The
 * data itself stays with its department (数据源不上链); the ledger keeps what proves it.
 */
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ShulianContract } from '../lib/contract.js';
import { ErrorCode, EVENTS, DIGEST_ALGORITHMS, datasetFormatOf } from '../constants.js';
import { openSession, requireOwner, requireRole } from '../lib/access.js';
import { ChaincodeError } from '../lib/errors.js';
import { CATALOG, DATASET_VERSIONS, padVersion } from '../lib/keys.js';
import {
  compositeKey,
  emit,
  get,
  list,
  put,
  readValue,
  reply,
  restrictToOwner,
  writeValue,
} from '../lib/state.js';
import { datasetHead } from '../model/entities.js';
import { anchorInput, checkArg, parseInput, versionArg } from '../model/inputs.js';
import { hex64, identifier, oneOf } from '../model/schema.js';
import type { DatasetVersion } from '../model/types.js';

/** The latest version number per entry, so anchoring reads one key instead of a range. */
const HEAD_TYPE = 'datasetHead';

@Info({ title: 'dataset', description: 'Dataset version anchors: digests and Merkle roots' })
export class DatasetContract extends ShulianContract {
  constructor() {
    super('dataset');
  }

  /** Anchors the next version of an entry's data; only the owner's publishers may. */
  @Transaction()
  @Returns('string')
  async AnchorVersion(ctx: Context, versionJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireRole(session, 'publisher', 'anchoring dataset versions');
    const input = parseInput(anchorInput, versionJson, 'version');
    const entry = await get(ctx, CATALOG, [input.catalogId]);
    requireOwner(session, entry.owner, `catalog entry ${entry.id}`);
    if (entry.status === 'retired') {
      throw new ChaincodeError(ErrorCode.CATALOG_RETIRED, `catalog entry ${entry.id} is retired`);
    }
    // Every version is of the format its entry declares: consumers are granted, served and
    // projected that format, so bytes of another kind must not be anchored under it.
    if (datasetFormatOf(input.mediaType) !== entry.format) {
      throw new ChaincodeError(
        ErrorCode.MEDIA_TYPE_MISMATCH,
        `${entry.id} declares ${entry.format}; a version of ${input.mediaType} cannot be anchored under it`,
      );
    }
    if ((input.recordRoot === null) !== (input.recordCount === null)) {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        'recordRoot and recordCount go together: give both for a record-anchored dataset, or neither',
      );
    }
    const headKey = compositeKey(ctx, HEAD_TYPE, [entry.id]);
    const head = await readValue(ctx, headKey, datasetHead);
    const previousVersion = head?.latest ?? null;
    if (previousVersion !== null && input.reason === null) {
      throw new ChaincodeError(
        ErrorCode.REASON_REQUIRED,
        `reason is required for a new version of ${entry.id} (for example which objection it corrects)`,
      );
    }
    const version = (previousVersion ?? 0) + 1;
    const anchored: DatasetVersion = {
      ...input,
      id: `${entry.id}@${version}`,
      version,
      owner: entry.owner,
      previousVersion,
      anchoredAt: session.nowIso,
      anchoredBy: session.actor,
    };
    const key = await put(ctx, DATASET_VERSIONS, anchored, null);
    await writeValue(ctx, headKey, datasetHead, { catalogId: entry.id, latest: version });
    await restrictToOwner(ctx, key, entry.owner);
    await restrictToOwner(ctx, headKey, entry.owner);
    emit(ctx, EVENTS.DatasetVersionAnchored, anchored);
    return reply(anchored);
  }

  @Transaction(false)
  @Returns('string')
  async GetVersion(ctx: Context, catalogId: string, version: string): Promise<string> {
    await openSession(ctx, 'read');
    const id = checkArg(identifier, catalogId, 'catalogId');
    const n = Number(checkArg(versionArg, version, 'version'));
    return reply(await get(ctx, DATASET_VERSIONS, [id, padVersion(n)]));
  }

  @Transaction(false)
  @Returns('string')
  async GetLatestVersion(ctx: Context, catalogId: string): Promise<string> {
    await openSession(ctx, 'read');
    const id = checkArg(identifier, catalogId, 'catalogId');
    const head = await readValue(ctx, compositeKey(ctx, HEAD_TYPE, [id]), datasetHead);
    if (!head) {
      throw new ChaincodeError(
        ErrorCode.DATASET_VERSION_NOT_FOUND,
        `${id} has no anchored version`,
      );
    }
    return reply(await get(ctx, DATASET_VERSIONS, [id, padVersion(head.latest)]));
  }

  @Transaction(false)
  @Returns('string')
  async ListVersions(
    ctx: Context,
    catalogId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    await openSession(ctx, 'read');
    const prefix = [checkArg(identifier, catalogId, 'catalogId')];
    return reply(await list(ctx, DATASET_VERSIONS, { index: null, prefix }, pageSize, bookmark));
  }

  /** Which anchored versions have this digest: the ledger side of "verify this file". */
  @Transaction(false)
  @Returns('string')
  async FindVersionsByDigest(
    ctx: Context,
    algorithm: string,
    value: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    await openSession(ctx, 'read');
    const prefix = [
      checkArg(oneOf(DIGEST_ALGORITHMS), algorithm, 'algorithm'),
      checkArg(hex64, value, 'value'),
    ];
    return reply(
      await list(ctx, DATASET_VERSIONS, { index: 'digest', prefix }, pageSize, bookmark),
    );
  }
}
