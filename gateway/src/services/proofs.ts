/**
 * Proof bundles from the ledger's transaction material: the anchoring transaction, its block
 * header and orderer signature, and the Merkle path to the header's data hash, plus the
 * DatasetVersion value exactly as the transaction wrote it. Verification is the proof module's.
 */
import { parseJson, type Json } from '@shulian/chaincode/canonical';
import type { DatasetVersion } from '@shulian/chaincode/constants';
import type { Transaction } from '@shulian/proof/formats/embedded';
import type { EmbeddedProof } from '../ledger/embedded.js';
import { GatewayError } from '../errors.js';
import type { TransactionProofMaterial } from '../ledger/types.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type ProofBundle } from '@shulian/proof/bundle';
import { fromBase64 } from '@shulian/proof/hash';

/** The state key the transaction wrote the version at: the write whose value is this version. */
function anchorOf(transaction: Transaction, version: DatasetVersion): { key: string; value: Json } {
  for (const write of transaction.payload.rwset.writes) {
    if (write.isDelete || write.value === undefined) continue;
    let value: Json;
    try {
      value = parseJson(fromBase64(write.value)) as Json;
    } catch {
      continue;
    }
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      value.id === version.id &&
      'digest' in value
    ) {
      return { key: write.key, value };
    }
  }
  throw new GatewayError(
    'INTERNAL',
    `transaction ${transaction.proposal.txId} does not write ${version.id}`,
  );
}

export function bundleFromMaterial(
  material: TransactionProofMaterial,
  version: DatasetVersion,
  subject: ProofBundle['subject'],
): ProofBundle {
  if (material.engine !== 'embedded') {
    throw new GatewayError(
      'NOT_ACCEPTABLE',
      `proof bundles for the ${material.engine} engine are not supported by this gateway`,
    );
  }
  const m = material.material as EmbeddedProof;
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    subject,
    anchor: anchorOf(m.transaction, version),
    transaction: m.transaction,
    block: {
      header: m.header,
      ordererSignature: m.ordererSignature,
      txIndex: m.txIndex,
      inclusionPath: m.inclusionPath,
    },
    validationCode: material.validationCode,
  };
}
