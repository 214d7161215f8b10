import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  departmentProfile,
  initLedgerConfig,
  loadNetworkConfig,
} from '../../network/embedded/config.js';
import { createEmbeddedLedger } from '../../gateway/src/ledger/embedded.js';
import { ledgerConformance } from './conformance.js';

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
