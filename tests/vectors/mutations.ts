/**
 * How the bundle vectors are mutated and which checks each mutation must trip. Shared by the
 * generator (which records the mutations) and the tests (which prove the list covers every field).
 */
import type { Json } from '@shulian/chaincode/canonical';
import type { ProofBundle } from '@shulian/proof/bundle';

export type JsonPath = (string | number)[];

export interface Mutation {
  /** `projected` (version 2 vectors only): a record bundle with some fields withheld. */
  bundle: 'file' | 'record' | 'projected';
  /** Named negative cases say what they try; one-field mutations are named by their path. */
  name?: string;
  /** Where to put `value`; the rest of the bundle is unchanged. */
  path: JsonPath;
  value: Json;
  /** Checks that must all appear among the failures (a failure names one by equal check). */
  expect: string[];
}

/** `transaction.endorsements[0].signature` */
export const formatPath = (path: JsonPath): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

export function leafPaths(value: Json, prefix: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

export function getPath(value: Json, path: JsonPath): Json {
  let node: Json = value;
  for (const p of path) node = (node as Record<string | number, Json>)[p]!;
  return node;
}

/** A deep copy of `value` with `replacement` at `path`. */
export function setPath(value: Json, path: JsonPath, replacement: Json): Json {
  const copy = structuredClone(value);
  const parent = getPath(copy, path.slice(0, -1)) as Record<string | number, Json>;
  parent[path.at(-1)!] = replacement;
  return copy;
}

/** One character changed to another of its class, so hex stays hex and base64 stays base64. */
function changeOneCharacter(text: string): string {
  if (text === '') return 'A';
  let i = Math.floor(text.length / 2);
  while (i < text.length - 1 && !/[A-Za-z0-9]/.test(text[i]!)) i++;
  const c = text[i]!;
  const replacement = /[0-9]/.test(c)
    ? c === '0'
      ? '1'
      : '0'
    : /[a-z]/.test(c)
      ? c === 'a'
        ? 'b'
        : 'a'
      : c === 'A'
        ? 'B'
        : 'A';
  return text.slice(0, i) + replacement + text.slice(i + 1);
}

export function mutate(bundle: Json, path: JsonPath): Json {
  const value = getPath(bundle, path);
  if (typeof value === 'string') return changeOneCharacter(value);
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  return 0;
}

/** Changes a signer can't or a shape check must catch, beyond one changed leaf. */
export function structuralMutations(kind: Mutation['bundle'], bundle: ProofBundle): Mutation[] {
  const [owner, other] = bundle.transaction.endorsements;
  return [
    {
      bundle: kind,
      path: ['transaction', 'endorsements'],
      value: [other!],
      expect: ['transaction.endorsements', 'block.inclusionPath'],
    },
    {
      bundle: kind,
      path: ['transaction', 'endorsements'],
      value: [owner!, other!, owner!],
      expect: ['transaction.endorsements[2].endorser.mspId', 'block.inclusionPath'],
    },
    {
      bundle: kind,
      path: ['transaction', 'endorsements'],
      value: [],
      expect: ['transaction.endorsements', 'block.inclusionPath'],
    },
    {
      bundle: kind,
      path: ['block', 'inclusionPath'],
      value: bundle.block.inclusionPath.slice(1),
      expect: ['block.inclusionPath'],
    },
    { bundle: kind, path: ['unexpected'], value: true, expect: ['bundle.unexpected'] },
  ];
}

/** The checks a change at `path` must trip, by what signs or binds that field. */
export function expectedChecks(bundle: Json, path: JsonPath): string[] {
  const p = formatPath(path);
  // Schema violations stop verification before any cryptography.
  if (getPath(bundle, path) === null) return [`bundle.${p}`];
  if (p === 'format' || p === 'version' || p === 'transaction.proposal.version') {
    return [`bundle.${p}`];
  }
  if (p === 'subject.kind' || (p.endsWith('.algorithm') && p.startsWith('subject'))) {
    return ['bundle.subject'];
  }
  if (p.startsWith('subject.proof.')) {
    const field = path[2] as string;
    if (['count', 'root'].includes(field)) return [`subject.proof.${field}`];
    // Leaf version 3 is a literal of the schema: any other value is not a record proof.
    if (field === 'version') return ['bundle.subject'];
    // Version 2: values, salts and commitments all meet in the record's leaf.
    const version = getPath(bundle, ['version']);
    return [version === 1 ? 'subject.proof.record' : 'subject.proof.leaf'];
  }
  if (p.startsWith('subject.')) return [p];
  if (p.startsWith('anchor.')) return [p === 'anchor.key' ? p : 'anchor.value'];
  if (p === 'validationCode') return [p];
  if (p.startsWith('block.')) {
    if (p.startsWith('block.ordererSignature.')) return [p.replace(/\.orderer$/, '')];
    if (p.startsWith('block.header.')) {
      // txCount alone may not change the path's shape, so only the signature is sure to fail.
      const data = p === 'block.header.dataHash';
      return ['block.ordererSignature.signature', ...(data ? ['block.inclusionPath'] : [])];
    }
    return ['block.inclusionPath'];
  }
  // Every byte of the transaction is under the block's data hash.
  return ['block.inclusionPath', ...transactionChecks(bundle, p)];
}

function transactionChecks(bundle: Json, p: string): string[] {
  const endorsements = (getPath(bundle, ['transaction', 'endorsements']) as Json[]).length;
  const endorserSignatures = Array.from(
    { length: endorsements },
    (_, i) => `transaction.endorsements[${i}].signature`,
  );
  const exact = [
    'transaction.proposal.txId',
    'transaction.proposal.creator.certificate',
    'transaction.proposal.creator.mspId',
    'transaction.proposal.channel',
    'transaction.clientSignature',
    'transaction.payload.txId',
    'transaction.payload.proposalHash',
    'transaction.payload.response.status',
  ];
  if (exact.includes(p)) return [p];
  if (p === 'transaction.proposal.nonce') return ['transaction.proposal.txId'];
  if (p.startsWith('transaction.proposal.')) {
    return ['transaction.payload.proposalHash', 'transaction.clientSignature'];
  }
  if (p.startsWith('transaction.payload.')) return endorserSignatures;
  if (p.startsWith('transaction.endorsements[')) return [p];
  throw new Error(`no expectation for ${p}`);
}

/**
 * Negative cases of selective disclosure (version 2 vectors), beyond one changed field: what a
 * consumer holding a projected proof might try in order to claim more, or other values, than the
 * provider disclosed.
 */
export function namedMutations(bundles: Record<Mutation['bundle'], ProofBundle>): Mutation[] {
  const record = bundles.record.subject as {
    proof: { fields: Record<string, Json>; version?: number; salt: string };
  };
  const projected = bundles.projected.subject as { proof: { fields: Record<string, Json> } };
  const opened = record.proof.fields;
  const hidden = projected.proof.fields;
  const withheld = Object.keys(hidden).filter((n) => 'commitment' in (hidden[n] as object));
  const shown = Object.keys(hidden).filter((n) => !withheld.includes(n));
  const [a, b] = withheld as [string, string];
  const fields = ['subject', 'proof', 'fields'];
  const leaf = ['subject.proof.leaf'];
  const salt = (opened[a] as { salt: string }).salt;
  return [
    {
      bundle: 'projected',
      name: 'two withheld commitments swapped between fields',
      path: fields,
      value: { ...hidden, [a]: hidden[b]!, [b]: hidden[a]! },
      expect: leaf,
    },
    {
      bundle: 'projected',
      name: 'a withheld field opened with a guessed value and its real salt',
      path: [...fields, a],
      value: { value: '110101190001010000', salt },
      expect: leaf,
    },
    {
      bundle: 'projected',
      name: 'a disclosed value changed (another certificate number claimed)',
      path: [...fields, shown[0]!, 'value'],
      value: 'ZJ-2026-9999',
      expect: leaf,
    },
    {
      bundle: 'projected',
      name: 'a field added that was never anchored',
      path: [...fields, '住址'],
      value: { value: '北京市', salt },
      expect: leaf,
    },
    {
      bundle: 'projected',
      name: 'a withheld field dropped, as if the record had no such field',
      path: fields,
      value: Object.fromEntries(Object.entries(hidden).filter(([n]) => n !== a)),
      expect: leaf,
    },
    {
      bundle: 'record',
      name: 'the record given as one value instead of field by field',
      path: ['subject', 'proof'],
      value: Object.fromEntries([
        ...Object.entries(record.proof).filter(([k]) => k !== 'fields'),
        ['value', opened[a]!],
      ]),
      expect: leaf,
    },
    ...(record.proof.version === 3
      ? [
          {
            bundle: 'record' as const,
            name: 'a leaf version 3 proof without its version (read as version 2)',
            path: ['subject', 'proof'],
            value: Object.fromEntries(
              Object.entries(record.proof).filter(([k]) => k !== 'version'),
            ),
            expect: ['bundle.subject'],
          },
          {
            bundle: 'record' as const,
            name: 'a leaf version 3 proof with 32-byte salts (read as version 2)',
            path: ['subject', 'proof'],
            value: {
              ...Object.fromEntries(Object.entries(record.proof).filter(([k]) => k !== 'version')),
              salt: record.proof.salt.repeat(2),
              fields: Object.fromEntries(
                Object.entries(opened).map(([n, f]) => [
                  n,
                  { ...(f as object), salt: (f as { salt: string }).salt.repeat(2) },
                ]),
              ),
            },
            expect: leaf,
          },
        ]
      : []),
    {
      bundle: 'record',
      name: 'a version 2 record proof labelled version 1',
      path: ['version'],
      value: 1,
      expect: ['subject.proof'],
    },
    {
      bundle: 'record',
      name: 'a version 1 whole-record proof in a version 2 bundle',
      path: ['subject', 'proof'],
      value: Object.fromEntries([
        ...Object.entries(record.proof).filter(([k]) => k !== 'fields' && k !== 'version'),
        [
          'record',
          Object.fromEntries(
            Object.entries(opened).map(([n, f]) => [n, (f as { value: Json }).value]),
          ),
        ],
      ]),
      // A version 3 proof's 16-byte salt is not a version 1 salt: not a record proof at all.
      expect: record.proof.version === 3 ? ['bundle.subject'] : ['subject.proof'],
    },
  ];
}
