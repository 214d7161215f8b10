/**
 * Starts a worker thread from a module next to the caller. A build runs the .js module; sources
 * (tests and benches under tsx or vitest) load the TypeScript module through tsx's loader,
 * registered inside the worker, because Node 20 workers do not apply loader hooks from `--import`
 * to their entry module.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `callerUrl` is the caller's `import.meta.url`; `name` the worker module's name without extension. */
export function startWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = JSON.stringify(new URL(`./${name}.ts`, callerUrl).href);
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); });`;
  return new Worker(code, { ...options, eval: true });
}
