/**
 * `npm run test:contract` and `npm run test:exports`: a real gateway on the demo data (temporary
 * data directory, a free port on 127.0.0.1), checked by third-party tools from the Python
 * virtual environment `tests/contract/.venv` (pinned in tests/contract/requirements.txt; .ci/run
 * installs it):
 *
 *   api      Schemathesis over every operation of the gateway's own OpenAPI document, once with a
 *            member's token and once without; any 500, any response outside its documented
 *            status codes, content types or schema fails.
 *   exports  the DCAT-AP feed (without and with a token) against the official DCAT-AP 3.0.1 SHACL
 *            shapes in ../shared/validators/ (pyshacl), and the PROV-JSON trace (which holds
 *            refused uses) against python `prov` and the PROV-JSON schema (tests/contract/exports.py).
 *
 *   npm run build && node dist/scripts/contract.js api|exports [--examples N] [--seed N] [--out DIR]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../gateway/src/config.js';
import { startServer } from '../gateway/src/server.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    examples: { type: 'string', default: '25' },
    seed: { type: 'string', default: '1' },
    /** exports: keep the exported documents in this directory (default: a temporary one). */
    out: { type: 'string' },
  },
});
const mode = positionals[0];
if (mode !== 'api' && mode !== 'exports') {
  process.stderr.write('usage: contract.js api|exports [--examples N] [--seed N]\n');
  process.exit(2);
}

// dist/scripts/contract.js or scripts/contract.ts: the repository is two or one levels up.
const here = dirname(fileURLToPath(import.meta.url));
const root = existsSync(join(here, '..', 'package.json'))
  ? resolve(here, '..')
  : resolve(here, '..', '..');
const python = join(root, 'tests/contract/.venv/bin/python');
// shared/ sits beside the clone in CI; SHULIAN_VALIDATORS points elsewhere (a work tree's own).
const shapes = resolve(
  process.env.SHULIAN_VALIDATORS ?? resolve(root, '../shared/validators'),
  'dcat-ap-3.0.1',
);

function fail(message: string): never {
  process.stderr.write(`contract: ${message}\n`);
  process.exit(1);
}

if (!existsSync(python))
  fail(
    'no tests/contract/.venv: python3 -m venv tests/contract/.venv && ' +
      'tests/contract/.venv/bin/pip install -r tests/contract/requirements.txt',
  );
if (mode === 'exports' && !existsSync(join(shapes, 'shacl_dcat-ap-SHACL.ttl')))
  fail(
    `the official DCAT-AP 3.0.1 shapes are not at ${shapes} (shared/validators beside the clone)`,
  );

function run(command: string, args: string[]): Promise<number> {
  process.stdout.write(
    `\n$ ${[command, ...args].map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}\n`,
  );
  return new Promise((done, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: root });
    child.on('error', reject);
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

const dataDir = await mkdtemp(join(tmpdir(), 'shulian-contract-'));
const server = await startServer(
  // Thousands of generated requests from one address: the rate limit is not under test here.
  loadConfig(
    {},
    { dataDir, host: '127.0.0.1', port: 0, logLevel: 'error', rateLimit: 0, demo: true },
  ),
);
const tokenOf = (department: string, user: string): string => {
  const found = server.demo?.find((d) => d.department === department && d.user === user);
  if (!found) fail(`no demo identity ${department}/${user}`);
  return found.token;
};

async function get(path: string, token?: string): Promise<string> {
  const response = await fetch(`${server.url}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const body = await response.text();
  if (!response.ok) fail(`GET ${path}: ${response.status} ${body}`);
  return body;
}

let status = 0;
try {
  if (mode === 'api') {
    const common = [
      'run',
      `${server.url}/docs/json`,
      '--checks',
      'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance',
      '--max-examples',
      values.examples,
      '--seed',
      values.seed,
      '--phases',
      'examples,coverage,fuzzing',
      '--workers',
      '2',
      '--request-timeout',
      '30',
      '--suppress-health-check',
      'all',
      '--no-shrink',
    ];
    const schemathesis = join(root, 'tests/contract/.venv/bin/schemathesis');
    // A publisher/consumer clerk reaches every business route; then the same without a token,
    // where every protected route must answer its documented 401.
    const withToken = await run(schemathesis, [
      ...common,
      '--header',
      `Authorization: Bearer ${tokenOf('psb', 'clerk')}`,
    ]);
    const anonymous = await run(schemathesis, common);
    status = withToken || anonymous;
  } else {
    const files = values.out ?? (await mkdtemp(join(tmpdir(), 'shulian-exports-')));
    try {
      // Refused uses of several kinds on top of the demo's one: no grant at all, and fields
      // beyond the grant; each is recorded on chain and must appear in the trace.
      for (const [department, path] of [
        ['amr', '/api/v1/catalog/PSB-POP-001/versions/1/content'],
        ['amr', '/api/v1/catalog/HLT-BIRTH-001/versions/1/content?fields=name'],
      ] as const) {
        const r = await fetch(`${server.url}${path}`, {
          headers: { authorization: `Bearer ${tokenOf(department, 'clerk')}` },
        });
        await r.arrayBuffer();
        if (r.status !== 403)
          fail(`expected a refused use for ${department} ${path}, got ${r.status}`);
      }
      const out = {
        open: join(files, 'catalog-open.jsonld'),
        member: join(files, 'catalog-member.jsonld'),
        prov: join(files, 'usage-prov.json'),
      };
      await writeFile(out.open, await get('/api/v1/dcat/catalog.jsonld'));
      await writeFile(
        out.member,
        await get('/api/v1/dcat/catalog.jsonld', tokenOf('psb', 'clerk')),
      );
      await writeFile(out.prov, await get('/api/v1/audit/prov', tokenOf('coord', 'auditor')));
      status = await run(python, [
        join(root, 'tests/contract/exports.py'),
        '--shapes',
        shapes,
        '--dcat',
        out.open,
        '--dcat',
        out.member,
        '--prov',
        out.prov,
      ]);
    } finally {
      if (values.out === undefined) await rm(files, { recursive: true, force: true });
    }
  }
} finally {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(status);
