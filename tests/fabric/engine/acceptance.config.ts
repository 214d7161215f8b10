import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files share one network, so they run one after the other in the order of their names: the
 * story registers the departments (and checks the directory holds just those) before the data
 * subjects' file finds them registered and records what public security verifies.
 */
class ByName extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return Promise.resolve([...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId)));
  }
}

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
    sequence: { sequencer: ByName },
  },
});
