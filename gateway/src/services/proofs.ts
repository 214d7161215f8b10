/**
 * Proof bundles from the ledger's transaction material: the anchoring transaction, its block
 * header and orderer signature, and the Merkle path to the header's data hash, plus the
 * DatasetVersion value exactly as the transaction wrote it. Which ledger format the material is
 * in, and how it becomes a bundle, is the proof package's (@shulian/proof/formats).
 *
 * A delivery receipt is the same kind of bundle over the transaction that recorded a use: its
 * anchor is the UsageRecord as written, its subject the bytes that use delivered.
 */
import type { Json } from '@shulian/chaincode/canonical';
import type { DatasetVersion, UsageRecord } from '@shulian/chaincode/constants';
import type { AnyProofBundle, BundleSubject } from '@shulian/proof/bundle';
import { bundleFromEvidence } from '@shulian/proof/formats';
import { GatewayError } from '../errors.js';
import type { TransactionProofMaterial } from '../ledger/types.js';

/** Whether a written value is this dataset version: an object with its id and a digest. */
const isVersion =
  (version: DatasetVersion) =>
  (value: Json): boolean =>
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    value.id === version.id &&
    'digest' in value;

export function bundleFromMaterial(
  material: TransactionProofMaterial,
  version: DatasetVersion,
  subject: BundleSubject,
): AnyProofBundle {
  const bundle = bundleFromEvidence(material, isVersion(version), subject);
  if (!bundle) {
    throw new GatewayError('INTERNAL', `transaction ${material.txId} does not write ${version.id}`);
  }
  return bundle;
}

/** Whether a written value is this usage record (the use's counter keys are not objects with its id). */
const isUse =
  (use: UsageRecord) =>
  (value: Json): boolean =>
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    value.id === use.id &&
    'deliveredDigest' in value;

/**
 * What a use delivered, as its receipt's subject. Refused uses, and uses recorded before
 * deliveries were measured, delivered nothing provable and have no receipt (NOT_DELIVERED).
 */
export function deliveryOf(use: UsageRecord): Extract<BundleSubject, { kind: 'delivery' }> {
  if (use.outcome !== 'ALLOWED' || use.deliveredDigest === null || use.bytes === null)
    throw new GatewayError(
      'NOT_DELIVERED',
      use.outcome === 'ALLOWED'
        ? `use ${use.id} was recorded without what it delivered, so it has no receipt`
        : `use ${use.id} was refused (${use.denialCode ?? 'DENIED'}); it delivered nothing, so it has no receipt`,
    );
  return { kind: 'delivery', digest: use.deliveredDigest, size: use.bytes };
}

/**
 * The receipt of an allowed use: the bundle proving, offline, that this use was recorded (by the
 * transaction in `material`) as delivering exactly these bytes.
 */
export function receiptFromMaterial(
  material: TransactionProofMaterial,
  use: UsageRecord,
): AnyProofBundle {
  const bundle = bundleFromEvidence(material, isUse(use), deliveryOf(use));
  if (!bundle)
    throw new GatewayError('INTERNAL', `transaction ${material.txId} does not write ${use.id}`);
  return bundle;
}
