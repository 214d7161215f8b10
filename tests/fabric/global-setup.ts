/**
 * Starts one Fabric network for `npm run test:fabric` with the real commands
 * (`node dist/network/fabric/cli.js up --dir <temp>`, i.e. `npm run fabric:up`), hands its
 * folder to the test files, and at the end stops every process it started and removes the
 * folder, also when a test failed, the start-up failed half-way, or the run was interrupted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { findFabric } from '../../network/fabric/binaries.js';

const run = promisify(execFile);
const CLI = path.resolve('dist/network/fabric/cli.js');

declare module 'vitest' {
  export interface ProvidedContext {
    fabricDir: string;
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
  const interrupted = () => void down(dir).finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await run(process.execPath, [CLI, 'up', '--dir', dir], { timeout: 280_000 });
  } catch (err) {
    await down(dir);
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`fabric:up failed:\n${e.stdout ?? ''}${e.stderr ?? String(err)}`);
  }
  project.provide('fabricDir', dir);
  return async () => {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await down(dir);
  };
}
