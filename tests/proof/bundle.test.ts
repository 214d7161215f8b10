import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Json } from '@shulian/chaincode/canonical';
import {
  verifyBundle,
  type HeldSubject,
  type ProofBundle,
  type ProofCrypto,
  type TrustFile,
} from '@shulian/proof/bundle';
import { browserProofCrypto } from '@shulian/proof/browser';
import { nodeProofCrypto } from '@shulian/proof/node';
import { RecordParser } from '@shulian/proof/records';
import { formatPath, leafPaths, setPath, type Mutation } from '../vectors/mutations.js';

interface Vectors {
  csv: string;
  provenRecord: number;
  trust: TrustFile;
  trustByOrdererKey: TrustFile;
  bundles: Record<Mutation['bundle'], ProofBundle>;
  mutations: Mutation[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/bundle-v1.json', import.meta.url), 'utf8'),
) as Vectors;
const { trust, bundles } = vectors;
const fileDigest = createHash('sha256').update(vectors.csv).digest('hex');
const parser = new RecordParser('csv');
const records = [...parser.push(new TextEncoder().encode(vectors.csv)), ...parser.end()];
const provenRecord = records[vectors.provenRecord]!;

const asJson = (value: unknown): Json => value as Json;

const CRYPTOS: [string, ProofCrypto][] = [
  ['node:crypto', nodeProofCrypto],
  ['WebCrypto + noble (browser)', browserProofCrypto()],
];

describe.each(CRYPTOS)(
  'proof bundle verification with %s (tests/vectors/bundle-v1.json)',
  (_, crypto) => {
    it('accepts the file bundle, with and without the held file', async () => {
      const held = { kind: 'file', digest: { algorithm: 'sha256', value: fileDigest } } as const;
      for (const subject of [undefined, held, { ...held, size: Buffer.byteLength(vectors.csv) }]) {
        const result = await verifyBundle(bundles.file, trust, crypto, subject);
        expect(result).toMatchObject({ ok: true, blockNumber: 42, department: 'MarketMSP' });
      }
    });

    it('accepts the record bundle, with and without the held record', async () => {
      const held = { kind: 'record', record: provenRecord } as const;
      for (const subject of [undefined, held]) {
        expect(await verifyBundle(bundles.record, trust, crypto, subject)).toMatchObject({
          ok: true,
        });
      }
    });

    it('accepts an orderer trusted by public key instead of certificate', async () => {
      const result = await verifyBundle(bundles.file, vectors.trustByOrdererKey, crypto);
      expect(result.ok).toBe(true);
    });

    it('rejects a held file or record that is not the proven one', async () => {
      const otherFile = {
        kind: 'file',
        digest: { algorithm: 'sha256', value: '0'.repeat(64) },
      } as const;
      const otherRecord = { kind: 'record', record: records[0]! } as const;
      const cases = [
        [bundles.file, otherFile, 'subject'],
        [
          bundles.file,
          { ...otherFile, digest: { algorithm: 'sha256', value: fileDigest }, size: 1 },
          'subject',
        ],
        [bundles.record, otherRecord, 'subject'],
        [bundles.file, otherRecord, 'subject.kind'],
      ] as const;
      for (const [bundle, held, check] of cases) {
        const result = await verifyBundle(bundle, trust, crypto, held);
        expect(result.ok ? [] : result.failures.map((f) => f.check)).toEqual([check]);
      }
    });

    it('mutates every field of both bundles', () => {
      for (const kind of ['file', 'record'] as const) {
        const mutated = new Set(
          vectors.mutations.filter((m) => m.bundle === kind).map((m) => formatPath(m.path)),
        );
        for (const path of leafPaths(asJson(bundles[kind]))) {
          expect(mutated, `${kind} ${formatPath(path)}`).toContain(formatPath(path));
        }
      }
    });

    it.each(vectors.mutations.map((m) => [m.bundle, formatPath(m.path), m] as const))(
      '%s bundle: a change at %s fails naming what failed',
      async (kind, _, mutation) => {
        const bundle = setPath(asJson(bundles[kind]), mutation.path, mutation.value);
        const result = await verifyBundle(bundle, trust, crypto);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const checks = result.failures.map((f) => f.check);
        for (const check of mutation.expect) expect(checks).toContain(check);
        for (const failure of result.failures) expect(failure.message).not.toBe('');
      },
    );

    describe('trust', () => {
      it('rejects a bundle from a department the trust file does not know', async () => {
        const departments = Object.fromEntries(
          Object.entries(trust.departments).filter(([mspId]) => mspId !== 'HealthMSP'),
        );
        const result = await verifyBundle(bundles.file, { ...trust, departments }, crypto);
        expect(result.ok ? [] : result.failures.map((f) => f.check)).toEqual([
          'transaction.endorsements[1].endorser.mspId',
        ]);
      });

      it("rejects certificates when a department's CA is another department's", async () => {
        const departments = {
          ...trust.departments,
          HealthMSP: trust.departments.MarketMSP!,
        };
        const result = await verifyBundle(bundles.file, { ...trust, departments }, crypto);
        expect(result.ok ? [] : result.failures).toEqual([
          {
            check: 'transaction.endorsements[1].endorser.certificate',
            message: 'not issued by the HealthMSP CA',
          },
        ]);
      });

      it('rejects another channel and an untrusted orderer', async () => {
        const result = await verifyBundle(
          bundles.file,
          { ...trust, channel: 'other', orderers: [{ mspId: 'OrdererMSP', certificate: 'x' }] },
          crypto,
        );
        expect(result.ok ? [] : result.failures.map((f) => f.check).sort()).toEqual([
          'block.ordererSignature.orderer.certificate',
          'transaction.proposal.channel',
        ]);
      });

      it('rejects an orderer key that is not the signing certificate’s', async () => {
        const otherKey = vectors.trustByOrdererKey.orderers[0]!;
        const result = await verifyBundle(
          setPath(
            asJson(bundles.file),
            ['block', 'ordererSignature', 'orderer', 'certificate'],
            trust.departments.MarketMSP!.caCertificate,
          ),
          { ...trust, orderers: [otherKey] },
          crypto,
        );
        expect(result.ok ? [] : result.failures.map((f) => f.check)).toEqual([
          'block.ordererSignature.signature',
        ]);
      });
    });

    describe('never throws', () => {
      const garbage: unknown[] = [
        null,
        undefined,
        0,
        'bundle',
        [],
        {},
        { format: 'shulian-proof' },
      ];
      it.each(garbage.map((g) => [JSON.stringify(g) ?? 'undefined', g]))(
        'on bundle %s',
        async (_, bundle) => {
          const result = await verifyBundle(bundle, trust, crypto);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.failures[0]!.check).toMatch(/^bundle/);
        },
      );

      it.each(garbage.map((g) => [JSON.stringify(g) ?? 'undefined', g]))(
        'on trust %s',
        async (_, t) => {
          const result = await verifyBundle(bundles.file, t, crypto);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.failures[0]!.check).toMatch(/^trust/);
        },
      );

      it('when the injected crypto throws or rejects', async () => {
        const rejectSignature = (): Promise<boolean> => Promise.reject(new Error('token removed'));
        const broken: ProofCrypto = {
          ...crypto,
          verifyEcdsaP256: rejectSignature,
          verifyCertIssuedBy: () => {
            throw new Error('parser exploded');
          },
        };
        const result = await verifyBundle(bundles.file, trust, broken);
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.failures.map((f) => f.message)).toContain(
            'unreadable certificate: parser exploded',
          );
        }
        const rejecting = { ...crypto, verifyEcdsaP256: rejectSignature };
        const second = await verifyBundle(bundles.file, trust, rejecting);
        expect(second.ok ? [] : second.failures.map((f) => f.message)).toContain(
          'signature cannot be checked: token removed',
        );
      });

      it('on a bundle from a ledger it has no format for', async () => {
        const result = await verifyBundle({ ...bundles.file, ledger: 'other' }, trust, crypto);
        expect(result.ok ? [] : result.failures.map((f) => f.check)).toEqual(['bundle.ledger']);
      });

      it('on a malformed held subject', async () => {
        const held = { kind: 'file' } as unknown as HeldSubject;
        const result = await verifyBundle(bundles.file, trust, crypto, held);
        expect(result.ok ? [] : result.failures.map((f) => f.check)).toEqual(['verifier']);
      });

      it('on a record that cannot be canonically encoded', async () => {
        const bundle = setPath(asJson(bundles.record), ['subject', 'proof', 'record'], { n: 1 });
        const withNaN = bundle as unknown as ProofBundle;
        (withNaN.subject as { proof: { record: unknown } }).proof.record = { n: Number.NaN };
        const result = await verifyBundle(withNaN, trust, crypto);
        expect(result.ok ? [] : result.failures.map((f) => f.check)).toEqual([
          'subject.proof.record',
        ]);
      });
    });
  },
);
