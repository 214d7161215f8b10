/**
 * Ledger formats by engine. A ledger returns its evidence about a transaction tagged with its
 * engine (`LedgerEvidence`), and a bundle names its ledger; the functions here pick that
 * ledger's LedgerFormat, so adding a format is one module under formats/, one member of the
 * union and of `ledgerFormats` below, and nothing else branches on the engine.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { parseJson, type Json } from '@shulian/chaincode/canonical';
import type { AnyProofBundle, BundleSubject } from '../schema.js';
import { embeddedFormat } from './embedded-bundle.js';
import type { TransactionEvidence } from './embedded.js';
import { fabricFormat, type FabricEvidence } from './fabric-evidence.js';
import type { AnchoredBundle, BundleVerifier, LedgerFormat } from './format.js';

export type {
  AnchoredBundle,
  BundleVerifier,
  CommittedTransaction,
  EvidenceCheck,
  LedgerFormat,
} from './format.js';

/** A ledger's proof material for one transaction, tagged with the engine (format) it is in. */
export type LedgerEvidence =
  | { engine: 'embedded'; material: TransactionEvidence }
  | { engine: 'fabric'; material: FabricEvidence };

/** The formats whose bundles this package verifies, by the ledger a bundle names. */
export const ledgerFormats = { embedded: embeddedFormat, fabric: fabricFormat } as const;
export type BundleLedger = keyof typeof ledgerFormats;

/** The same formats as verifiers: verifyBundle needs no evidence type, so one type fits all. */
export const bundleVerifiers: Record<BundleLedger, BundleVerifier> = ledgerFormats;

/**
 * The ledger a bundle is from: its `ledger` member, which embedded (version 1) bundles leave
 * out. Undefined for a ledger this package has no verifier for; anything without a `ledger`
 * goes to the embedded format, whose schema then says what is wrong with it.
 */
export function bundleLedger(bundle: unknown): BundleLedger | undefined {
  if (typeof bundle !== 'object' || bundle === null || !('ledger' in bundle)) return 'embedded';
  const { ledger } = bundle;
  return typeof ledger === 'string' && Object.hasOwn(ledgerFormats, ledger)
    ? (ledger as BundleLedger)
    : undefined;
}

/** Written values that are JSON; a value that is not JSON cannot be an anchor and is skipped. */
function writtenJson<E, S extends TSchema>(
  format: LedgerFormat<E, S>,
  evidence: E,
): { key: string; value: Json }[] {
  return format.writtenValues(evidence).flatMap(({ key, value }) => {
    try {
      return [{ key, value: parseJson(value) as Json }];
    } catch {
      return [];
    }
  });
}

function bundleWith<E, S extends TSchema>(
  format: LedgerFormat<E, S>,
  evidence: E,
  isAnchor: (value: Json) => boolean,
  subject: BundleSubject,
): (Static<S> & AnchoredBundle) | undefined {
  const anchor = writtenJson(format, evidence).find(({ value }) => isAnchor(value));
  return anchor && format.createBundle(evidence, anchor.key, subject);
}

/**
 * The bundle proving `subject` by the first value the transaction wrote that `isAnchor`
 * accepts (for a dataset version: the DatasetVersion entry); undefined when it wrote none.
 */
export function bundleFromEvidence(
  evidence: LedgerEvidence,
  isAnchor: (value: Json) => boolean,
  subject: BundleSubject,
): AnyProofBundle | undefined {
  switch (evidence.engine) {
    case 'embedded':
      return bundleWith(embeddedFormat, evidence.material, isAnchor, subject);
    case 'fabric':
      return bundleWith(fabricFormat, evidence.material, isAnchor, subject);
  }
}
