/**
 * Process and runtime metrics for `/metrics`: CPU time, memory, open files, event-loop delay and
 * garbage collection, the figures an operator looks at first when a gateway is slow. Names follow
 * the Prometheus client libraries' (`process_*`, `nodejs_*`) under the gateway's prefix.
 */
import { readdir } from 'node:fs/promises';
import {
  constants,
  monitorEventLoopDelay,
  PerformanceObserver,
  type PerformanceEntry,
} from 'node:perf_hooks';
import type { Metrics, Sample } from './metrics.js';

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const NS_PER_SECOND = 1e9;

/**
 * Registers the process metrics on `metrics` and starts the event-loop and GC observers.
 * @returns a function that stops the observers (on close).
 */
export function registerProcessMetrics(metrics: Metrics): () => void {
  const started = Date.now() / 1000 - process.uptime();
  metrics.gauge('process_start_time_seconds', 'start of the process, seconds since the epoch', () =>
    Math.round(started),
  );
  metrics.counterOf('process_cpu_seconds_total', 'CPU time of the process, by mode', () => {
    const { user, system } = process.cpuUsage();
    return [
      { labels: { mode: 'user' }, value: user / 1e6 },
      { labels: { mode: 'system' }, value: system / 1e6 },
    ];
  });
  metrics.gauge('process_resident_memory_bytes', 'resident set size', () =>
    process.memoryUsage.rss(),
  );
  metrics.gauge('nodejs_heap_bytes', 'V8 heap, used and total', () => {
    const { heapUsed, heapTotal, external } = process.memoryUsage();
    return [
      { labels: { kind: 'used' }, value: heapUsed },
      { labels: { kind: 'total' }, value: heapTotal },
      { labels: { kind: 'external' }, value: external },
    ];
  });
  metrics.gauge(
    'process_open_fds',
    'open file descriptors (sockets, level files, blobs)',
    async () =>
      // Linux only; elsewhere the reader fails and the value is NaN.
      (await readdir('/proc/self/fd')).length,
  );

  // Quantiles since the previous scrape, as the client libraries report them: a stall shows in
  // the next scrape instead of being averaged away over the process's life.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  metrics.gauge(
    'nodejs_eventloop_delay_seconds',
    'event-loop delay since the previous scrape (quantiles 0.5, 0.99 and the maximum)',
    () => {
      const samples: Sample[] =
        delay.count === 0
          ? []
          : [
              { labels: { quantile: '0.5' }, value: delay.percentile(50) / NS_PER_SECOND },
              { labels: { quantile: '0.99' }, value: delay.percentile(99) / NS_PER_SECOND },
              { labels: { quantile: '1' }, value: delay.max / NS_PER_SECOND },
            ];
      delay.reset();
      return samples;
    },
  );

  const gc = new Map<string, { runs: number; seconds: number }>();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // Node puts the collection's kind on gc entries' `detail`, which the DOM type lacks.
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      const kind = GC_KINDS[detail?.kind ?? -1] ?? 'other';
      const total = gc.get(kind) ?? { runs: 0, seconds: 0 };
      total.runs++;
      total.seconds += entry.duration / 1000;
      gc.set(kind, total);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const byKind = (pick: (t: { runs: number; seconds: number }) => number): Sample[] =>
    [...gc].map(([kind, t]) => ({ labels: { kind }, value: pick(t) }));
  metrics.counterOf('nodejs_gc_runs_total', 'garbage collections, by kind', () =>
    byKind((t) => t.runs),
  );
  metrics.counterOf(
    'nodejs_gc_duration_seconds_total',
    'time spent in garbage collection, by kind',
    () => byKind((t) => t.seconds),
  );

  return () => {
    delay.disable();
    observer.disconnect();
  };
}
