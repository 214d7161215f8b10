/**
 * Proof bundles from the ledger's transaction material: the anchoring transaction, its block
 * header and orderer signature, and the Merkle path to the header's data hash, plus the
 * DatasetVersion value exactly as the transaction wrote it. Which ledger format the material is
 * in, and how it becomes a bundle, is the proof package's (@shulian/proof/formats).
 */
import type { Json } from '@shulian/chaincode/canonical';
import type { DatasetVersion } from '@shulian/chaincode/constants';
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
