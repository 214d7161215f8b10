/**
 * What every benchmark shares in how it reports: one JSON document on stdout and one summary
 * line on stderr (`report`), medians, the machine's state, and the CPU time of each of this
 * process's threads over a measured window.
 *
 * Node 20 has no process.threadCpuUsage, so thread CPU is read from Linux's
 * /proc/self/task/<tid>/stat (utime + stime, in clock ticks of 1/CLK_TCK s, usually 10 ms). Node
 * 20 names none of its threads (every comm is "node"), so threads are grouped by what they are:
 * `main` (the JavaScript thread), `libuv` (the thread pool: fs, node:crypto's async work,
 * level's reads and writes), `startup` (threads Node had started before this module loaded: V8's
 * platform workers, which run concurrent GC and compilation, and Node's own), and `later`
 * (threads started afterwards by native code, such as LevelDB's compaction thread or worker
 * threads). A thread that other code names keeps its own name. Threads that end inside the window
 * take their CPU with them; `unattributedMs` (process CPU minus the threads') shows it.
 */
import { execFileSync } from 'node:child_process';
import { pbkdf2 } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Prints the benchmark's JSON document on stdout and its one-line summary on stderr. */
export function report(document: unknown, summary: string): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  process.stderr.write(`${summary.replace(/\s*\n\s*/g, ' ')}\n`);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** Cores and the 1-minute load average: how shared the machine was. */
export function machine(): { cpus: number; loadAverage1m: number } {
  return { cpus: cpus().length, loadAverage1m: round(loadavg()[0] ?? 0, 2) };
}

/** One /proc/<pid>/task/<tid>/stat line: the thread's name, and utime + stime in clock ticks. */
export function parseStat(line: string): { comm: string; ticks: number } {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 60)}`);
  // Fields after the name, from field 3 (state): utime and stime are fields 14 and 15.
  const fields = line.slice(close + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isInteger(ticks)) throw new Error(`no utime/stime in: ${line.slice(0, 60)}`);
  return { comm: line.slice(open + 1, close), ticks };
}

let clockTicks: number | undefined;
/** Clock ticks per second of /proc's times (sysconf(_SC_CLK_TCK); 100 on Linux in practice). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      clockTicks = 100;
    }
    if (!(clockTicks > 0)) clockTicks = 100;
  }
  return clockTicks;
}

function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
}

function readThread(tid: number): { comm: string; ticks: number } | null {
  try {
    return parseStat(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'));
  } catch {
    return null; // ended between listing and reading
  }
}

/** Threads that existed when this module loaded (imported first, before any bench work). */
const startupThreads = new Set(threadIds());
const libuvThreads = new Set<number>();

/**
 * Finds libuv's pool threads: runs one CPU-bound job per pool thread (PBKDF2, some 30-60 ms each)
 * and takes the threads the pool started for them, or else the ones that spent that CPU. Call
 * once before measuring, while the process is otherwise idle.
 */
export async function findLibuvPool(): Promise<number> {
  const size = Number(process.env.UV_THREADPOOL_SIZE ?? 4) || 4;
  const before = new Map(threadIds().map((tid) => [tid, readThread(tid)?.ticks ?? 0]));
  const job = (): Promise<void> =>
    new Promise((resolve, reject) =>
      pbkdf2('probe', 'salt', 60_000, 32, 'sha256', (err) => (err ? reject(err) : resolve())),
    );
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: size }, job));
    for (const tid of threadIds()) {
      if (tid === process.pid) continue;
      const was = before.get(tid);
      if (was === undefined || (readThread(tid)?.ticks ?? 0) - was >= 2) libuvThreads.add(tid);
    }
    if (libuvThreads.size >= size) break;
  }
  return libuvThreads.size;
}

/** What each group of threads is, for the JSON documents that report them. */
export const THREAD_GROUPS = {
  main: 'the JavaScript thread',
  libuv: "libuv's thread pool: fs, node:crypto's async work, level's reads and writes",
  startup:
    "threads Node started before the benchmark: V8's platform workers (concurrent GC, compilation) and Node's own",
  later:
    "threads native code started afterwards (in bench:ledger LevelDB's compaction thread), and worker threads",
  unattributedMs: 'process CPU minus the threads: threads that ended in the window, tick rounding',
} as const;

function groupOf(tid: number, comm: string): string {
  if (tid === process.pid) return 'main';
  if (libuvThreads.has(tid)) return 'libuv';
  // Node 20 names its threads after the process; a thread named otherwise was named on purpose.
  const unnamed = comm === 'node' || comm === process.title.slice(0, 15);
  if (!unnamed) return comm;
  return startupThreads.has(tid) ? 'startup' : 'later';
}

export interface CpuSample {
  /** Clock ticks of CPU per thread id, and each thread's group. */
  threads: Map<number, { group: string; ticks: number }>;
  process: NodeJS.CpuUsage;
}

export function sampleCpu(): CpuSample {
  const threads = new Map<number, { group: string; ticks: number }>();
  for (const tid of threadIds()) {
    const stat = readThread(tid);
    if (stat) threads.set(tid, { group: groupOf(tid, stat.comm), ticks: stat.ticks });
  }
  return { threads, process: process.cpuUsage() };
}

export interface ThreadCpu {
  /** CPU-ms per group of threads (see the module comment), largest first. */
  byThread: Record<string, number>;
  /** How many threads of each group ran at all in the window. */
  threads: Record<string, number>;
  /** The threads' sum. */
  totalMs: number;
  /** process.cpuUsage() over the same window. */
  processMs: number;
  /** processMs - totalMs: threads that ended in the window, and tick rounding (10 ms a thread). */
  unattributedMs: number;
}

/** CPU of each group of threads between two samples (the second defaults to now). */
export function cpuSince(start: CpuSample, end: CpuSample = sampleCpu()): ThreadCpu {
  const msPerTick = 1000 / ticksPerSecond();
  const ms = new Map<string, number>();
  const count = new Map<string, number>();
  for (const [tid, now] of end.threads) {
    const delta = now.ticks - (start.threads.get(tid)?.ticks ?? 0);
    if (delta <= 0) continue;
    ms.set(now.group, (ms.get(now.group) ?? 0) + delta * msPerTick);
    count.set(now.group, (count.get(now.group) ?? 0) + 1);
  }
  const totalMs = [...ms.values()].reduce((a, b) => a + b, 0);
  const processMs =
    (end.process.user - start.process.user + end.process.system - start.process.system) / 1000;
  const groups = [...ms.entries()].sort((a, b) => b[1] - a[1]);
  return {
    byThread: Object.fromEntries(groups.map(([g, v]) => [g, round(v, 1)])),
    threads: Object.fromEntries(groups.map(([g]) => [g, count.get(g) ?? 0])),
    totalMs: round(totalMs, 1),
    processMs: round(processMs, 1),
    unattributedMs: round(processMs - totalMs, 1),
  };
}

/** The same figures divided by a count (CPU-ms per committed transaction, per request...). */
export function perUnit(
  cpu: ThreadCpu,
  units: number,
): {
  total: number;
  byThread: Record<string, number>;
  processTotal: number;
} {
  const n = Math.max(1, units);
  return {
    total: round(cpu.totalMs / n),
    byThread: Object.fromEntries(Object.entries(cpu.byThread).map(([g, v]) => [g, round(v / n)])),
    processTotal: round(cpu.processMs / n),
  };
}
