/**
 * Disk full, for real: the gateway's data directory on a small tmpfs that a filler file fills to
 * the last byte. The gateway keeps answering: /health stays ok, /ready turns false naming the
 * disk, reads are served, every write (an anchor upload, a download that records a use, a
 * catalog change) answers 507 INSUFFICIENT_STORAGE and leaves nothing behind; once the filler is
 * removed, writes resume and verify is clean, without a restart.
 *
 * Mounting a tmpfs needs root (CI runs as root). Without it this test FAILS, saying so: a disk-full
 * test that passes without a full disk would prove nothing.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, open, rm, rmdir, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from '../gateway/fixture.js';

const TMPFS_SIZE = '96m';
let mountPoint: string;
let mounted = false;
let f: Fixture;

beforeAll(async () => {
  mountPoint = await mkdtemp(join(tmpdir(), 'shulian-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mountPoint], {
      stdio: 'pipe',
    });
    mounted = true;
  } catch (err) {
    throw new Error(
      `DISK-FULL TEST NOT RUN: cannot mount a tmpfs at ${mountPoint} (run the reliability suite as root): ${String((err as { stderr?: Buffer }).stderr ?? err)}`,
    );
  }
  f = await openFixture({
    dataDir: join(mountPoint, 'data'),
    overrides: { minFreeBytes: 1 << 20 },
  });
});

afterAll(async () => {
  await f?.close();
  if (mounted) await unmount();
  await rmdir(mountPoint).catch(() => undefined);
});

/**
 * Unmounts, giving files closed just now a moment. This process must hold nothing there once the
 * gateway has closed: that is checked. A child process may: LevelDB opens its files without
 * O_CLOEXEC, so a child spawned while a database is open inherits them, and under vitest the hash
 * threads load TypeScript through tsx, whose esbuild service is such a child (a build runs
 * JavaScript and spawns nothing). Such a mount is detached lazily, freed when that child exits.
 */
async function unmount(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
      return;
    } catch (err) {
      if (attempt < 10) {
        await new Promise((r) => setTimeout(r, 300));
        continue;
      }
      const holders = holdersOf(mountPoint);
      const mine = holders.filter((holder) => holder.pid === process.pid);
      if (mine.length > 0)
        throw new Error(
          `the closed gateway still holds files on ${mountPoint}: ${mine.map((h) => h.paths.join(', ')).join('; ')}`,
          { cause: err },
        );
      console.warn(
        `detaching ${mountPoint} lazily; held by ${holders.map((h) => `${h.pid} ${h.exe}`).join(', ')}`,
      );
      execFileSync('umount', ['--lazy', mountPoint], { stdio: 'pipe' });
      return;
    }
  }
}

interface Holder {
  pid: number;
  exe: string;
  paths: string[];
}

/** Every process's files, working directory and mapped files under `dir`. */
function holdersOf(dir: string): Holder[] {
  const link = (path: string): string => {
    try {
      return readlinkSync(path);
    } catch {
      return '';
    }
  };
  const found: Holder[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const paths = [link(`/proc/${pid}/cwd`)];
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) paths.push(link(`/proc/${pid}/fd/${fd}`));
      for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n'))
        paths.push(line.slice(line.indexOf('/')));
    } catch {
      // The process ended meanwhile.
    }
    const held = [...new Set(paths.filter((path) => path.startsWith(dir)))];
    if (held.length > 0)
      found.push({ pid: Number(pid), exe: link(`/proc/${pid}/exe`), paths: held });
  }
  return found;
}

type Who = [string, string];
const get = (url: string, who: Who = ['health', 'clerk']) =>
  f.app.inject({ method: 'GET', url, headers: f.auth(...who) });
const anchor = (name: string) =>
  f.app.inject({
    method: 'POST',
    url: '/api/v1/catalog/HLT-ORG-001/versions?reason=disk%20full%20test',
    headers: { ...f.auth('health', 'clerk'), 'content-type': 'application/x-ndjson' },
    payload: `${JSON.stringify({ licence_no: 'D1', name, address: '北城区1号' })}\n`,
  });

