/**
 * A small Prometheus text-format registry: request counts and latency histograms per route,
 * plus gauges read at scrape time. Hand-rolled because the gateway needs four metric shapes and
 * the exposition format is a page of code; a client library would be the larger dependency.
 */

const BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

type Labels = Readonly<Record<string, string>>;

interface Histogram {
  buckets: number[];
  count: number;
  sum: number;
}

export interface Metrics {
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** Count something that happened (uploads, denied downloads...). */
  increment(name: string, help: string, labels?: Labels, by?: number): void;
  /** A gauge whose value is read when scraped. */
  gauge(name: string, help: string, read: () => Promise<number> | number): void;
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
  const gauges = new Map<string, { help: string; read: () => Promise<number> | number }>();

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

    gauge(name, help, read) {
      gauges.set(name, { help, read });
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
      for (const [name, { help, read }] of gauges) {
        let value: number;
        try {
          value = await read();
        } catch {
          value = Number.NaN;
        }
        out.push(
          `# HELP ${prefix}${name} ${help}`,
          `# TYPE ${prefix}${name} gauge`,
          `${prefix}${name} ${value}`,
        );
      }
      return out.join('\n') + '\n';
    },
  };
}
