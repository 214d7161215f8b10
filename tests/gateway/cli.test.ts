/**
 * The `shulian` command line as a person meets it: the real built CLI (`dist/gateway/src/cli.js`,
 * which `npm test` builds first) run as a process against a seeded gateway on a random port. An
 * upload the gateway refuses early ends at once with its error; help is per command with examples;
 * a usage mistake costs a few lines naming the command; messages say what is wrong in words
 * (not regular expressions, ENOENT or padded ledger keys); exit codes are the documented ones;
 * times are China Standard Time.
 */
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressBar } from '../../gateway/src/cli/progress.js';
import { loadConfig } from '../../gateway/src/config.js';
import { openCliHarness, ROOT, type CliHarness, type CliRun } from './cli-process.js';
import type { Fixture } from './fixture.js';
import { serverOutput } from './server-output.js';

// Each case starts the CLI as a process, several times; on a loaded machine that is seconds each.
const SLOW = 120_000;

let h: CliHarness;
let fx: Fixture;
let base: string;
let dir: string;
const cli = (args: string[], timeoutMs?: number): Promise<CliRun> =>
  h.cli(args, timeoutMs === undefined ? {} : { timeoutMs });
const as = (department: string, user: string): string[] => h.as(department, user);

beforeAll(async () => {
  h = await openCliHarness('shulian-cli-');
  ({ fx, base, dir } = h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('an upload the gateway refuses early', () => {
  it(
    'stops at once with the gateway error, not after streaming the whole file',
    async () => {
      // 256 MiB, sparse: streaming all of it took over a minute before the fix.
      const big = join(dir, 'big.csv');
      const handle = await open(big, 'w');
      await handle.truncate(256 * 1024 * 1024);
      await handle.close();
      const r = await cli(['anchor', big, '--catalog', 'PSB-POP-001', ...as('amr', 'clerk')]);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toMatch(/^shulian anchor: only psb .*\[NOT_OWNER\]\n$/);
      expect(r.ms).toBeLessThan(10_000);
    },
    SLOW,
  );

  it(
    'erases its progress bar when stopped, so the error printed next is not overwritten',
    () => {
      const writes: string[] = [];
      const tty = {
        isTTY: true,
        columns: 80,
        write: (s: string) => writes.push(s),
      } as unknown as NodeJS.WriteStream;
      const bar = progressBar('anchor big.csv', 100, tty);
      bar.advance(10);
      bar.fail();
      const after = writes.length;
      bar.advance(50);
      bar.done();
      expect(writes.at(after - 1)).toBe('\r\x1b[K');
      expect(writes).toHaveLength(after);
    },
    SLOW,
  );
});

describe('help, version and usage errors', () => {
  it(
    'prints per-command help with examples for `<command> --help` and `help <command>`',
    async () => {
      for (const args of [
        ['anchor', '--help'],
        ['help', 'anchor'],
        ['anchor', '-h'],
      ]) {
        const r = await cli(args);
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/^shulian anchor — /);
        expect(r.out).toContain(
          'Examples:\n  shulian anchor enterprises.csv --catalog AMR-ENT-001',
        );
        expect(r.out).not.toContain('shulian tokens');
      }
      const tokens = await cli(['tokens', 'create', '--help']);
      expect(tokens.out).toContain('shulian tokens create --department amr --user zhangsan');
    },
    SLOW,
  );

  it(
    'lists the commands and the exit codes in the global help',
    async () => {
      const r = await cli(['--help']);
      expect(r.code).toBe(0);
      for (const c of ['anchor', 'verify', 'proof', 'trace', 'trust', 'tokens', 'node', 'index'])
        expect(r.out).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
      expect(r.out).toMatch(/Exit status: 0 success; 1 failure .*; 2 usage error/s);
    },
    SLOW,
  );

  it(
    'prints its version for --version and -V',
    async () => {
      const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
        version: string;
      };
      for (const args of [
        ['--version'],
        ['-V'],
        ['--version', '--lang', 'zh'],
        ['--lang=en', '-V'],
      ]) {
        const r = await cli(args);
        expect(r.code, args.join(' ')).toBe(0);
        expect(r.out).toBe(`shulian ${version}\n`);
      }
    },
    SLOW,
  );

  it(
    'answers a usage mistake in three lines naming the command, exit 2',
    async () => {
      for (const [args, message] of [
        [['anchor'], 'shulian anchor: which file? name the file to anchor'],
        [['anchor', 'x.csv', '--bogus'], 'shulian anchor: unknown option --bogus'],
        [['proof', '--catalog', 'A', '--version'], 'shulian proof: --version needs a value'],
        [['anchor', 'x.csv', '--proof', 'p.json'], 'shulian anchor: anchor does not take --proof'],
        [['trust'], 'shulian trust: which action? `shulian trust export` writes the trust file'],
        [['tokens', 'mint'], 'shulian tokens: unknown action "mint"'],
        [
          ['trace', '--limit', '-3'],
          'shulian trace: --limit needs a value; one that starts with a dash goes after "="',
        ],
      ] as const) {
        const r = await cli([...args]);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.err.split('\n')[0]).toContain(message);
        expect(r.err.trim().split('\n').length).toBeLessThanOrEqual(5);
        expect(r.err).not.toContain('Options for every command');
        expect(r.err).toContain(`Run \`shulian ${args[0]} --help\` for examples.`);
      }
      const unknown = await cli(['anhcor']);
      expect(unknown.code).toBe(2);
      expect(unknown.err).toBe(
        'shulian: unknown command "anhcor"\nRun `shulian --help` for the commands.\n',
      );
    },
    SLOW,
  );
});

