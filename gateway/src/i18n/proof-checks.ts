/**
 * What a failed check of a proof bundle means, by the part of the bundle it concerns (the check's
 * dotted path, e.g. `subject.digest.value`, `transaction.endorsements[0].endorser.mspId`). The
 * proof package's own words are English; the console and the command line explain the check in
 * the reader's language with the key chosen here.
 */
import type { SharedKey } from './shared-zh.js';

export function proofCheckKey(check: string): SharedKey & `proofCheck.${string}` {
  if (check.startsWith('subject.proof')) return 'proofCheck.record';
  if (check.startsWith('subject')) return 'proofCheck.subject';
  if (check.startsWith('anchor')) return 'proofCheck.anchor';
  if (/mspId|certificate|signature|endorse/i.test(check)) return 'proofCheck.signature';
  if (/^(transaction|block|fabric)\b/.test(check)) return 'proofCheck.ledger';
  return 'proofCheck.format';
}
