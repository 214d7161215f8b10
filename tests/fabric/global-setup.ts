/**
 * Starts one Fabric network for `npm run test:fabric` with the real commands
 * (`node dist/network/fabric/cli.js up --dir <temp> --config <file>`, i.e. `npm run fabric:up`),
 * hands its folder and configuration to the test files, and at the end stops every process it
 * started and removes the folder, also when a test failed, the start-up failed half-way, or the
 * run was interrupted.
 *
 * The configuration is network/departments.yaml with the peers' time window widened to
 * TEST_TIME_WINDOW: exchange.test.ts runs psb's and health's gateways under libfaketime and moves
 * their clocks past a grant's end (up to a day ahead), and the peers must accept the transactions
 * those gateways sign with that time. Nothing else in the suite depends on the window.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG_PATH } from '../../network/embedded/config.js';
import { findFabric } from '../../network/fabric/binaries.js';

const run = promisify(execFile);
const CLI = path.resolve('dist/network/fabric/cli.js');

/** Past the end of today in China Standard Time, wherever the day is now, plus a margin. */
export const TEST_TIME_WINDOW = '48h';

declare module 'vitest' {
  export interface ProvidedContext {
    fabricDir: string;
    /** The departments.yaml the network was made from. */
    fabricConfig: string;
  }
}

async function down(dir: string): Promise<void> {
  await run(process.execPath, [CLI, 'down', '--wipe', '--dir', dir]).catch((err: unknown) => {
    process.stderr.write(`fabric:down failed: ${String(err)}\n`);
  });
  await rm(dir, { recursive: true, force: true });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Names the missing files and how to get Fabric; .ci/run checks before calling this suite.
  findFabric();
  const dir = await mkdtemp(path.join(tmpdir(), 'shulian-fabric-'));
  const config = path.join(dir, 'test-network.yaml');
  const doc = parse(await readFile(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  await writeFile(
    config,
    stringify({ ...doc, peers: { fabric: { timeWindow: TEST_TIME_WINDOW } } }),
  );
  const interrupted = () => void down(dir).finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await run(process.execPath, [CLI, 'up', '--dir', dir, '--config', config], {
      timeout: 280_000,
    });
  } catch (err) {
    await down(dir);
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`fabric:up failed:\n${e.stdout ?? ''}${e.stderr ?? String(err)}`);
  }
  project.provide('fabricDir', dir);
  project.provide('fabricConfig', config);
  return async () => {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await down(dir);
  };
}
