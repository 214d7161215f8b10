import { describe, expect, it } from 'vitest';
import { openTestNetwork, tempDir } from '../network/helpers.js';

const BLOCKS = 1000;

describe('catch-up', () => {
  it(`a node stopped for ${BLOCKS} blocks catches up, validating each, to the same commit hash`, async () => {
    const { dir, cleanup } = await tempDir('shulian-catchup-');
    const net = await openTestNetwork(dir, { batch: { maxMessageCount: 1, timeoutMs: 5 } });
    try {
      const alice = await net.identity('coord', 'alice');
      await net.submit(alice, 'Put', ['start', '0']);
      await net.stopNode('health');
      const start = net.orderer.height;
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < BLOCKS) {
            const i = next++;
            await net.submit(alice, 'Put', [`k${i}`, String(i)]);
          }
        }),
      );
      expect(net.orderer.height - start).toBe(BLOCKS);
      await net.startNode('health');
      await net.settle();
      const states = net.nodeStates();
      const health = states.find((s) => s.id === 'health');
      expect(health?.height).toBe(net.orderer.height);
      expect(new Set(states.map((s) => s.commitHash))).toEqual(new Set([health?.commitHash]));
      expect((await net.verify()).ok).toBe(true);
    } finally {
      await net.close();
      await cleanup();
    }
  });
});
