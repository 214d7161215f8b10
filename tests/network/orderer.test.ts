import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BatchConfig } from '../../network/embedded/config.js';
import { encodeHeader, type Transaction } from '@shulian/proof/formats/embedded';
import { verify } from '../../network/embedded/crypto.js';
import { CertificateAuthority, type SigningIdentity } from '../../network/embedded/identity.js';
import { Orderer } from '../../network/embedded/orderer.js';
import { headerHash } from '../../network/embedded/validator.js';
import { createPublicKey } from 'node:crypto';
import path from 'node:path';
import { tempDir } from './helpers.js';

const BATCH: BatchConfig = {
  timeoutMs: 10_000,
  maxMessageCount: 3,
  absoluteMaxBytes: 20_000,
  preferredMaxBytes: 5_000,
};

let serial = 0;
/** A transaction of about `size` bytes: the orderer neither parses nor validates what it orders. */
const tx = (size = 100): Transaction =>
  ({
    proposal: { txId: `t${serial++}`, filler: 'x'.repeat(size) },
    clientSignature: '',
    payload: {},
    endorsements: [],
  }) as unknown as Transaction;

describe('the orderer', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let identity: SigningIdentity;
  let orderer: Orderer;
  const open = (batch: Partial<BatchConfig> = {}): Promise<Orderer> =>
    Orderer.open(path.join(dir, 'blocks'), identity, { ...BATCH, ...batch }, true);

  beforeAll(async () => {
    identity = await (await CertificateAuthority.create('orderer')).issue('orderer0', 'orderer');
  });
  beforeEach(async () => ({ dir, cleanup } = await tempDir('shulian-orderer-')));
  afterEach(async () => {
    await orderer.close();
    await cleanup();
  });

  it('cuts a block at maxMessageCount without waiting for the timeout', async () => {
    orderer = await open();
    // The timeout is 10 s: only the count can cut this block within the test's time.
    const at = await Promise.all([tx(), tx(), tx()].map((t) => orderer.broadcast(t)));
    expect(at).toEqual([0, 1, 2].map((index) => ({ blockNumber: 0, index })));
  });

  it('cuts by preferredMaxBytes, a transaction larger than it alone, and refuses absoluteMaxBytes', async () => {
    orderer = await open();
    const sizes = [2_000, 2_000, 2_000, 6_000];
    const at = await Promise.all(sizes.map((s) => orderer.broadcast(tx(s))));
    // The third would overflow the first batch; the large one is cut on its own.
    expect(at.map((a) => a.blockNumber)).toEqual([0, 0, 1, 2]);
    await expect(orderer.broadcast(tx(30_000))).rejects.toMatchObject({ code: 'TX_TOO_LARGE' });
  });

  it('cuts a partial batch at the timeout', async () => {
    orderer = await open({ timeoutMs: 50 });
    const started = performance.now();
    expect(await orderer.broadcast(tx())).toEqual({ blockNumber: 0, index: 0 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('chains and signs headers, and keeps every acknowledged block across a restart', async () => {
    orderer = await open({ maxMessageCount: 1 });
    for (let i = 0; i < 3; i++) await orderer.broadcast(tx());
    await orderer.close();
    orderer = await open({ maxMessageCount: 1 });
    expect(orderer.height).toBe(3);
    await orderer.broadcast(tx());
    const key = createPublicKey(identity.certificate);
    let previous = '0'.repeat(64);
    for (let n = 0; n < 4; n++) {
      const block = await orderer.block(n);
      if (!block) throw new Error(`block ${n} is missing`);
      expect(block.header).toMatchObject({ number: n, previousHash: previous, txCount: 1 });
      expect(verify(key, encodeHeader(block.header), block.ordererSignature.signature)).toBe(true);
      previous = headerHash(block);
    }
  });
});
