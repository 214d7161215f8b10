import { defineConfig } from 'vitest/config';

// The Fabric suite: one real Fabric network (native processes) for the whole run, started by
// global-setup.ts in a temporary folder and stopped at the end; files run one after another
// because they share it and the machine.
export default defineConfig({
  test: {
    include: ['tests/fabric/**/*.test.ts'],
    // The engine suites (tests/fabric/engine/) need a fresh ledger each: they run on networks of their own.
    exclude: ['tests/fabric/engine/**'],
    globalSetup: ['tests/fabric/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
