/**
 * Proof bundles of format version 2: record proofs that open some fields and give the others as
 * salted commitments (selective disclosure), with a mutation of every field of the file, record
 * and projected bundles and named negative cases, run against both crypto implementations. Record
 * proofs of leaf version 3 (tests/vectors/bundle-v2-leaf3.json, what the gateway anchors now) and
 * of leaf version 2 (tests/vectors/bundle-v2.json, made before). Version 1 bundles stay covered by
 * ./bundle.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Json } from '@shulian/chaincode/canonical';
import {
  verifyBundle,
  type ProofBundle,
  type ProofCrypto,
  type TrustFile,
} from '@shulian/proof/bundle';
import { browserProofCrypto } from '@shulian/proof/browser';
import { nodeProofCrypto } from '@shulian/proof/node';
import { disclosedRecord, RecordParser, type SelectiveRecordProof } from '@shulian/proof/records';
import { formatPath, leafPaths, setPath, type Mutation } from '../vectors/mutations.js';

interface Vectors {
  csv: string;
  provenRecord: number;
  projectedFields: string[];
  trust: TrustFile;
  bundles: Record<Mutation['bundle'], ProofBundle>;
  mutations: Mutation[];
}

/** One vector file and what its tests read from it. */
function load(file: string) {
  const vectors = JSON.parse(
    readFileSync(new URL(`../vectors/${file}`, import.meta.url), 'utf8'),
  ) as Vectors;
  const parser = new RecordParser('csv');
  const records = [...parser.push(new TextEncoder().encode(vectors.csv)), ...parser.end()];
  const proven = records[vectors.provenRecord] as Record<string, Json>;
  const projectedRow = Object.fromEntries(vectors.projectedFields.map((f) => [f, proven[f]!]));
  return { vectors, trust: vectors.trust, bundles: vectors.bundles, records, proven, projectedRow };
}
const proofOf = (bundle: ProofBundle) => (bundle.subject as { proof: SelectiveRecordProof }).proof;

const CRYPTOS: [string, ProofCrypto][] = [
  ['node:crypto', nodeProofCrypto],
  ['WebCrypto + noble (browser)', browserProofCrypto()],
];

const FILES = [
  ['leaf version 3', 'bundle-v2-leaf3.json', 3],
  ['leaf version 2', 'bundle-v2.json', undefined],
] as const;

describe.each(
  FILES.flatMap(([leaves, file, version]) =>
    CRYPTOS.map(([name, crypto]) => [leaves, name, file, version, crypto] as const),
  ),
)('proof bundles version 2, %s, with %s', (_, __, file, version, crypto) => {
  const { vectors, trust, bundles, records, proven, projectedRow } = load(file);

  it('holds record proofs of its leaf version', () => {
    expect(proofOf(bundles.record).version).toBe(version);
    expect(proofOf(bundles.projected).version).toBe(version);
  });

  it('accepts the file, record and projected bundles', async () => {
    for (const kind of ['file', 'record', 'projected'] as const) {
      expect(bundles[kind].version).toBe(2);
      expect(await verifyBundle(bundles[kind], trust, crypto), kind).toMatchObject({ ok: true });
    }
  });

  it('a projected proof discloses the granted fields only, and nothing of the others', () => {
    const text = JSON.stringify(bundles.projected);
    expect(disclosedRecord(proofOf(bundles.projected))).toEqual({
      record: projectedRow,
      withheld: Object.keys(proven).filter((f) => !vectors.projectedFields.includes(f)),
    });
    for (const [field, value] of Object.entries(proven)) {
      if (!vectors.projectedFields.includes(field)) expect(text).not.toContain(value);
    }
    // Same leaf, same root: the projection needs no new anchor.
    expect(proofOf(bundles.projected).root).toBe(proofOf(bundles.record).root);
  });

  it('checks a held record against what the proof discloses', async () => {
    const cases: [ProofBundle, Json, string[]][] = [
      [bundles.record, proven, []],
      [bundles.projected, projectedRow, []],
      // Holding the whole record proves nothing about the withheld fields' values.
      [bundles.projected, proven, ['subject']],
      [bundles.projected, { ...projectedRow, 有效期至: '2099-12-31' }, ['subject']],
      [bundles.record, records[0]!, ['subject']],
    ];
    for (const [bundle, record, failed] of cases) {
      const result = await verifyBundle(bundle, trust, crypto, { kind: 'record', record });
      expect(result.ok ? [] : result.failures.map((f) => f.check)).toEqual(failed);
    }
  });

  it('mutates every field of the three bundles', () => {
    for (const kind of ['file', 'record', 'projected'] as const) {
      const mutated = new Set(
        vectors.mutations.filter((m) => m.bundle === kind).map((m) => formatPath(m.path)),
      );
      for (const path of leafPaths(bundles[kind])) {
        expect(mutated, `${kind} ${formatPath(path)}`).toContain(formatPath(path));
      }
    }
  });

  it.each(vectors.mutations.map((m) => [m.bundle, m.name ?? formatPath(m.path), m] as const))(
    '%s bundle: %s fails naming what failed',
    async (kind, _, mutation) => {
      const bundle = setPath(bundles[kind], mutation.path, mutation.value);
      const result = await verifyBundle(bundle, trust, crypto);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const checks = result.failures.map((f) => f.check);
      for (const check of mutation.expect) expect(checks).toContain(check);
      for (const failure of result.failures) expect(failure.message).not.toBe('');
    },
  );
});
