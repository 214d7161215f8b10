/**
 * Crash safety through the gateway: the real server in a child process, concurrent HTTP clients
 * anchoring uploads to two entries, filing and approving share requests and downloading (each a
 * recorded use), the server killed with SIGKILL at random moments under that load and also during
 * its start-up. After the last restart every acknowledged write (a 2xx answer) is there: each
 * anchored version downloads as the uploaded bytes with a proof, each request exists (approved
 * when its approval was acknowledged), each use is in the audit trail; every node agrees at the
 * orderer's height, and verify (every node against the re-validated log, the index against a
 * replay of the ledger, every blob against its digest) is clean.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../network/helpers.js';

/**
 * The child: the real server as built (dist/, what `npm start` runs; durable as in production) in
 * demo mode on a free port, printing `READY <json>` with its URL and this start's demo tokens.
 */
const dist = (file: string): string =>
  pathToFileURL(fileURLToPath(new URL(`../../dist/gateway/src/${file}`, import.meta.url))).href;
const SERVER_SCRIPT = `
const { loadConfig } = await import(${JSON.stringify(dist('config.js'))});
const { startServer } = await import(${JSON.stringify(dist('server.js'))});
const server = await startServer(loadConfig({}, {
  dataDir: process.argv[2], port: 0, logLevel: 'silent', demo: true, rateLimit: 0, orphanGraceMs: 0,
}));
const tokens = Object.fromEntries((server.demo ?? []).map((d) => [d.department + '/' + d.user, d.token]));
process.stdout.write('READY ' + JSON.stringify({ url: server.url, tokens }) + '\\n');
`;
const KILLS = Number(process.env.RELIABILITY_GATEWAY_KILLS ?? 20);
const STARTUP_KILLS = Number(process.env.RELIABILITY_GATEWAY_STARTUP_KILLS ?? 6);

interface Started {
  child: ChildProcess;
  url: string;
  tokens: Record<string, string>;
}

/** Starts the server; resolves once it prints READY (rejects if it exits first). */
function start(dataDir: string): { child: ChildProcess; ready: Promise<Started> } {
  const child = spawn(process.execPath, [join(dataDir, '..', 'server.mjs'), dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const ready = new Promise<Started>((resolve, reject) => {
    let buffer = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.startsWith('READY '));
      if (line) {
        const { url, tokens } = JSON.parse(line.slice(6)) as Omit<Started, 'child'>;
        resolve({ child, url, tokens });
      }
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`server exited before READY (${code ?? signal}): ${stderr}`)),
    );
  });
  ready.catch(() => undefined);
  return { child, ready };
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

interface Acked {
  anchors: { catalogId: string; version: number; body: string }[];
  requests: { id: string; approved: boolean }[];
  uses: string[];
}

/** One entry anchored record by record (JSON Lines), one as whole files (CSV, records=false). */
const ANCHORS = [
  {
    catalogId: 'HLT-ORG-001',
    who: 'health/clerk',
    type: 'application/x-ndjson',
    query: '',
    body: (run: number, w: number, seq: number) =>
      `${JSON.stringify({ licence_no: `R${run}-${w}-${seq}`, name: `名${seq}`, address: `北城区${seq}号` })}\n`,
  },
  {
    catalogId: 'PSB-CRIM-001',
    who: 'psb/clerk',
    type: 'text/csv',
    query: '&records=false',
    body: (run: number, w: number, seq: number) =>
      `crash run ${run} writer ${w} seq ${seq} ${Math.random()}\n`,
  },
];

/** Runs HTTP writers until `stop` aborts; records every acknowledged write in `acked`. */
async function load(s: Started, run: number, acked: Acked, stop: AbortSignal, onAck: () => void) {
  const call = async (
    who: string,
    method: string,
    path: string,
    body?: string,
    type = 'application/json',
  ): Promise<Response | undefined> => {
    try {
      return await fetch(`${s.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${s.tokens[who] ?? ''}`,
          ...(body === undefined ? {} : { 'content-type': type }),
        },
        ...(body === undefined ? {} : { body }),
        signal: stop,
      });
    } catch {
      return undefined; // the server died under the request, or the run ended: not acknowledged
    }
  };
  const anchorer = async (a: (typeof ANCHORS)[number], w: number) => {
    for (let seq = 0; !stop.aborted; seq++) {
      const body = a.body(run, w, seq);
      const res = await call(
        a.who,
        'POST',
        `/api/v1/catalog/${a.catalogId}/versions?reason=crash${a.query}`,
        body,
        a.type,
      );
      if (res?.status === 201) {
        const { data } = (await res.json()) as { data: { version: number } };
        acked.anchors.push({ catalogId: a.catalogId, version: data.version, body });
        onAck();
      }
    }
  };
  const requester = async () => {
    while (!stop.aborted) {
      const res = await call(
        'psb/clerk',
        'POST',
        '/api/v1/requests',
        JSON.stringify({
          catalogId: 'HLT-BIRTH-001',
          fields: ['cert_no'],
          purpose: 'work_reference',
          scenario: `crash run ${run}`,
          period: { from: '2026-11-01', to: '2026-12-31' },
        }),
      );
      if (res?.status !== 201) continue;
      const id = ((await res.json()) as { data: { request: { id: string } } }).data.request.id;
      const entry = { id, approved: false };
      acked.requests.push(entry);
      onAck();
      const approved = await call('health/clerk', 'POST', `/api/v1/requests/${id}/approve`, '{}');
      if (approved?.status === 200) entry.approved = true;
    }
  };
  const downloader = async () => {
    while (!stop.aborted) {
      const res = await call(
        'health/clerk',
        'GET',
        '/api/v1/catalog/PSB-POP-001/versions/1/content',
      );
      if (res?.status !== 200) continue;
      try {
        await res.arrayBuffer();
      } catch {
        continue; // cut mid-body: the use was recorded before, but the client saw no whole answer
      }
      acked.uses.push(String(res.headers.get('x-shulian-usage-id')));
      onAck();
    }
  };
  await Promise.all([
    anchorer(ANCHORS[0]!, 0),
    anchorer(ANCHORS[0]!, 1),
    anchorer(ANCHORS[1]!, 2),
    requester(),
    downloader(),
  ]);
}