/** Writes zeros until the file system refuses: not one byte is left. */
async function fill(file: string): Promise<FileHandle> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(1 << 20);
  for (;;) {
    try {
      await handle.write(chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
      throw err;
    }
  }
  for (const size of [65_536, 4_096, 512, 1]) {
    const small = Buffer.alloc(size);
    for (;;) {
      try {
        await handle.write(small);
      } catch {
        break;
      }
    }
  }
  return handle;
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('disk full on a small tmpfs', () => {
  it('stays up and says so, refuses writes with 507 leaving nothing behind, and resumes when space returns', async () => {
    expect((await anchor('before')).statusCode).toBe(201);
    const heightBefore = await f.height();
    const versionsBefore = (await get('/api/v1/catalog/HLT-ORG-001/versions')).json<{
      items: unknown[];
    }>().items.length;

    const filler = join(mountPoint, 'filler');
    const handle = await fill(filler);
    try {
      expect((await f.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      await until('/ready to turn false', async () => {
        const ready = await f.app.inject({ method: 'GET', url: '/ready' });
        return ready.statusCode === 503;
      });
      const ready = (await f.app.inject({ method: 'GET', url: '/ready' })).json<{
        error: { code: string; message: string; details: { storage: { full: boolean } } };
      }>().error;
      expect(ready.code).toBe('NOT_READY');
      expect(ready.message).toMatch(/disk is full/);
      expect(ready.details.storage.full).toBe(true);
      expect((await f.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
        /storage_free_bytes \d/,
      );

      // Reads are served from what is there.
      expect((await get('/api/v1/catalog/HLT-ORG-001')).statusCode).toBe(200);

      const refused = await anchor('while full');
      expect(refused.statusCode, refused.body).toBe(507);
      expect(refused.json<{ error: { code: string } }>().error.code).toBe('INSUFFICIENT_STORAGE');

      // A download records a use, a ledger write: refused by the ledger itself, also as 507.
      const download = await get('/api/v1/catalog/PSB-POP-001/versions/1/content');
      expect(download.statusCode, download.body).toBe(507);
      expect(download.json<{ error: { code: string } }>().error.code).toBe('INSUFFICIENT_STORAGE');

      // Below the gateway: the ledger's own write path on the full disk fails cleanly too.
      const direct = await f.runtime.chaincode
        .submit({ department: 'health', user: 'clerk' }, 'catalog:GetEntry', ['HLT-ORG-001'])
        .then(
          () => 'committed',
          (err: unknown) => String((err as Error).message),
        );
      expect(direct).not.toBe('committed');
      expect(await f.height()).toBe(heightBefore);
    } finally {
      await handle.close();
      await rm(filler);
    }

    await until('/ready to turn true again', async () => {
      const ready = await f.app.inject({ method: 'GET', url: '/ready' });
      return ready.statusCode === 200;
    });
    const after = await anchor('after');
    expect(after.statusCode, after.body).toBe(201);
    expect((await get('/api/v1/catalog/PSB-POP-001/versions/1/content')).statusCode).toBe(200);
    const versions = (await get('/api/v1/catalog/HLT-ORG-001/versions')).json<{
      items: unknown[];
    }>().items;
    expect(versions.length).toBe(versionsBefore + 1);
    const status = (await get('/api/v1/ledger/status', ['coord', 'admin'])).json<{
      nodes: { id: string; halted?: string; height: number }[];
    }>();
    expect(status.nodes.filter((n) => n.halted !== undefined)).toEqual([]);
    const verify = await f.app.inject({
      method: 'POST',
      url: '/api/v1/ledger/verify',
      headers: f.auth('coord', 'admin'),
    });
    expect(verify.json(), verify.body).toMatchObject({ ok: true, divergences: [] });
  });
});
