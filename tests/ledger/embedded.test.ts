import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  departmentProfile,
  initLedgerConfig,
  loadNetworkConfig,
} from '../../network/embedded/config.js';
import { createEmbeddedLedger } from '../../gateway/src/ledger/embedded.js';
import { describe, expect, it } from 'vitest';
import { ledgerConformance } from './conformance.js';
import { TestContract } from '../network/fixtures/test-contract.js';

ledgerConformance('embedded', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'shulian-conformance-'));
  const config = await loadNetworkConfig();
  const ledger = await createEmbeddedLedger({ dataDir, config, batch: { timeoutMs: 10 } });
  return {
    ledger,
    coordinatorAdmin: { department: config.coordinator, user: 'admin' },
    initLedgerArg: JSON.stringify(initLedgerConfig(config)),
    departments: config.departments
      .filter((d) => d.id !== config.coordinator)
      .map((d) => ({ id: d.id, profile: departmentProfile(d) })),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});

describe('embedded ledger: admin surface', () => {
  it('keeps delivering events while the coordinator node is stopped, and repairs a node', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'shulian-embedded-admin-'));
    const ledger = await createEmbeddedLedger({
      dataDir,
      chaincode: { contracts: [TestContract] },
      durable: false,
      batch: { timeoutMs: 5 },
    });
    try {
      const caller = { department: 'psb', user: 'pia' };
      await ledger.submit(caller, 'Put', ['a', '1']);
      const controller = new AbortController();
      const seen: number[] = [];
      const done = (async () => {
        for await (const e of ledger.blockEvents({ startBlock: 0, signal: controller.signal })) {
          seen.push(e.blockNumber);
          if (seen.length === 3) controller.abort();
        }
      })();
      await ledger.stopNode('coord');
      await ledger.submit(caller, 'Put', ['b', '2']);
      await ledger.submit(caller, 'Put', ['c', '3']);
      await done;
      expect(seen).toEqual([0, 1, 2]);
      const status = await ledger.status();
      expect(status.nodes.find((n) => n.id === 'coord')?.running).toBe(false);
      expect(status.agreement).toBe(true);
      await ledger.startNode('coord');
      await ledger.repairNode('amr');
      await ledger.network.settle();
      expect((await ledger.verify()).ok).toBe(true);
      expect(ledger.trust.departments.psb?.caCertificate).toMatch(/BEGIN CERTIFICATE/);
      const tx = await ledger.getTransaction((await ledger.submit(caller, 'Put', ['d', '4'])).txId);
      expect(tx.creator).toEqual(caller);
    } finally {
      await ledger.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