describe('messages in words, with the documented exit codes', () => {
  it(
    'explains a bad --from instead of showing the schema pattern',
    async () => {
      const r = await cli(['trace', '--from', 'yesterday', ...as('coord', 'auditor')]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(
        '--from must be a day (2026-03-01, China Standard Time) or an instant with its zone',
      );
      expect(r.err).not.toContain('\\d');
    },
    SLOW,
  );

  it(
    'has the gateway explain bad parameters in words too (console and API clients)',
    async () => {
      const from = await fx.app.inject({
        url: '/api/v1/audit/usage?from=yesterday',
        headers: fx.auth('coord', 'auditor'),
      });
      expect(from.statusCode).toBe(400);
      const fromError = from.json<{ error: { message: string } }>().error;
      expect(fromError.message).toMatch(
        /^querystring\/from: is not valid: expected from \(YYYY-MM-DD/,
      );
      const outcome = await fx.app.inject({
        url: '/api/v1/audit/usage?outcome=MAYBE',
        headers: fx.auth('coord', 'auditor'),
      });
      expect(outcome.json<{ error: { message: string } }>().error.message).toBe(
        'querystring/outcome: must be one of ALLOWED, DENIED',
      );
    },
    SLOW,
  );

  it(
    'says "no such file" for a missing file, exit 2, without ENOENT',
    async () => {
      for (const args of [
        ['anchor', 'missing.csv', '--catalog', 'AMR-ENT-001'],
        ['verify', 'missing.csv', '--proof', 'p.json', '--trust', 't.json'],
      ]) {
        const r = await cli(args);
        expect(r.code).toBe(2);
        expect(r.err).toMatch(/: file missing\.csv: no such file\n/);
        expect(r.err).not.toMatch(/ENOENT|stat|open '/);
      }
    },
    SLOW,
  );

  it(
    'exits 2 for a malformed --digest, online or offline',
    async () => {
      for (const extra of [
        ['--url', base],
        ['--proof', 'p.json', '--trust', 't.json'],
      ]) {
        const r = await cli(['verify', '--digest', 'zz', ...extra]);
        expect(r.code).toBe(2);
        expect(r.err).toContain('--digest must be 64 hexadecimal digits');
      }
    },
    SLOW,
  );

  it(
    'names swapped --proof and --trust in one line instead of a list of failed checks',
    async () => {
      const proof = join(dir, 'amr.proof.json');
      const trust = join(dir, 'trust.json');
      const got = await cli([
        'proof',
        '--catalog',
        'AMR-ENT-001',
        '--version',
        '1',
        '--out',
        proof,
        ...as('amr', 'clerk'),
      ]);
      expect(got.code, got.err).toBe(0);
      expect((await cli(['trust', 'export', '--url', base, '--out', trust])).code).toBe(0);
      const digest = '0'.repeat(64);
      const swapped = await cli(['verify', '--digest', digest, '--proof', trust, '--trust', proof]);
      expect(swapped.code).toBe(2);
      expect(swapped.err.split('\n')[0]).toBe(
        'shulian verify: --proof and --trust are swapped: --proof names a trust file and --trust a proof bundle',
      );
      const wrong = await cli(['verify', '--digest', digest, '--proof', proof, '--trust', trust]);
      expect(wrong.code).toBe(1);
      expect(wrong.out).toMatch(/^NOT VERIFIED/);
    },
    SLOW,
  );

  it(
    'does not leak padded ledger keys in a not-found message',
    async () => {
      const r = await cli([
        'proof',
        '--catalog',
        'AMR-ENT-001',
        '--version',
        '99',
        ...as('amr', 'clerk'),
      ]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('AMR-ENT-001 v99 does not exist');
      expect(r.err).not.toMatch(/0{5,}99/);
    },
    SLOW,
  );

  it(
    'shows trace times in China Standard Time, ISO 8601 with +08:00',
    async () => {
      const r = await cli(['trace', '--catalog', 'PSB-POP-001', ...as('coord', 'auditor')]);
      expect(r.code, r.err).toBe(0);
      const lines = r.out.trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines)
        expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00 {2}/);
      const json = await cli([
        'trace',
        '--catalog',
        'PSB-POP-001',
        '--json',
        ...as('coord', 'auditor'),
      ]);
      const first = (JSON.parse(json.out) as { items: { at: string }[] }).items[0]!;
      const shown = lines[0]!.slice(0, 25);
      expect(Date.parse(shown)).toBe(Math.floor(Date.parse(first.at) / 1000) * 1000);
    },
    SLOW,
  );

  it(
    'refuses an unknown role or a malformed department before touching the token file',
    async () => {
      const role = await cli([
        'tokens',
        'create',
        '--department',
        'amr',
        '--user',
        'z',
        '--role',
        'boss',
      ]);
      expect(role.code).toBe(2);
      expect(role.err).toContain('unknown role "boss"; the roles are');
      const dept = await cli([
        'tokens',
        'create',
        '--department',
        'a/b',
        '--user',
        'z',
        '--role',
        'consumer',
      ]);
      expect(dept.code).toBe(2);
      expect(dept.err).toContain('--department must be a department id');
    },
    SLOW,
  );

  it(
    'answers --json errors as one JSON object on stdout',
    async () => {
      const r = await cli(['verify', '--digest', 'zz', '--json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    },
    SLOW,
  );
});

describe('shulian verify --delivery: a delivered file against its receipt, offline', () => {
  it(
    'verifies a projected download, names grant, purpose, consumer and CST time, and exits 1 for another file',
    async () => {
      const trust = join(dir, 'delivery-trust.json');
      expect((await cli(['trust', 'export', '--url', base, '--out', trust])).code).toBe(0);
      const res = await fetch(`${base}/api/v1/catalog/PSB-POP-001/versions/1/content`, {
        headers: { authorization: `Bearer ${fx.token('health', 'clerk')}` },
      });
      expect(res.status).toBe(200);
      const file = join(dir, 'population.csv');
      const bytes = Buffer.from(await res.arrayBuffer());
      await writeFile(file, bytes);
      const id = res.headers.get('x-shulian-usage-id')!;
      // The trail names each use, so its receipt can be fetched by id.
      const trail = await cli(['trace', ...as('health', 'clerk')]);
      expect(trail.out.split('\n').find((line) => line.endsWith(`  ${id}`))).toMatch(
        / {2}ALLOWED download PSB-POP-001 v1 {2}health\/clerk {2}\[id_number,name,birth_date\] {2}USE-/,
      );
      const receipt = join(dir, 'population.receipt.json');
      const got = await cli(['proof', '--usage', id, '--out', receipt, ...as('health', 'clerk')]);
      expect(got.code, got.err).toBe(0);
      expect(got.out).toBe(`delivery receipt written to ${receipt}\n`);

      const ok = await cli(['verify', file, '--delivery', receipt, '--trust', trust]);
      expect(ok.code, ok.err + ok.out).toBe(0);
      const lines = ok.out.split('\n');
      expect(lines[0]).toMatch(/^VERIFIED \(offline\): .*population\.csv \(sha256 [0-9a-f]{64}\)$/);
      expect(lines[1]).toMatch(
        /^ {2}delivered to clerk@health by psb at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00: download of PSB-POP-001 version 1$/,
      );
      expect(lines[2]).toMatch(/^ {2}under grant GRANT-\S+, purpose [a-z_]+$/);
      expect(lines[3]).toContain(`fields id_number, name, birth_date; ${bytes.length} bytes`);
      const json = await cli(['verify', file, '--delivery', receipt, '--trust', trust, '--json']);
      expect(JSON.parse(json.out)).toMatchObject({
        ok: true,
        offline: true,
        delivery: {
          id,
          consumer: { department: 'health', user: 'clerk' },
          catalogId: 'PSB-POP-001',
        },
      });

      const altered = join(dir, 'population-altered.csv');
      await writeFile(altered, Buffer.concat([bytes, Buffer.from('x')]));
      const bad = await cli(['verify', altered, '--delivery', receipt, '--trust', trust]);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(/^NOT VERIFIED: /);
      expect(bad.out).toContain('subject: the file you hold is not the file this use delivered');

      // A file proof given as --delivery, or a receipt with --record, is a usage mistake (exit 2).
      const proof = join(dir, 'population.proof.json');
      await cli([
        'proof',
        '--catalog',
        'PSB-POP-001',
        '--version',
        '1',
        '--out',
        proof,
        ...as('psb', 'clerk'),
      ]);
      const mixed = await cli(['verify', file, '--delivery', proof, '--trust', trust]);
      expect(mixed.code).toBe(2);
      expect(mixed.err.split('\n')[0]).toBe(
        'shulian verify: --delivery names a proof bundle of an anchored file or record, not a delivery receipt; give it with --proof',
      );
      const both = await cli([
        'verify',
        file,
        '--delivery',
        receipt,
        '--proof',
        proof,
        '--trust',
        trust,
      ]);
      expect(both.code).toBe(2);
    },
    SLOW,
  );

  it(
    'keeps a record proof as served, so it verifies against its own use’s receipt',
    async () => {
      const trust = join(dir, 'record-trust.json');
      expect((await cli(['trust', 'export', '--url', base, '--out', trust])).code).toBe(0);
      const proofFile = join(dir, 'record-7.proof.json');
      const got = await cli([
        'proof',
        '--catalog',
        'PSB-POP-001',
        '--version',
        '1',
        '--record',
        '7',
        '--out',
        proofFile,
        ...as('health', 'clerk'),
      ]);
      expect(got.code, got.err).toBe(0);
      const trail = await cli(['trace', '--json', ...as('health', 'clerk')]);
      const use = (JSON.parse(trail.out) as { items: { id: string; action: string }[] }).items[0]!;
      expect(use.action).toBe('prove');
      const receipt = join(dir, 'record-7.receipt.json');
      expect(
        (await cli(['proof', '--usage', use.id, '--out', receipt, ...as('health', 'clerk')])).code,
      ).toBe(0);
      const ok = await cli(['verify', proofFile, '--delivery', receipt, '--trust', trust]);
      expect(ok.code, ok.out + ok.err).toBe(0);
      expect(ok.out).toContain(': prove of PSB-POP-001 version 1');
    },
    SLOW,
  );

  it(
    'refuses a receipt of a use of another department (exit 1, the gateway’s code)',
    async () => {
      const res = await fetch(`${base}/api/v1/catalog/PSB-POP-001/versions/1/content`, {
        headers: { authorization: `Bearer ${fx.token('health', 'clerk')}` },
      });
      await res.arrayBuffer();
      const id = res.headers.get('x-shulian-usage-id')!;
      const r = await cli(['proof', '--usage', id, ...as('amr', 'clerk')]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('FORBIDDEN_DEPARTMENT');
    },
    SLOW,
  );
});

describe('shulian node repair', () => {
  it(
    "rebuilds a department's node through the gateway (coordinator admin), refuses others, exit 1",
    async () => {
      const r = await cli(['node', 'repair', 'amr', ...as('coord', 'admin')]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^node amr rebuilt and verified: height \d+$/m);
      const refused = await cli(['node', 'repair', 'amr', ...as('amr', 'clerk')]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/FORBIDDEN|coordinator's admin/);
      const usage = await cli(['node', 'repair']);
      expect(usage.code).toBe(2);
      expect(usage.err).toContain('which department?');
    },
    SLOW,
  );
});

/** Starts the server as `npm run serve` does (no demo) on `dataDir` and answers its banner. */
const banner = (dataDir: string): Promise<string> =>
  serverOutput(loadConfig({}, { dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent' }));

describe('shulian init: a first run without demo data', () => {
  it('publishes the calendars, registers the departments and issues admin tokens, once', async () => {
    const data = ['--data-dir', join(dir, 'fresh')];
    // The server started on an empty data directory says what to do, and is not "shulian-demo".
    const before = await banner(join(dir, 'fresh'));
    expect(before).not.toContain('shulian-demo');
    expect(before).toContain("first run: no admin token for the coordinator's department yet");
    expect(before).toMatch(/no working-day calendar for 20\d\d on the ledger/);
    expect(before).toContain(`shulian init --data-dir ${join(dir, 'fresh')}`);
    const first = await cli(['init', '--json', ...data], 240_000);
    expect(first.code, first.err + first.out).toBe(0);
    const done = JSON.parse(first.out) as {
      calendars: number[];
      departments: string[];
      admins: { department: string; token: string }[];
    };
    expect(done.calendars).toEqual(expect.arrayContaining([2025, 2026]));
    expect(done.departments).toEqual(expect.arrayContaining(['psb', 'amr', 'health']));
    expect(done.admins[0]).toMatchObject({ department: 'coord' });
    expect(done.admins.map((a) => a.department)).toEqual(expect.arrayContaining(['amr', 'psb']));
    const again = await cli(['init', '--json', ...data], 240_000);
    expect(JSON.parse(again.out)).toEqual({ calendars: [], departments: [], admins: [] });
    // Once initialised, the banner has nothing left to ask for.
    const after = await banner(join(dir, 'fresh'));
    expect(after).toContain('Shulian 数链 — on embedded');
    expect(after).not.toContain('first run');
  }, 300_000);
});

describe('roles in one place from the command line', () => {
  it(
    'refuses `tokens create` for a department the network does not have, with a typed error',
    async () => {
      const r = await cli([
        'tokens',
        'create',
        '--department',
        'nosuch',
        '--user',
        'z',
        '--role',
        'consumer',
      ]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('no department "nosuch" in this network; the departments are coord');
      const json = await cli([
        'tokens',
        'create',
        '--department',
        'nosuch',
        '--user',
        'z',
        '--role',
        'consumer',
        '--json',
      ]);
      expect(JSON.parse(json.out)).toMatchObject({
        ok: false,
        error: { code: 'UNKNOWN_DEPARTMENT' },
      });
    },
    SLOW,
  );

  it(
    'says that a token names roles the ledger must grant, and how to do both at once',
    async () => {
      const r = await cli([
        'tokens',
        'create',
        '--department',
        'amr',
        '--user',
        'lisi',
        '--role',
        'consumer',
      ]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('the roles consumer work once the ledger grants them');
      expect(r.out).toContain('`shulian users create`');
    },
    SLOW,
  );

  it(
    'creates a user with roles on the ledger and a working token in one step, lists and revokes',
    async () => {
      const admin = as('psb', 'admin');
      const created = await cli([
        'users',
        'create',
        '--department',
        'psb',
        '--user',
        'zhangsan',
        '--role',
        'consumer',
        '--label',
        '张三',
        ...admin,
      ]);
      expect(created.code, created.err).toBe(0);
      expect(created.out).toMatch(/^user psb\/zhangsan created: roles consumer set on the ledger/);
      const token = created.out.trim().split('\n').at(-1)!;
      const me = await fetch(`${base}/api/v1/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await me.json()).toMatchObject({ user: 'zhangsan', roles: ['consumer'], lacks: [] });
      const listed = await cli(['users', 'list', '--department', 'psb', ...admin]);
      expect(listed.code, listed.err).toBe(0);
      expect(listed.out).toMatch(/^zhangsan +consumer {2}1 token\(s\)$/m);
      const revoked = await cli([
        'users',
        'revoke',
        '--department',
        'psb',
        '--user',
        'zhangsan',
        ...admin,
      ]);
      expect(revoked.code, revoked.err).toBe(0);
      expect(revoked.out).toContain('revoked 1 token(s) of psb/zhangsan');
      const refused = await cli([
        'users',
        'create',
        '--department',
        'psb',
        '--user',
        'x',
        '--role',
        'admin',
        ...admin,
      ]);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain('unknown role "admin"');
    },
    SLOW,
  );
});
