/**
 * Delivery receipts (issue 11): an allowed use's receipt is the usage record with its
 * transaction's proof, served to the use's parties and overseers, and it verifies a delivered
 * (projected) file offline against the trust file, naming grant, purpose, consumer and time. Any
 * other file, an altered record or another network's trust file fails.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageRecord } from '@shulian/chaincode/constants';
import { verifyBundle, type ProofBundle, type TrustFile } from '@shulian/proof/bundle';
import { nodeProofCrypto } from '@shulian/proof/node';
import type { Json } from '@shulian/chaincode/canonical';
import { formatPath, leafPaths, mutate, setPath } from '../vectors/mutations.js';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
let trust: TrustFile;
/** health's projected download of PSB-POP-001 (three of five fields) and its use. */
let delivered: Buffer;
let useId: string;
let receipt: ProofBundle;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const held = (bytes: Buffer) =>
  ({
    kind: 'file',
    digest: { algorithm: 'sha256', value: sha256(bytes) },
    size: bytes.length,
  }) as const;
const receiptUrl = (id: string) => `/api/v1/audit/usage/${id}/receipt`;
const get = (url: string, who: [string, string]) =>
  f.app.inject({ method: 'GET', url, headers: f.auth(...who) });
const copy = <T>(value: T): T => structuredClone(value);

beforeAll(async () => {
  f = await openFixture();
  trust = (await get('/api/v1/ledger/trust', ['health', 'clerk'])).json<TrustFile>();
  const res = await get('/api/v1/catalog/PSB-POP-001/versions/1/content', ['health', 'clerk']);
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  delivered = res.rawPayload;
  useId = String(res.headers['x-shulian-usage-id']);
  const answer = await get(receiptUrl(useId), ['health', 'clerk']);
  expect(answer.statusCode, answer.body.slice(0, 300)).toBe(200);
  receipt = answer.json<ProofBundle>();
}, 120_000);
afterAll(() => f.close());

describe('GET /audit/usage/{id}/receipt', () => {
  it('is a proof bundle whose anchor is the usage record and whose subject is what it delivered', () => {
    const use = receipt.anchor.value as unknown as UsageRecord;
    expect(use).toMatchObject({
      id: useId,
      outcome: 'ALLOWED',
      action: 'download',
      consumer: { department: 'health', user: 'clerk' },
      bytes: delivered.length,
      deliveredDigest: { algorithm: 'sha256', value: sha256(delivered) },
    });
    expect(receipt).toMatchObject({
      format: 'shulian-proof',
      version: 2,
      subject: { kind: 'delivery', digest: use.deliveredDigest, size: delivered.length },
    });
  });

  it('is given to the use’s consumer and provider departments and to overseers, not to others', async () => {
    for (const who of [
      ['psb', 'clerk'],
      ['coord', 'auditor'],
      ['coord', 'admin'],
    ] as const) {
      const res = await get(receiptUrl(useId), [...who]);
      expect(res.statusCode, `${who.join('/')}: ${res.body.slice(0, 200)}`).toBe(200);
    }
    const other = await get(receiptUrl(useId), ['amr', 'clerk']);
    expect(other.statusCode).toBe(403);
    expect(other.json<{ error: { code: string } }>().error.code).toBe('FORBIDDEN_DEPARTMENT');
    const nobody = (
      await f.runtime.tokens.create({ department: 'health', user: 'nobody', roles: [] })
    ).token;
    const roleless = await f.app.inject({
      url: receiptUrl(useId),
      headers: { authorization: `Bearer ${nobody}` },
    });
    expect(roleless.json<{ error: { code: string } }>().error.code).toBe('FORBIDDEN_ROLE');
    expect((await f.app.inject({ url: receiptUrl(useId) })).statusCode).toBe(401);
  });

  it('answers USAGE_NOT_FOUND for an unknown use and NOT_DELIVERED for a refused one', async () => {
    const unknown = await get(receiptUrl('USE-0000000000000000'), ['health', 'clerk']);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe('USAGE_NOT_FOUND');
    const refusal = await get('/api/v1/catalog/PSB-POP-001/versions/1/content', ['amr', 'clerk']);
    expect(refusal.statusCode).toBe(403);
    const refusedId = refusal.json<{ error: { details: { usageId: string } } }>().error.details
      .usageId;
    const res = await get(receiptUrl(refusedId), ['amr', 'clerk']);
    expect(res.statusCode).toBe(409);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('NOT_DELIVERED');
  });

  it('records no use', async () => {
    const before = (await get('/api/v1/audit/usage?limit=200', ['coord', 'auditor'])).json<{
      items: unknown[];
    }>().items.length;
    await get(receiptUrl(useId), ['health', 'clerk']);
    const after = (await get('/api/v1/audit/usage?limit=200', ['coord', 'auditor'])).json<{
      items: unknown[];
    }>().items.length;
    expect(after).toBe(before);
  });
});

