/**
 * `npm run test:contract` and `npm run test:exports`: a real gateway on the demo data (temporary
 * data directory, a free port on 127.0.0.1), checked by third-party tools from the Python
 * virtual environment `tests/contract/.venv` (pinned in tests/contract/requirements.txt; .ci/run
 * installs it):
 *
 *   api      Schemathesis (all its checks, all four phases, hooks in tests/contract/hooks.py) over
 *            every operation of the gateway's own OpenAPI document, once with the token of a role
 *            allowed each operation and once without a token; any 5xx, any response outside its
 *            documented status codes, content types, headers or schema, any schema-valid request
 *            refused or schema-invalid one accepted fails.
 *   exports  the DCAT-AP feed (without and with a token) against the official DCAT-AP 3.0.1 SHACL
 *            shapes in tests/contract/validators/ (pyshacl), and the PROV-JSON trace (which holds
 *            refused uses) against python `prov` and the PROV-JSON schema (tests/contract/exports.py).
 *
 *   npm run build && node dist/scripts/contract.js api|exports [--examples N] [--seed N] [--out DIR]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
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
// The official shapes travel with the repository, so a clone in any folder runs the suite;
// SHULIAN_VALIDATORS points at another copy (a newer release, say).
const shapes = resolve(
  process.env.SHULIAN_VALIDATORS ?? resolve(root, 'tests/contract/validators'),
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
    `the official DCAT-AP 3.0.1 shapes are not at ${shapes} (tests/contract/validators, or SHULIAN_VALIDATORS)`,
  );

/**
 * Runs a tool with the repository as its directory. With `line`, its standard output is read line
 * by line and each line printed as `line` returns it (stderr passes through as it is).
 */
function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  line?: (text: string) => string,
): Promise<number> {
  process.stdout.write(
    `\n$ ${[command, ...args].map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}\n`,
  );
  return new Promise((done, reject) => {
    const child = spawn(command, args, {
      stdio: ['inherit', line ? 'pipe' : 'inherit', 'inherit'],
      cwd: root,
      env: { ...process.env, ...env },
    });
    child.on('error', reject);
    const { stdout } = child;
    const output = stdout
      ? new Promise<void>((closed) => {
          createInterface({ input: stdout }).on('line', (text) => {
            process.stdout.write(`${line?.(text) ?? text}\n`);
          });
          stdout.on('close', closed);
        })
      : Promise.resolve();
    child.on('exit', (code, signal) => {
      void output.then(() => done(code ?? (signal ? 1 : 0)));
    });
  });
}

/**
 * Schemathesis' output, counted and unbannered. Its sections and closing line are banners in
 * pytest's shape ("==== 3 warnings in 95.12s ===="), which CI readers take for pytest closing on no
 * test; they are printed as "-- … --". Its "Test cases:" counts are added up, for one plain
 * closing line ("contract: N passed, N failed") like the other suites'.
 */
function schemathesisOutput() {
  const cases = { passed: 0, failed: 0 };
  let countsNext = false;
  const line = (text: string): string => {
    if (countsNext) {
      countsNext = false;
      const generated = /(\d+) generated/.exec(text);
      const failed = /(\d+) found \d+ unique failure/.exec(text);
      if (generated) {
        cases.failed += Number(failed?.[1] ?? 0);
        cases.passed += Number(generated[1]) - Number(failed?.[1] ?? 0);
      }
    }
    if (text === 'Test cases:') countsNext = true;
    const banner = /^=+ (.+?) =+$/.exec(text);
    return banner ? `-- ${banner[1]} --` : text;
  };
  return { cases, line };
}

const dataDir = await mkdtemp(join(tmpdir(), 'shulian-contract-'));
const server = await startServer(
  // Thousands of generated requests from one address: the rate limit is off (429 stays in the
  // document of every API operation; tests/gateway covers the limit itself).
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

/** Statuses that refuse a request outside the document (Schemathesis' negative cases). */
const REFUSALS = [
  '400',
  '401',
  '403',
  '404',
  '405',
  '406',
  '409',
  '413',
  '414',
  '415',
  '422',
  '429',
  '431',
];

/** Schemathesis settings: a bearer token for all operations, when there is one. */
function header(token: string | undefined): string[] {
  return token === undefined ? [] : [`headers = { Authorization = "Bearer ${token}" }`, ''];
}

/** Schemathesis settings: a bearer token for the operations whose path matches. */
function operations(pathRegex: string, token: string | undefined): string[] {
  return token === undefined
    ? []
    : [
        '[[operations]]',
        `include-path-regex = ${JSON.stringify(pathRegex)}`,
        `headers = { Authorization = "Bearer ${token}" }`,
        '',
      ];
}

let status = 0;
try {
  if (mode === 'api') {
    const schemathesis = join(root, 'tests/contract/.venv/bin/schemathesis');
    const settings = join(dataDir, 'schemathesis');
    await mkdir(settings);
    // Each operation is called with the token of a role allowed to use it, so that the run
    // reaches the business logic and not only 403s: the coordinator's administrator for
    // departments, users, tokens and the working-day calendar, its auditor (a supervisor) for the
    // ledger check and its progress, a publisher/consumer clerk for everything else (node repair
    // too: rebuilding nodes under the fuzzer would turn its reads into 503s, so repair is fuzzed
    // for its input checks and refusal only; tests/gateway covers a repair). Then everything again
    // without a token: every protected route must answer its documented 401.
    const roleConfig = (token: (d: string, u: string) => string | undefined): string =>
      [
        ...header(token('psb', 'clerk')),
        ...operations('^/api/v1/(departments|calendar)', token('coord', 'admin')),
        ...operations('^/api/v1/ledger/verify', token('coord', 'auditor')),
        '[checks.negative_data_rejection]',
        // A request the document refuses must be refused with a 4xx that says why; 414 and 431
        // are what an over-long path or header block gets before any route runs (5xx never).
        `expected-statuses = ${JSON.stringify(REFUSALS)}`,
        '',
      ].join('\n');
    // Without a token every protected route answers 401 before reading its input, so the costly
    // coverage phase (boundary values of every parameter) and the stateful one add nothing there.
    const runs = [
      {
        name: 'with role tokens',
        config: roleConfig(tokenOf),
        phases: 'examples,coverage,fuzzing,stateful',
      },
      { name: 'without a token', config: roleConfig(() => undefined), phases: 'examples,fuzzing' },
    ];
    const output = schemathesisOutput();
    for (const [i, r] of runs.entries()) {
      const file = join(settings, `run-${i}.toml`);
      await writeFile(file, r.config);
      process.stdout.write(`\n== Schemathesis ${r.name}\n`);
      const code = await run(
        schemathesis,
        [
          '--config-file',
          file,
          'run',
          `${server.url}/docs/json`,
          '--checks',
          'all',
          '--max-examples',
          values.examples,
          '--seed',
          values.seed,
          '--phases',
          r.phases,
          '--workers',
          '2',
          '--request-timeout',
          '30',
          '--suppress-health-check',
          'all',
          '--no-shrink',
          '--no-color',
        ],
        { SCHEMATHESIS_HOOKS: join(root, 'tests/contract/hooks.py') },
        output.line,
      );
      status ||= code;
    }
    process.stdout.write(
      `\ncontract: ${output.cases.passed} passed, ${output.cases.failed} failed\n`,
    );
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
