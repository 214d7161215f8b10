import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '@shulian/chaincode/canonical';
import {
  verifyBundle,
  type Failure,
  type ProofBundle,
  type TrustFile,
  type VerifyResult,
} from '@shulian/proof/bundle';
import { nodeProofCrypto } from '@shulian/proof/node';
import { VerifierPool } from '../../gateway/src/services/verify-pool.js';
import { setPath, type Mutation } from '../vectors/mutations.js';

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/bundle-v1.json', import.meta.url), 'utf8'),
) as { trust: TrustFile; bundles: Record<Mutation['bundle'], ProofBundle>; mutations: Mutation[] };

describe('verifier pool (worker threads)', () => {
  const pool = new VerifierPool({ trust: vectors.trust, threads: 2 });
  afterAll(() => pool.close());

  it('gives verifyBundle’s result for every vector, valid or mutated, many in flight', async () => {
    const bundles: Json[] = [
      vectors.bundles.file,
      vectors.bundles.record,
      ...vectors.mutations.map((m) =>
        setPath(vectors.bundles[m.bundle] as unknown as Json, m.path, m.value),
      ),
    ];
    const pooled = await Promise.all(bundles.map((b) => pool.verify(JSON.stringify(b))));
    const direct = await Promise.all(
      bundles.map((b) => verifyBundle(structuredClone(b), vectors.trust, nodeProofCrypto)),
    );
    // Signature failures arrive in completion order, which libuv's pool does not fix.
    const key = (f: Failure): string => `${f.check}\n${f.message}`;
    const sorted = (r: VerifyResult): VerifyResult =>
      r.ok
        ? r
        : { ok: false, failures: r.failures.toSorted((a, b) => key(a).localeCompare(key(b))) };
    expect(pooled.map(sorted)).toEqual(direct.map(sorted));
    expect(pooled.slice(0, 2).map((r) => r.ok)).toEqual([true, true]);
  }, 60_000);

  it('checks the held subject and fails text that is not JSON on the bundle check', async () => {
    const held = { kind: 'file', digest: { algorithm: 'sha256', value: '0'.repeat(64) } } as const;
    const result = await pool.verify(JSON.stringify(vectors.bundles.file), held);
    expect(result.ok ? [] : result.failures.map((f) => f.check)).toEqual(['subject']);
    const garbage = await pool.verify('{');
    expect(garbage.ok ? [] : garbage.failures.map((f) => f.check)).toEqual(['bundle']);
  }, 60_000);
});
