import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTestNetwork, tempDir } from '../network/helpers.js';

describe('orderer log behind the nodes', () => {
  it('refuses to open rather than acknowledge new transactions by old blocks of the same number', async () => {
    const { dir, cleanup } = await tempDir('shulian-orderer-log-');
    try {
      const net = await openTestNetwork(dir, { durable: true });
      const alice = await net.identity('coord', 'alice');
      for (let i = 0; i < 3; i++) await net.submit(alice, 'Put', [`k${i}`, 'v']);
      await net.settle();
      const ordererBlocks = path.join(dir, 'orderer', 'blocks');
      await net.close();
      // The orderer's log is lost (deleted, restored from an old backup); the nodes keep theirs.
      await rm(ordererBlocks, { recursive: true, force: true });
      await expect(openTestNetwork(dir, { durable: true })).rejects.toMatchObject({
        code: 'ORDERER_LOG_BEHIND',
      });
    } finally {
      await cleanup();
    }
  });
});
