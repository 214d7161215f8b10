/**
 * Offline verification for `shulian verify --proof`: hash the file locally and check the bundle
 * against the trust file with the proof module. Nothing here opens a socket.
 */
import { stat } from 'node:fs/promises';
import type { Json } from '@shulian/chaincode/canonical';
import { verifyBundle, type HeldSubject, type VerifyResult } from '@shulian/proof/bundle';
import type { Digest } from '@shulian/proof/chunks';
import type { DigestAlgorithm } from '@shulian/proof/hash';
import { nodeProofCrypto } from '@shulian/proof/node';
import { disclosedRecord, type SelectiveRecordProof } from '@shulian/proof/records';
import { digestFile } from '../store/digest-file.js';
import { t } from './i18n.js';
import { UsageError } from './usage.js';
import type { Progress } from './progress.js';

/** Hashes a file as `shulian verify` does (the store's digestFile), drawing progress. */
export async function hashFile(
  path: string,
  algorithm: DigestAlgorithm,
  progress: Progress,
): Promise<Digest & { size: number }> {
  let seen = 0;
  const digest = await digestFile(path, algorithm, (total) => {
    progress.advance(total - seen);
    seen = total;
  });
  progress.done();
  return digest;
}

type AlgorithmOf = { digest?: { algorithm?: unknown } };

/**
 * The digest algorithm the bundle's subject (a file or a delivery) or else its anchor uses, so the
 * file is hashed once, the right way.
 */
export function bundleAlgorithm(bundle: unknown): DigestAlgorithm {
  const b = bundle as { subject?: AlgorithmOf; anchor?: { value?: AlgorithmOf } } | null;
  const algorithm = b?.subject?.digest?.algorithm ?? b?.anchor?.value?.digest?.algorithm;
  return algorithm === 'sm3' ? 'sm3' : 'sha256';
}

export type HeldInput =
  | { kind: 'file'; path: string }
  | { kind: 'digest'; digest: Digest }
  | { kind: 'record'; record: Json }
  | { kind: 'none' };

const formatOf = (value: unknown): unknown => (value as { format?: unknown } | null)?.format;
const subjectKindOf = (value: unknown): unknown =>
  (value as { subject?: { kind?: unknown } } | null)?.subject?.kind;

/** How the bundle was given: `--proof` (an anchored file or record) or `--delivery` (a receipt). */
export type BundleOption = 'proof' | 'delivery';

/**
 * A bundle and a trust file given the wrong way round (or a wrong file altogether), or a receipt
 * and a proof bundle given for each other, is a usage mistake to name, not failed checks to print.
 */
export function checkInputs(bundle: unknown, trust: unknown, option: BundleOption = 'proof'): void {
  if (option === 'delivery') {
    if (formatOf(bundle) === 'shulian-trust')
      throw new UsageError(t('verify.deliveryIsTrust'), 'verify');
    if (formatOf(bundle) === 'shulian-proof' && subjectKindOf(bundle) !== 'delivery')
      throw new UsageError(t('verify.deliveryIsProof'), 'verify');
    if (formatOf(bundle) !== 'shulian-proof')
      throw new UsageError(t('verify.deliveryNotReceipt'), 'verify');
  }
  const [b, tf] = [formatOf(bundle), formatOf(trust)];
  if (b === 'shulian-trust' && tf === 'shulian-proof')
    throw new UsageError(t('verify.swapped'), 'verify');
  if (b !== 'shulian-proof')
    throw new UsageError(
      t(b === 'shulian-trust' ? 'verify.proofIsTrust' : 'verify.proofNotBundle'),
      'verify',
    );
  if (tf !== 'shulian-trust')
    throw new UsageError(
      t(tf === 'shulian-proof' ? 'verify.trustIsProof' : 'verify.trustNotTrust'),
      'verify',
    );
}

/** Checks a proof bundle (already read) against a trust file for what the user holds. */
export async function verifyOffline(
  bundle: unknown,
  trust: unknown,
  held: HeldInput,
  progress: (total: number) => Progress,
  option: BundleOption = 'proof',
): Promise<VerifyResult & { subject: string; withheld: string[] }> {
  checkInputs(bundle, trust, option);
  let subject: HeldSubject | undefined;
  let described: string;
  switch (held.kind) {
    case 'file': {
      const { size } = await stat(held.path);
      const digest = await hashFile(held.path, bundleAlgorithm(bundle), progress(size));
      subject = {
        kind: 'file',
        digest: { algorithm: digest.algorithm, value: digest.value },
        size: digest.size,
      };
      described = `${held.path} (${digest.algorithm} ${digest.value})`;
      break;
    }
    case 'digest':
      subject = { kind: 'file', digest: held.digest };
      described = `${held.digest.algorithm} ${held.digest.value}`;
      break;
    case 'record':
      subject = { kind: 'record', record: held.record };
      described = t('verify.subjectRecord');
      break;
    case 'none':
      subject = undefined;
      described = t('verify.subjectBundle');
      break;
  }
  const result = await verifyBundle(bundle, trust, nodeProofCrypto, subject);
  return { ...result, subject: described, withheld: result.ok ? withheldFields(bundle) : [] };
}

/** The fields a verified record bundle gives only as commitments (none for other bundles). */
function withheldFields(bundle: unknown): string[] {
  const { subject } = bundle as { subject: { kind: string; proof?: object } };
  if (subject.kind !== 'record' || !subject.proof || 'record' in subject.proof) return [];
  return disclosedRecord(subject.proof as SelectiveRecordProof).withheld;
}
