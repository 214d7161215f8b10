import { defineConfig } from 'vitest/config';

// Browser suites drive Debian's Chromium against a real gateway; one file at a time, since each
// starts its own gateway and browser, and with timeouts sized for ledger commits.
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
