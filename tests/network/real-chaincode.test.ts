import { describe, expect, it } from 'vitest';
import { TX } from '@shulian/chaincode/constants';
import { initLedgerConfig, loadNetworkConfig } from '../../network/embedded/config.js';
import { createChaincodeHarness } from '../../network/embedded/harness.js';

describe('harness with the compiled Shulian chaincode', () => {
  it('initialises the ledger from departments.yaml as the coordinator admin', async () => {
    const h = await createChaincodeHarness();
    const config = await loadNetworkConfig();
    const admin = await h.identity(config.coordinator, 'admin', 'admin');
    const r = await h.submit(admin, TX.governance.InitLedger, [
      JSON.stringify(initLedgerConfig(config)),
    ]);
    expect(r.status, r.message).toBe(200);
    expect(r.event?.name).toBeTruthy();
    const who = await h.evaluate(admin, TX.governance.WhoAmI, []);
    expect(who.status, who.message).toBe(200);
    const again = await h.submit(admin, TX.governance.InitLedger, [
      JSON.stringify(initLedgerConfig(config)),
    ]);
    expect(again.status).toBe(500);
    expect(again.message).toMatch(/^\[ALREADY_INITIALIZED\]/);
  });
});