const auth = (s: Started, who: string) => ({ authorization: `Bearer ${s.tokens[who] ?? ''}` });

async function json<T>(s: Started, who: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${s.url}${path}`, { ...init, headers: auth(s, who) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe('crash safety through the gateway: kill -9 under HTTP load and during start-up', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let last: ChildProcess | undefined;
  beforeAll(async () => {
    const temp = await tempDir('shulian-gwcrash-');
    cleanup = temp.cleanup;
    // A script file, not node -e: with --input-type=module the store's hashing threads failed.
    await writeFile(join(temp.dir, 'server.mjs'), SERVER_SCRIPT);
    dir = join(temp.dir, 'data');
  });
  afterAll(async () => {
    if (last) await kill(last);
    await cleanup();
  });

  it(`keeps every acknowledged write across ${KILLS} kills under load and ${STARTUP_KILLS} during start-up`, async () => {
    const acked: Acked = { anchors: [], requests: [], uses: [] };
    // The first start seeds the demo data and is never interrupted; start-up kills come later.
    const startupKillRuns = new Set(
      Array.from(
        { length: STARTUP_KILLS },
        (_, i) => 1 + Math.floor(((i + 0.5) * KILLS) / STARTUP_KILLS),
      ),
    );
    for (let run = 0; run < KILLS; run++) {
      const t0 = Date.now();
      if (startupKillRuns.has(run)) {
        const { child } = start(dir);
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 2500));
        await kill(child);
      }
      const { ready } = start(dir);
      const s = await ready;
      last = s.child;
      if (process.env.RELIABILITY_TRACE)
        process.stdout.write(`run ${run}: ready in ${Date.now() - t0} ms\n`);
      const stop = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const before = acked.anchors.length + acked.requests.length + acked.uses.length;
      const killed = new Promise<void>((resolve) => {
        const onAck = () => {
          timer ??= setTimeout(() => void kill(s.child).then(resolve), 300 + Math.random() * 2000);
        };
        void load(s, run, acked, stop.signal, onAck);
      });
      await killed;
      stop.abort();
      expect(
        acked.anchors.length + acked.requests.length + acked.uses.length,
        `run ${run}`,
      ).toBeGreaterThan(before);
    }

    const s = await start(dir).ready;
    last = s.child;
    for (const a of acked.anchors) {
      const base = `${s.url}/api/v1/catalog/${a.catalogId}/versions/${a.version}`;
      const owner = a.catalogId.startsWith('HLT') ? 'health/clerk' : 'psb/clerk';
      const content = await fetch(`${base}/content`, { headers: auth(s, owner) });
      expect(content.status, `${a.catalogId} v${a.version}`).toBe(200);
      expect(await content.text()).toBe(a.body);
      const proof = await fetch(`${base}/proof`, { headers: auth(s, owner) });
      expect(proof.status, `${a.catalogId} v${a.version} proof`).toBe(200);
      await proof.arrayBuffer();
    }
    for (const r of acked.requests) {
      const request = await json<{ status: string }>(s, 'psb/clerk', `/api/v1/requests/${r.id}`);
      if (r.approved) expect(request.status, r.id).toBe('approved');
    }
    const trail = new Set<string>();
    for (let cursor: string | null = ''; cursor !== null;) {
      const page: { items: { id: string }[]; nextCursor: string | null } = await json(
        s,
        'coord/auditor',
        `/api/v1/audit/usage?catalogId=PSB-POP-001&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const u of page.items) trail.add(u.id);
      cursor = page.nextCursor;
    }
    for (const id of acked.uses) expect(trail.has(id), id).toBe(true);

    const status = await json<{
      height: number;
      nodes: { height: number; commitHash: string; halted?: string }[];
    }>(s, 'coord/admin', '/api/v1/ledger/status');
    expect(
      new Set(status.nodes.map((n) => `${n.height}/${n.commitHash}`)).size,
      JSON.stringify(status.nodes),
    ).toBe(1);
    expect(status.nodes.filter((n) => n.halted !== undefined)).toEqual([]);
    const report = await json<{ ok: boolean; divergences: unknown[] }>(
      s,
      'coord/admin',
      '/api/v1/ledger/verify',
      {
        method: 'POST',
      },
    );
    expect(report.divergences).toEqual([]);
    expect(report.ok).toBe(true);
    expect(acked.anchors.length).toBeGreaterThan(0);
    expect(acked.anchors.length + acked.requests.length + acked.uses.length).toBeGreaterThan(KILLS);
    process.stdout.write(
      `gateway crash: ${KILLS}+${STARTUP_KILLS} kills, acknowledged ${acked.anchors.length} anchors, ${acked.requests.length} requests (${acked.requests.filter((r) => r.approved).length} approved), ${acked.uses.length} uses: all present\n`,
    );
  }, 900_000);
});