describe('a receipt verified offline (verifyBundle, no gateway)', () => {
  it('verifies the delivered projected file and says under which grant, purpose and time', async () => {
    const result = await verifyBundle(receipt, trust, nodeProofCrypto, held(delivered));
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true, department: 'health' });
    if (!result.ok) return;
    const use = receipt.anchor.value as unknown as UsageRecord;
    expect(use.grantId).toMatch(/^GRANT-/);
    expect(result.delivery).toMatchObject({
      id: useId,
      grantId: use.grantId,
      purpose: use.purpose,
      consumer: { department: 'health', user: 'clerk' },
      at: use.at,
      catalogId: 'PSB-POP-001',
      datasetVersion: 1,
    });
  });

  it('verifies a whole-file download against the anchored bytes', async () => {
    const res = await get('/api/v1/catalog/PSB-POP-001/versions/1/content', ['psb', 'clerk']);
    const whole = (
      await get(receiptUrl(String(res.headers['x-shulian-usage-id'])), ['psb', 'clerk'])
    ).json<ProofBundle>();
    const result = await verifyBundle(whole, trust, nodeProofCrypto, held(res.rawPayload));
    expect(result.ok, JSON.stringify(result)).toBe(true);
  });

  it('is checked by POST /verify/bundle too, which answers the use it proves', async () => {
    const check = (value: string) =>
      f.app.inject({
        method: 'POST',
        url: '/api/v1/verify/bundle',
        payload: { bundle: receipt, digest: { algorithm: 'sha256', value } },
      });
    const use = receipt.anchor.value as unknown as UsageRecord;
    const ok = await check(sha256(delivered));
    expect(ok.json()).toMatchObject({
      ok: true,
      department: 'health',
      delivery: {
        id: useId,
        grantId: use.grantId,
        purpose: use.purpose,
        fields: use.fields,
        consumer: { department: 'health', user: 'clerk' },
        at: use.at,
        bytes: delivered.length,
      },
    });
    const other = await check('0'.repeat(64));
    expect(other.json()).toMatchObject({ ok: false, delivery: null });
  });

  it('fails for an altered file', async () => {
    const altered = Buffer.from(delivered);
    const at = altered.length - 3;
    altered.writeUInt8(altered.readUInt8(at) ^ 1, at);
    const result = await verifyBundle(receipt, trust, nodeProofCrypto, held(altered));
    expect(!result.ok && result.failures).toEqual([
      { check: 'subject', message: 'the file you hold is not the file this use delivered' },
    ]);
    const shorter = await verifyBundle(
      receipt,
      trust,
      nodeProofCrypto,
      held(delivered.subarray(0, delivered.length - 1)),
    );
    expect(shorter.ok).toBe(false);
  });

  it('fails for an altered usage record, whatever member is changed', async () => {
    const changes: [string, (use: Record<string, unknown>) => void][] = [
      ['purpose', (u) => (u.purpose = 'administrative_basis')],
      ['grantId', (u) => (u.grantId = 'GRANT-FORGED')],
      ['at', (u) => (u.at = '2020-01-01T00:00:00.000Z')],
      ['fields', (u) => (u.fields = ['id_number', 'name', 'birth_date', 'address'])],
      ['consumer', (u) => (u.consumer = { department: 'amr', user: 'clerk' })],
    ];
    for (const [member, change] of changes) {
      const forged = copy(receipt);
      change(forged.anchor.value as Record<string, unknown>);
      const result = await verifyBundle(forged, trust, nodeProofCrypto, held(delivered));
      expect(!result.ok && result.failures, member).toContainEqual({
        check: 'anchor.value',
        message: 'differs from the value the transaction wrote',
      });
    }
  });

  it('fails when any one field of the receipt is changed (every leaf mutated)', async () => {
    const json = receipt as unknown as Json;
    const paths = leafPaths(json);
    expect(paths.length).toBeGreaterThan(50);
    const passed: string[] = [];
    for (const path of paths) {
      const forged = setPath(json, path, mutate(json, path));
      if ((await verifyBundle(forged, trust, nodeProofCrypto, held(delivered))).ok)
        passed.push(formatPath(path));
    }
    expect(passed, 'mutations that still verified').toEqual([]);
  });

  it('fails when the subject claims other bytes than the record', async () => {
    const forged = copy(receipt);
    if (forged.subject.kind !== 'delivery') throw new Error('not a receipt');
    forged.subject.size += 1;
    const result = await verifyBundle(forged, trust, nodeProofCrypto);
    expect(result).toMatchObject({
      ok: false,
      failures: [expect.objectContaining({ check: 'subject.size' })],
    });
  });

  it('fails against another network’s trust file', async () => {
    const other = await openFixture({ seed: false });
    try {
      const result = await verifyBundle(
        receipt,
        other.runtime.trust,
        nodeProofCrypto,
        held(delivered),
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.failures.map((x) => x.check)).toEqual(
        expect.arrayContaining([
          'transaction.proposal.creator.certificate',
          'block.ordererSignature.orderer.certificate',
        ]),
      );
    } finally {
      await other.close();
    }
  });

  it('is not a file proof: the projected file does not verify against the version’s file bundle', async () => {
    const fileProof = (
      await get('/api/v1/catalog/PSB-POP-001/versions/1/proof', ['health', 'clerk'])
    ).json<unknown>();
    const result = await verifyBundle(fileProof, trust, nodeProofCrypto, held(delivered));
    expect(result).toMatchObject({ ok: false, failures: [{ check: 'subject' }] });
    const asRecord = await verifyBundle(receipt, trust, nodeProofCrypto, {
      kind: 'record',
      record: { name: 'x' },
    });
    expect(asRecord).toMatchObject({
      ok: false,
      failures: [expect.objectContaining({ check: 'subject.kind' })],
    });
  });
});
