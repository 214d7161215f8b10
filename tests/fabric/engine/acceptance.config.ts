import { defineConfig } from 'vitest/config';

// The API acceptance suite on Fabric, on a network of its own (the story registers the
// departments), started and stopped by the Fabric suite's global setup.
export default defineConfig({
  test: {
    include: ['tests/acceptance/**/*.test.ts'],
    globalSetup: ['tests/fabric/global-setup.ts', 'tests/fabric/engine/acceptance-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
