/**
 * A department's chaincode supervisor: keeps one `fabric-chaincode-node server` running and
 * starts it again when it exits (a crash, a kill), with a short back-off, recording the
 * server's pid next to its own. SIGTERM stops the server and then the supervisor. Started
 * detached by `fabric:up`:
 *
 *   node supervisor.js <server.pid.json> <server.log> -- <command> <args...>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { writeAtomic } from './material.js';

const [pidFile, logFile, separator, command, ...args] = process.argv.slice(2);
if (!pidFile || !logFile || separator !== '--' || !command) {
  process.stderr.write('usage: supervisor <pid file> <log file> -- <command> [args...]\n');
  process.exit(2);
}

let child: ChildProcess | undefined;
let stopping = false;
let failures = 0;

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function start(): void {
  const out = openSync(logFile as string, 'a');
  const started = Date.now();
  child = spawn(command as string, args, { stdio: ['ignore', out, out], env: process.env });
  closeSync(out);
  const pid = child.pid;
  if (pid !== undefined) {
    log(`started ${command} as pid ${pid}`);
    void writeAtomic(
      pidFile as string,
      JSON.stringify({ pid, command: args[0] ?? command, started: new Date().toISOString() }),
    );
  }
  child.once('error', (err) => log(`cannot start: ${err.message}`));
  child.once('exit', (code, signal) => {
    child = undefined;
    if (stopping) return;
    // A server that ran a while is restarted at once; one that keeps dying backs off to 10 s.
    failures = Date.now() - started > 30_000 ? 0 : failures + 1;
    const delay = Math.min(10_000, failures === 0 ? 200 : 500 * 2 ** Math.min(failures, 5));
    log(`server exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
    setTimeout(start, delay);
  });
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  const done = () => {
    rmSync(pidFile as string, { force: true });
    process.exit(0);
  };
  if (!child) return done();
  child.once('exit', done);
  child.kill('SIGTERM');
  setTimeout(() => child?.kill('SIGKILL'), 5_000).unref();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
start();
