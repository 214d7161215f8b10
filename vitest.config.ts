import { defineConfig } from 'vitest/config';

// Fast suites only; Fabric, browser and soak suites have their own configs and scripts.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/fabric/**', 'tests/browser/**', 'tests/reliability/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
