/**
 * Fabric proof evidence, checked offline against a vector captured from a real Fabric v3.1.5
 * network (tests/vectors/capture-fabric.ts): the untouched evidence verifies, and every field
 * changed fails naming the check, including changes inside the envelope that an attacker
 * re-hashes into the header (then the orderer's signature fails as well as the inner check).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Json } from '@shulian/chaincode/canonical';
import { checkFabricEvidence, type FabricEvidence } from '@shulian/proof/formats/fabric-evidence';
import { decodeTransaction } from '@shulian/proof/formats/fabric';
import { nodeProofCrypto, nodeSha256 } from '@shulian/proof/node';
import type { TrustFile } from '@shulian/proof/schema';
import { formatPath, leafPaths, mutate, setPath, type JsonPath } from '../vectors/mutations.js';

const vector = JSON.parse(
  await readFile(new URL('../vectors/fabric-evidence.json', import.meta.url), 'utf8'),
) as { txId: string; trust: TrustFile; evidence: FabricEvidence };
const { txId, trust, evidence } = vector;

const check = (e: unknown, expected: { txId: string; owner?: string } = { txId }) =>
  checkFabricEvidence(e as FabricEvidence, trust, nodeProofCrypto, expected);
const checks = async (e: unknown): Promise<string[]> =>
  (await check(e)).failures.map((f) => f.check);

/** The checks a change at `path` must trip, by what signs or binds that field. */
function expectedChecks(path: JsonPath): string[] {
  const p = formatPath(path);
  if (p === 'channel') return ['fabric.channel'];
  if (p === 'validationCode') return ['fabric.validationCode'];
  // The only transaction in the vector's block: any other index names no transaction.
  if (p === 'index') return ['fabric.index'];
  if (p === 'header.dataHash') return ['fabric.header.dataHash', 'fabric.signatures[0].signature'];
  if (p.startsWith('header.') || p === 'signatureValue') return ['fabric.signatures[0].signature'];
  if (p.startsWith('data[')) return ['fabric.header.dataHash'];
  if (p === 'signatures[0].signature') return ['fabric.signatures[0].signature'];
  // The middle of the signature header is the orderer's certificate, no longer its CA's.
  if (p === 'signatures[0].signatureHeader') return ['fabric.signatures[0].signatureHeader'];
  throw new Error(`no expectation for ${p}`);
}

describe('Fabric evidence from a real block', () => {
  it('verifies untouched: creator, endorsers and orderer signatures against the channel’s MSP CAs', async () => {
    const result = await check(evidence);
    expect(result.failures).toEqual([]);
    expect(result.transaction?.txId).toBe(txId);
    expect(result.transaction?.endorsements.length).toBeGreaterThanOrEqual(2);
    expect(result.transaction?.writes.length).toBeGreaterThan(0);
  });

  const paths = leafPaths(evidence as unknown as Json);
  it.each(paths.map((p) => [formatPath(p), p] as const))(
    'a change to %s fails naming the check',
    async (_name, path) => {
      const changed = setPath(
        evidence as unknown as Json,
        path,
        mutate(evidence as unknown as Json, path),
      );
      const failed = await checks(changed);
      for (const c of expectedChecks(path)) expect(failed).toContain(c);
    },
  );

  it('covers every field of the evidence', () => {
    expect(paths.map(formatPath).sort()).toEqual(
      [
        'channel',
        'index',
        'validationCode',
        'header.number',
        'header.previousHash',
        'header.dataHash',
        ...evidence.data.map((_, i) => `data[${i}]`),
        'signatureValue',
        ...evidence.signatures.flatMap((_, i) => [
          `signatures[${i}].signatureHeader`,
          `signatures[${i}].signature`,
        ]),
      ].sort(),
    );
  });

  /**
   * Flips one byte of `part` inside the envelope and re-hashes the block data into the header,
   * as an attacker without the orderer's key would have to.
   */
  function tamperEnvelope(part: Uint8Array): FabricEvidence {
    const envelope = Buffer.from(evidence.data[evidence.index] ?? '', 'base64');
    const at = envelope.indexOf(Buffer.from(part));
    expect(at).toBeGreaterThanOrEqual(0);
    const last = at + part.length - 1;
    envelope[last] = (envelope[last] ?? 0) ^ 0x01;
    const data = evidence.data.map((d, i) =>
      i === evidence.index ? envelope.toString('base64') : d,
    );
    const h = nodeSha256.create();
    for (const d of data) h.update(Buffer.from(d, 'base64'));
    const dataHash = Buffer.from(h.digest()).toString('hex');
    return { ...evidence, data, header: { ...evidence.header, dataHash } };
  }
  const tx = decodeTransaction(Buffer.from(evidence.data[evidence.index] ?? '', 'base64'));
  const at = `fabric.data[${evidence.index}]`;

  it.each([
    ['the creator’s signature', () => tx.signature, `${at}.signature`],
    [
      'an endorser’s signature',
      () => tx.endorsements[0]!.signature,
      `${at}.endorsements[0].signature`,
    ],
    ['the endorsed response payload', () => tx.response.payload, `${at}.endorsements[0].signature`],
    ['the nonce', () => tx.nonce, `${at}.txId`],
  ])('a change to %s inside the envelope fails naming it', async (_name, part, expected) => {
    const failed = await checks(tamperEnvelope(part()));
    expect(failed).toContain(expected);
    expect(failed).toContain('fabric.signatures[0].signature');
    expect(failed).not.toContain('fabric.header.dataHash');
  });

  it('names the owner when it did not endorse, and refuses another transaction id', async () => {
    const endorsers = tx.endorsements.map((e) => e.endorser.mspId);
    const outsider = Object.keys(trust.departments).find((d) => !endorsers.includes(d));
    expect(outsider).toBeDefined();
    expect((await check(evidence, { txId, owner: outsider! })).failures).toContainEqual({
      check: `${at}.endorsements`,
      message: `no endorsement from ${outsider}, the owner`,
    });
    const wrong = await check(evidence, { txId: '0'.repeat(64) });
    expect(wrong.failures.map((f) => f.check)).toEqual([`${at}.txId`]);
  });

  it('refuses a trust file from another channel or without the signer’s CA', async () => {
    const other = { ...trust, channel: 'elsewhere' };
    const r1 = await checkFabricEvidence(evidence, other, nodeProofCrypto, { txId });
    expect(r1.failures.map((f) => f.check)).toContain('fabric.channel');
    const noOrderer = { ...trust, orderers: [] };
    const r2 = await checkFabricEvidence(evidence, noOrderer, nodeProofCrypto, { txId });
    expect(r2.failures.map((f) => f.check)).toContain('fabric.signatures[0].signatureHeader');
    const creator = tx.creator.mspId;
    const rest = Object.fromEntries(
      Object.entries(trust.departments).filter(([id]) => id !== creator),
    );
    const r3 = await checkFabricEvidence(
      evidence,
      { ...trust, departments: rest },
      nodeProofCrypto,
      { txId },
    );
    expect(r3.failures.map((f) => f.check)).toContain(`${at}.creator.mspId`);
  });
});
