/**
 * A small Prometheus text-format registry: request counts and latency histograms per route,
 * counters, and values read at scrape time (gauges, and counters kept elsewhere such as CPU time).
 * Hand-rolled because the gateway needs these few shapes and the exposition format is a page of
 * code; a client library would be the larger dependency.
 */

const BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

type Labels = Readonly<Record<string, string>>;

/** One series of a family read at scrape time. */
export interface Sample {
  labels: Labels;
  value: number;
}

/** What a scrape-time reader returns: one value, or one per label set. */
type Reading = number | readonly Sample[];
type Reader = () => Promise<Reading> | Reading;

interface Histogram {
  buckets: number[];
  count: number;
  sum: number;
}

export interface Metrics {
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** Count something that happened (uploads, denied downloads...). */
  increment(name: string, help: string, labels?: Labels, by?: number): void;
  /** A gauge whose value (or values, one per label set) is read when scraped. */
  gauge(name: string, help: string, read: Reader): void;
  /** A counter kept elsewhere (CPU seconds, GC time), read when scraped. */
  counterOf(name: string, help: string, read: Reader): void;
  render(): Promise<string>;
}

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const renderLabels = (labels: Labels): string => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export function createMetrics(prefix = 'shulian_'): Metrics {
  const requests = new Map<string, { labels: Labels; h: Histogram }>();
  const counters = new Map<
    string,
    { help: string; values: Map<string, { labels: Labels; value: number }> }
  >();
  const scraped = new Map<string, { help: string; type: 'gauge' | 'counter'; read: Reader }>();

  return {
    observeRequest({ method, route, status }, seconds) {
      // A plain key on the hot path; the label set is built once per series.
      const key = `${method} ${status} ${route}`;
      let entry = requests.get(key);
      if (!entry) {
        const labels = { method, route, status: String(status) };
        entry = { labels, h: { buckets: BUCKETS_SECONDS.map(() => 0), count: 0, sum: 0 } };
        requests.set(key, entry);
      }
      const { h } = entry;
      h.count++;
      h.sum += seconds;
      for (let i = BUCKETS_SECONDS.length - 1; i >= 0 && seconds <= BUCKETS_SECONDS[i]!; i--) {
        h.buckets[i] = (h.buckets[i] ?? 0) + 1;
      }
    },

    increment(name, help, labels = {}, by = 1) {
      let counter = counters.get(name);
      if (!counter) {
        counter = { help, values: new Map() };
        counters.set(name, counter);
      }
      const key = renderLabels(labels);
      const cur = counter.values.get(key) ?? { labels, value: 0 };
      cur.value += by;
      counter.values.set(key, cur);
    },

    gauge(name, help, reader) {
      scraped.set(name, { help, type: 'gauge', read: reader });
    },

    counterOf(name, help, reader) {
      scraped.set(name, { help, type: 'counter', read: reader });
    },

    async render() {
      const out: string[] = [];
      const hname = `${prefix}http_request_duration_seconds`;
      out.push(
        `# HELP ${hname} HTTP request latency by route and status.`,
        `# TYPE ${hname} histogram`,
      );
      for (const { labels, h } of requests.values()) {
        BUCKETS_SECONDS.forEach((le, i) => {
          out.push(
            `${hname}_bucket${renderLabels({ ...labels, le: String(le) })} ${h.buckets[i] ?? 0}`,
          );
        });
        out.push(`${hname}_bucket${renderLabels({ ...labels, le: '+Inf' })} ${h.count}`);
        out.push(
          `${hname}_sum${renderLabels(labels)} ${h.sum}`,
          `${hname}_count${renderLabels(labels)} ${h.count}`,
        );
      }
      for (const [name, { help, values }] of counters) {
        out.push(`# HELP ${prefix}${name} ${help}`, `# TYPE ${prefix}${name} counter`);
        for (const { labels, value } of values.values())
          out.push(`${prefix}${name}${renderLabels(labels)} ${value}`);
      }
      for (const [name, family] of scraped) {
        // A failing reader is reported as NaN rather than failing the whole scrape.
        let samples: readonly Sample[];
        try {
          const value = await family.read();
          samples = typeof value === 'number' ? [{ labels: {}, value }] : value;
        } catch {
          samples = [{ labels: {}, value: Number.NaN }];
        }
        out.push(
          `# HELP ${prefix}${name} ${family.help}`,
          `# TYPE ${prefix}${name} ${family.type}`,
        );
        for (const { labels, value } of samples)
          out.push(`${prefix}${name}${renderLabels(labels)} ${value}`);
      }
      return out.join('\n') + '\n';
    },
  };
}
