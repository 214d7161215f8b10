/**
 * The built `shulian` command line (`dist/gateway/src/cli.js`, which `npm test` builds first) run
 * as a process against a seeded gateway on a random port, in a temporary folder that is its
 * working directory and holds its data directory: what cli.test.ts and cli-i18n.test.ts share.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openFixture, type Fixture } from './fixture.js';

/** The repository's root. */
export const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/gateway/src/cli.js');

export interface CliRun {
  code: number;
  out: string;
  err: string;
  ms: number;
}

export interface CliHarness {
  fx: Fixture;
  /** The gateway's URL. */
  base: string;
  /** The working directory; the data directory is its `data/`. */
  dir: string;
  /** Runs the CLI with only PATH, SHULIAN_DATA_DIR and `env` set (no LANG unless given). */
  cli(
    args: string[],
    options?: { env?: Record<string, string>; timeoutMs?: number },
  ): Promise<CliRun>;
  /** `--url` and `--token` of a demo user. */
  as(department: string, user: string): string[];
  close(): Promise<void>;
}

export async function openCliHarness(prefix: string): Promise<CliHarness> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const fx = await openFixture();
  const base = await fx.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    fx,
    base,
    dir,
    cli(args, { env = {}, timeoutMs = 60_000 } = {}) {
      const started = performance.now();
      return new Promise((done) => {
        execFile(
          process.execPath,
          [CLI, ...args],
          {
            cwd: dir,
            timeout: timeoutMs,
            env: { PATH: process.env.PATH ?? '', SHULIAN_DATA_DIR: join(dir, 'data'), ...env },
          },
          (error, stdout, stderr) =>
            done({
              code: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
              out: stdout,
              err: stderr,
              ms: performance.now() - started,
            }),
        );
      });
    },
    as: (department, user) => ['--url', base, '--token', fx.token(department, user)],
    async close() {
      await fx.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
