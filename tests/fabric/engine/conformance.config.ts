import { defineConfig } from 'vitest/config';

// The ledger conformance suite on Fabric, on a network of its own (it initialises the ledger),
// started and stopped by the Fabric suite's global setup.
export default defineConfig({
  test: {
    include: ['tests/fabric/engine/conformance.test.ts'],
    globalSetup: ['tests/fabric/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
