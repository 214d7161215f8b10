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

/** A worker thread that answers each message with exactly one reply, in the order asked. */
export interface OrderedWorker<Request, Reply> {
  readonly worker: Worker;
  /** The reply to `request`; once the thread has died, `failed` of the error that ended it. */
  ask(request: Request): Promise<Reply>;
}

/**
 * Wraps `worker` (a module that replies once per message, in order). It is unreferenced while
 * nothing is asked, so an idle thread never keeps the process alive. When the thread dies,
 * `onGone` runs and every pending and later ask gets `failed(error)`.
 */
export function orderedWorker<Request, Reply>(
  worker: Worker,
  failed: (error: Error) => Reply,
  onGone: () => void,
): OrderedWorker<Request, Reply> {
  const waiting: ((reply: Reply) => void)[] = [];
  let failure: Error | null = null;
  worker.unref();
  worker.on('message', (reply: Reply) => {
    waiting.shift()?.(reply);
    if (waiting.length === 0) worker.unref();
  });
  const gone = (error: Error): void => {
    failure ??= error;
    onGone();
    for (const resolve of waiting.splice(0)) resolve(failed(failure));
  };
  worker.on('error', gone);
  worker.on('exit', (code) => gone(new Error(`exited with code ${code}`)));
  return {
    worker,
    ask(request) {
      if (failure) return Promise.resolve(failed(failure));
      return new Promise((resolve) => {
        waiting.push(resolve);
        worker.ref();
        worker.postMessage(request);
      });
    },
  };
}
