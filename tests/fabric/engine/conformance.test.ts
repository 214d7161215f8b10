/**
 * The ledger conformance suite (tests/ledger/conformance.ts, the same file the embedded engine
 * runs) against the Fabric ledger client on the real network global-setup.ts started, opened the
 * way the gateway opens it (LEDGER=fabric): from the departments' connection profiles.
 */
import { inject } from 'vitest';
import {
  departmentProfile,
  initLedgerConfig,
  loadNetworkConfig,
} from '../../../network/embedded/config.js';
import { openFabricLedger } from '../../../gateway/src/ledger/fabric-profile.js';
import { ledgerConformance } from '../../ledger/conformance.js';

ledgerConformance('fabric', async () => {
  const config = await loadNetworkConfig();
  const ledger = await openFabricLedger({
    fabricDir: inject('fabricDir'),
    localDepartment: config.coordinator,
  });
  return {
    ledger,
    coordinatorAdmin: { department: config.coordinator, user: 'admin' },
    initLedgerArg: JSON.stringify(initLedgerConfig(config)),
    departments: config.departments
      .filter((d) => d.id !== config.coordinator)
      .map((d) => ({ id: d.id, profile: departmentProfile(d) })),
    // The network belongs to global-setup.ts, which stops it after the run.
    cleanup: () => Promise.resolve(),
  };
});
