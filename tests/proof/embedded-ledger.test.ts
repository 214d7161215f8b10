/**
 * End to end on the real embedded network: a CSV goes into the store (commitment and record
 * leaves in one pass), its DatasetVersion is anchored through the chaincode, and bundles built
 * from the ledger's getTransactionProof verify offline against the network's exported keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, type Json } from '@shulian/chaincode/canonical';
import { TX } from '@shulian/chaincode/constants';
import {
  departmentProfile,
  initLedgerConfig,
  loadNetworkConfig,
} from '../../network/embedded/config.js';
import { type Transaction, type TransactionEvidence } from '@shulian/proof/formats/embedded';
import { createBundle } from '@shulian/proof/formats/embedded-bundle';
import { createEmbeddedLedger, type EmbeddedLedger } from '../../gateway/src/ledger/embedded.js';
import { verifyBundle, type ProofBundle, type TrustFile } from '@shulian/proof/bundle';
import { fromBase64 } from '@shulian/proof/hash';
import { nodeProofCrypto } from '@shulian/proof/node';
import { createDatasetStore, type BlobInfo } from '../../gateway/src/store/dataset-store.js';
import { entry } from '../chaincode/world.js';

const CSV = Buffer.from(
  'id_number,name,address,registered_on\n' +
    Array.from(
      { length: 50 },
      (_, i) => `1101011990${String(i).padStart(8, '0')},居民${i},街道${i}号,2026-01-05`,
    ).join('\n'),
);

let dir: string;
let ledger: EmbeddedLedger;
let trust: TrustFile;
let blob: BlobInfo;
let evidence: TransactionEvidence;
let anchorKey: string;
let recordBundle: ProofBundle;
const secret = randomBytes(32);

/** The write holding the anchored DatasetVersion (the one carrying a digest). */
function anchorWrite(tx: Transaction): string {
  const write = tx.payload.rwset.writes.find((w) => {
    if (!w.value) return false;
    const value = parseJson(fromBase64(w.value)) as Record<string, Json>;
    return typeof value === 'object' && value !== null && 'digest' in value && 'chunkRoot' in value;
  });
  if (!write) throw new Error('no DatasetVersion write');
  return write.key;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-proof-e2e-'));
  const config = await loadNetworkConfig();
  ledger = await createEmbeddedLedger({
    dataDir: join(dir, 'ledger'),
    config,
    batch: { timeoutMs: 10 },
  });
  const coordinator = { department: config.coordinator, user: 'admin' };
  const department = config.departments.find((d) => d.id !== config.coordinator)!;
  await ledger.submit(coordinator, TX.governance.InitLedger, [
    JSON.stringify(initLedgerConfig(config)),
  ]);
  await ledger.submit(coordinator, TX.governance.RegisterDepartment, [
    JSON.stringify(departmentProfile(department)),
  ]);
  await ledger.submit({ department: department.id, user: 'admin' }, TX.governance.SetUserRoles, [
    'pub',
    '["publisher"]',
  ]);
  const publisher = { department: department.id, user: 'pub' };
  await ledger.submit(publisher, TX.catalog.CreateEntry, [JSON.stringify(entry('E2E-0001'))]);

  const store = await createDatasetStore({ dir: join(dir, 'store') });
  blob = await store.put([CSV], {
    records: { format: 'csv', secret },
  });
  const { commitment, records } = blob;
  const anchored = await ledger.submit(publisher, TX.dataset.AnchorVersion, [
    JSON.stringify({
      catalogId: 'E2E-0001',
      digest: commitment.digest,
      chunkRoot: commitment.chunkRoot,
      chunkSize: commitment.chunkSize,
      size: commitment.size,
      mediaType: 'text/csv',
      recordRoot: records?.root ?? null,
      recordCount: records?.count ?? null,
    }),
  ]);

  const material = await ledger.getTransactionProof(anchored.txId);
  // The embedded engine's material is the proof package's TransactionEvidence, as is its trust file.
  if (material.engine !== 'embedded')
    throw new Error(`expected embedded material, got ${material.engine}`);
  evidence = material.material;
  anchorKey = anchorWrite(evidence.transaction);
  trust = ledger.trust;

  // Record proofs come from the store's leaves and the secret.
  recordBundle = createBundle(evidence, anchorKey, {
    kind: 'record',
    proof: await store.recordProof(blob.sha256, 17, secret),
  });
}, 120_000);

afterAll(async () => {
  await ledger?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('bundles from the embedded ledger', () => {
  it('verify a file offline, against the file itself', async () => {
    const bundle = createBundle(evidence, anchorKey, {
      kind: 'file',
      digest: blob.commitment.digest,
      size: blob.commitment.size,
    });
    const digest = createHash('sha256').update(CSV).digest('hex');
    const result = await verifyBundle(JSON.parse(JSON.stringify(bundle)), trust, nodeProofCrypto, {
      kind: 'file',
      digest: { algorithm: 'sha256', value: digest },
      size: CSV.length,
    });
    expect(result).toMatchObject({ ok: true, txId: evidence.transaction.proposal.txId });
  });

  it('verify one record without the others', async () => {
    const result = await verifyBundle(recordBundle, trust, nodeProofCrypto, {
      kind: 'record',
      record: {
        id_number: '110101199000000017',
        name: '居民17',
        address: '街道17号',
        registered_on: '2026-01-05',
      },
    });
    expect(result.ok).toBe(true);
  });

  it('fail against another network', async () => {
    // Every department "trusts" the orderer organisation's certificate instead of its own CA.
    const stranger = { caCertificate: ledger.trust.orderers[0]!.certificate };
    const departments = Object.fromEntries(
      Object.keys(trust.departments).map((id) => [id, stranger]),
    );
    const result = await verifyBundle(recordBundle, { ...trust, departments }, nodeProofCrypto);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.failures.map((f) => f.check)).toContain(
        'transaction.proposal.creator.certificate',
      );
  });
});
