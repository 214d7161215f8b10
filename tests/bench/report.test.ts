/**
 * scripts/bench/report.ts: the /proc stat parsing, CPU by thread over a window, medians, and
 * the JSON document plus one summary line every benchmark prints.
 */
import { pbkdf2 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import {
  cpuSince,
  findLibuvPool,
  median,
  parseStat,
  perUnit,
  report,
  sampleCpu,
} from '../../scripts/bench/report.js';

const linux = process.platform === 'linux';

/** Spins until the calling thread itself has used `ms` of CPU (the machine may be shared). */
function spinCpu(ms: number): void {
  const ticks = (): number => parseStat(readFileSync('/proc/thread-self/stat', 'utf8')).ticks;
  const until = ticks() + ms / 10;
  while (ticks() < until);
}

/** The same in a worker's own JavaScript. */
const SPIN_IN_WORKER = `{
  const { readFileSync } = require('node:fs');
  const ticks = () => { const l = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = l.slice(l.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); };
  const until = ticks() + 30;
  while (ticks() < until);
}`;

describe('bench report', () => {
  it('parses utime + stime and the name, even a name with spaces and parentheses', () => {
    const line =
      '7599 (a (b) c) S 7598 7599 7599 0 -1 4194560 25427 4219114 0 40 5 15 39559 2872 20 0 1 0 39182';
    expect(parseStat(line)).toEqual({ comm: 'a (b) c', ticks: 20 });
    expect(() => parseStat('garbage')).toThrow(/not a \/proc stat line/);
  });

  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('prints one JSON document on stdout and one summary line on stderr', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      report({ bench: 'x', n: 1 }, 'bench:x: 1 thing\n  on two lines');
      expect(JSON.parse(String(out.mock.calls[0]?.[0]))).toEqual({ bench: 'x', n: 1 });
      expect(err.mock.calls).toEqual([['bench:x: 1 thing on two lines\n']]);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  it.runIf(linux)(
    'puts the CPU of the main thread, the libuv pool and a later thread in their groups',
    async () => {
      expect(await findLibuvPool()).toBeGreaterThan(0);
      const start = sampleCpu();
      spinCpu(300);
      // A worker thread started now: a thread started later than this module.
      const worker = new Worker(
        `${SPIN_IN_WORKER}; require('node:worker_threads').parentPort.postMessage('done'); setInterval(() => {}, 1000);`,
        { eval: true },
      );
      await new Promise((resolve) => worker.once('message', resolve));
      // libuv's pool: PBKDF2 jobs, 8 x 150,000 iterations.
      await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            new Promise<void>((resolve, reject) =>
              pbkdf2('x', 'y', 150_000, 32, 'sha256', (e) => (e ? reject(e) : resolve())),
            ),
        ),
      );
      const cpu = cpuSince(start);
      await worker.terminate();

      expect(cpu.byThread.main).toBeGreaterThanOrEqual(290);
      expect(cpu.byThread.later).toBeGreaterThanOrEqual(290);
      expect(cpu.byThread.libuv).toBeGreaterThanOrEqual(100);
      expect(cpu.threads.main).toBe(1);
      // Ticks are 10 ms per thread; the process figure is exact.
      expect(Math.abs(cpu.unattributedMs)).toBeLessThan(10 * (Object.keys(cpu.threads).length + 8));
      const per = perUnit(cpu, 4);
      expect(per.byThread.main).toBeCloseTo((cpu.byThread.main ?? 0) / 4, 2);
      expect(per.total).toBeCloseTo(cpu.totalMs / 4, 2);
    },
  );
});
