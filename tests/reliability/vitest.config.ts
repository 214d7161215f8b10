import { defineConfig } from 'vitest/config';

// Crash, tamper and catch-up tests: slow (child processes, thousands of blocks), run by
// `npm run test:reliability` in CI rather than with the unit suites.
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
