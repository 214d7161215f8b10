/**
 * Native processes of a Fabric network: started detached (they outlive `fabric:up`), their
 * output appended to a log file, their pid recorded next to it with the command, so that
 * `fabric:down` stops exactly what was started and a reused pid is not mistaken for ours.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAtomic } from './material.js';

/** pid.json */
export interface PidRecord {
  pid: number;
  command: string;
  started: string;
}

export interface ProcessSpec {
  /** What status prints, e.g. `peer psb`. */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  pidFile: string;
  /** What the process's command line contains (default: the command), to recognise it later. */
  match?: string;
}

export async function readPid(pidFile: string): Promise<PidRecord | undefined> {
  try {
    return JSON.parse(await readFile(pidFile, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/** Whether the pid is alive and still runs the recorded command (pids are reused). */
export function isRunning(record: PidRecord | undefined): record is PidRecord {
  if (!record) return false;
  try {
    process.kill(record.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const cmdline = `/proc/${record.pid}/cmdline`;
  if (!existsSync(cmdline)) return true;
  try {
    const argv = readFileSync(cmdline, 'utf8');
    // A zombie (exited, not yet reaped) has an empty command line.
    return argv.includes(record.command);
  } catch {
    return false;
  }
}

/** Starts a detached process with its output in its log file; records and returns its pid. */
export async function startProcess(spec: ProcessSpec): Promise<PidRecord> {
  await mkdir(path.dirname(spec.logFile), { recursive: true });
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (err) =>
        reject(new Error(`cannot start ${spec.name} (${spec.command}): ${err.message}`)),
      );
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
    const record: PidRecord = {
      pid,
      command: spec.match ?? spec.command,
      started: new Date().toISOString(),
    };
    await writeAtomic(spec.pidFile, JSON.stringify(record));
    return record;
  } finally {
    closeSync(log);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(record: PidRecord, graceMs = 10_000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(record.pid, s);
    } catch {
      // already gone
    }
  };
  if (!isRunning(record)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(record)) {
    if (Date.now() > deadline) {
      signal('SIGKILL');
      await sleep(200);
      if (!isRunning(record)) break;
    }
    await sleep(100);
  }
}

/** Stops the process recorded in a pid file and removes the file. */
export async function stopRecorded(pidFile: string, graceMs?: number): Promise<boolean> {
  const record = await readPid(pidFile);
  const was = isRunning(record);
  if (record) await stopPid(record, graceMs);
  await rm(pidFile, { force: true });
  return was;
}

/** Whether 127.0.0.1:port can be bound now. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Waits until every port can be bound: a process that was just stopped may hold its listeners
 * (the peer's operations port above all) a moment after it was signalled.
 */
export async function waitPortsFree(ports: number[], what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy: number[] = [];
    for (const p of ports) if (!(await portFree(p))) busy.push(p);
    if (busy.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: port(s) ${busy.join(', ')} on 127.0.0.1 are still in use after ${timeoutMs / 1000} s; ` +
          'stop whatever holds them (or run fabric:down --wipe and start a new network)',
      );
    await sleep(250);
  }
}

/** `count` distinct ports that were free a moment ago (all held open together while chosen). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen({ port: 0, host: '127.0.0.1' }, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Polls a node's operations endpoint until /healthz answers 200, or the process dies. */
export async function waitHealthy(
  name: string,
  opsPort: number,
  record: PidRecord,
  logFile: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isRunning(record))
      throw new Error(`${name} exited during start-up; see ${logFile}:\n${await tail(logFile)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${opsPort}/healthz`);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  throw new Error(`${name} not healthy after ${timeoutMs / 1000} s (${last}); see ${logFile}`);
}

/** The last lines of a log file, for error messages. */
export async function tail(file: string, lines = 15): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
