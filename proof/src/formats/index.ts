/**
 * Ledger formats by engine. A ledger returns its evidence about a transaction tagged with its
 * engine (`LedgerEvidence`); the functions here pick that engine's LedgerFormat, so adding a
 * format is one module under formats/ and one member of the union below, and nothing else
 * branches on the engine.
 */
import { parseJson, type Json } from '@shulian/chaincode/canonical';
import type { ProofBundle } from '../schema.js';
import { embeddedFormat, type TransactionEvidence } from './embedded.js';
import type { FabricProofMaterial } from './fabric.js';
import type { LedgerFormat } from './format.js';

export type { LedgerFormat } from './format.js';

/** A ledger's proof material for one transaction, tagged with the engine (format) it is in. */
export type LedgerEvidence =
  | { engine: 'embedded'; material: TransactionEvidence }
  | { engine: 'fabric'; material: FabricProofMaterial };

/** The evidence is in a format this package cannot make bundles from (yet). */
export class UnsupportedFormatError extends Error {
  constructor(readonly engine: LedgerEvidence['engine']) {
    super(`proof bundles for the ${engine} engine are not supported yet`);
    this.name = 'UnsupportedFormatError';
  }
}

/** Written values that are JSON; a value that is not JSON cannot be an anchor and is skipped. */
function writtenJson<E>(format: LedgerFormat<E>, evidence: E): { key: string; value: Json }[] {
  return format.writtenValues(evidence).flatMap(({ key, value }) => {
    try {
      return [{ key, value: parseJson(value) as Json }];
    } catch {
      return [];
    }
  });
}

function bundleWith<E>(
  format: LedgerFormat<E>,
  evidence: E,
  isAnchor: (value: Json) => boolean,
  subject: ProofBundle['subject'],
): ProofBundle | undefined {
  const anchor = writtenJson(format, evidence).find(({ value }) => isAnchor(value));
  return anchor && format.createBundle(evidence, anchor.key, subject);
}

/**
 * The bundle proving `subject` by the first value the transaction wrote that `isAnchor`
 * accepts (for a dataset version: the DatasetVersion entry); undefined when it wrote none.
 * Throws UnsupportedFormatError for a format without bundles.
 */
export function bundleFromEvidence(
  evidence: LedgerEvidence,
  isAnchor: (value: Json) => boolean,
  subject: ProofBundle['subject'],
): ProofBundle | undefined {
  switch (evidence.engine) {
    case 'embedded':
      return bundleWith(embeddedFormat, evidence.material, isAnchor, subject);
    case 'fabric':
      throw new UnsupportedFormatError(evidence.engine);
  }
}
