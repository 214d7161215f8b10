/**
 * The `shulian` command line in Chinese, as a person in a municipal office meets it: the built CLI
 * run as a process under LANG=zh_CN.UTF-8 or with --lang zh, against a seeded gateway. Help, a
 * verification that passes and one that fails naming the failed check, a usage error and the
 * gateway's refusals read in Chinese, with the codes kept; --json answers are the same in every
 * language. The dictionaries are held to each other: every key in both languages, the same
 * placeholders, no Chinese text left in English. (The English output is cli.test.ts's, unchanged.)
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../gateway/src/cli/messages/en.js';
import { zh } from '../../gateway/src/cli/messages/zh.js';
import { langFromEnv, setLang } from '../../gateway/src/cli/i18n.js';
import { COMMANDS, commandHelp, globalHelp } from '../../gateway/src/cli/usage.js';
import { openCliHarness, type CliHarness, type CliRun } from './cli-process.js';
import type { Fixture } from './fixture.js';

const SLOW = 120_000;
const ZH = { LANG: 'zh_CN.UTF-8' };
/** CJK ideographs and full-width punctuation: what Chinese text has and English text does not. */
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

let h: CliHarness;
let fx: Fixture;
let base: string;
let dir: string;
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  h.cli(args, { env });
const as = (department: string, user: string): string[] => h.as(department, user);

beforeAll(async () => {
  h = await openCliHarness('shulian-cli-i18n-');
  ({ fx, base, dir } = h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('the language a person gets', () => {
  it('follows LC_ALL, then LC_MESSAGES, then LANG; zh* is Chinese, anything else English', () => {
    expect(langFromEnv({})).toBe('en');
    for (const LANG of ['zh_CN.UTF-8', 'zh_TW.UTF-8', 'zh', 'zh_CN', 'zh_HK.Big5'])
      expect(langFromEnv({ LANG }), LANG).toBe('zh');
    for (const LANG of ['C', 'POSIX', 'C.UTF-8', 'en_US.UTF-8', 'de_DE', 'zhx', ''])
      expect(langFromEnv({ LANG }), LANG).toBe('en');
    expect(langFromEnv({ LC_ALL: 'C', LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'zh_CN.UTF-8' })).toBe(
      'en',
    );
    expect(langFromEnv({ LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' })).toBe('zh');
    expect(langFromEnv({ LC_MESSAGES: 'en_US.UTF-8', LANG: 'zh_CN.UTF-8' })).toBe('en');
    // An empty variable counts as unset, as for every POSIX program.
    expect(langFromEnv({ LC_ALL: '', LANG: 'zh_CN.UTF-8' })).toBe('zh');
  });

  it(
    'reads the help in Chinese under LANG=zh_CN.UTF-8 or with --lang zh, English with --lang en',
    async () => {
      const global = await cli(['--help'], ZH);
      expect(global.code).toBe(0);
      expect(global.out).toMatch(/^shulian — 数链命令行\n\n用法：shulian <命令> \[选项\]\n/);
      expect(global.out).toMatch(
        /^ {2}verify {2}用证明文件（离线）或网关核验文件、摘要或单条记录$/m,
      );
      expect(global.out).toMatch(/^ {2}trace {3}数据使用的审计轨迹（溯源）/m);
      expect(global.out).toMatch(/^ {2}--lang zh\|en {7}语言，zh 或 en/m);
      expect(global.out).toContain('退出状态：0 成功；1 失败');

      const verify = await cli(['verify', '--help', '--lang', 'zh']);
      expect(verify.out).toMatch(/^shulian verify — 用证明文件（离线）或网关核验文件/);
      expect(verify.out).toContain('带 --proof 时完全离线：在本机计算文件摘要');
      expect(verify.out).toContain(
        '示例：\n  shulian verify enterprises.csv --proof AMR-ENT-001-v1.proof.json',
      );
      expect(verify.out).toContain('另有：--url、--token、--data-dir、--json、--lang');

      const trace = await cli(['help', 'trace'], { LC_ALL: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' });
      expect(trace.out).toMatch(/^shulian trace — 数据使用的审计轨迹/);
      const proof = await cli(['proof', '-h'], { LC_MESSAGES: 'zh_TW.UTF-8' });
      expect(proof.out).toMatch(/^shulian proof — 下载某个数据版本或单条记录的证明文件/);

      // LC_ALL=C wins over a Chinese LANG, and --lang over both.
      expect((await cli(['anchor', '--help'], { LC_ALL: 'C', ...ZH })).out).toMatch(
        /^shulian anchor — upload a dataset file/,
      );
      expect((await cli(['anchor', '--help', '--lang', 'en'], ZH)).out).toMatch(
        /^shulian anchor — upload a dataset file/,
      );
      expect((await cli(['anchor', '--help', '--lang=zh'], { LANG: 'C' })).out).toMatch(
        /^shulian anchor — 上传数据文件，作为目录条目的新数据版本存证上链/,
      );
    },
    SLOW,
  );
});

describe('usage errors in Chinese', () => {
  it(
    'names the command and what is wrong, shows its usage, exit 2',
    async () => {
      const r = await cli(['anchor'], ZH);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        'shulian anchor：要存证哪个文件？请给出文件名\n' +
          '用法：shulian anchor <file> --catalog <id> [--reason <text>] [--media-type <type>] [--algorithm sha256|sm3]\n' +
          '运行 `shulian anchor --help` 查看示例。\n',
      );
      const digest = await cli(['verify', '--digest', 'zz', '--lang', 'zh']);
      expect(digest.code).toBe(2);
      expect(digest.err.split('\n')[0]).toBe(
        'shulian verify：--digest 须为 64 位十六进制数字（SHA-256 或 SM3 摘要）；“zz”有 2 个字符',
      );
      // Further usage lines align under the first, after the two-column-wide "用法：".
      expect(digest.err.split('\n')[2]).toBe(
        '      shulian verify --digest <hex> --proof <bundle.json> --trust <trust.json>',
      );
      const unknown = await cli(['anhcor'], ZH);
      expect(unknown.err).toBe('shulian：未知命令“anhcor”\n运行 `shulian --help` 查看全部命令。\n');
      const option = await cli(['trace', '--bogus'], ZH);
      expect(option.err.split('\n')[0]).toBe('shulian trace：未知选项 --bogus');
      const missing = await cli(
        ['verify', 'missing.csv', '--proof', 'p.json', '--trust', 't.json'],
        ZH,
      );
      expect(missing.code).toBe(2);
      expect(missing.err.split('\n')[0]).toBe('shulian verify：文件 missing.csv：文件不存在');
      // A language the command line does not have is a usage error too, in the locale's language.
      const lang = await cli(['trace', '--lang', 'fr'], ZH);
      expect(lang.code).toBe(2);
      expect(lang.err.split('\n')[0]).toBe('shulian trace：--lang 只能是 zh 或 en，不能是“fr”');
    },
    SLOW,
  );
});

describe('verification read in Chinese', () => {
  it(
    'says a file verifies offline, and which check failed for an altered one, exit 1',
    async () => {
      const proof = join(dir, 'amr.proof.json');
      const trust = join(dir, 'trust.json');
      const got = await cli(
        [
          'proof',
          '--catalog',
          'AMR-ENT-001',
          '--version',
          '1',
          '--out',
          proof,
          ...as('amr', 'clerk'),
        ],
        ZH,
      );
      expect(got.code, got.err).toBe(0);
      expect(got.out).toBe(`证明文件已写入 ${proof}\n`);
      const exported = await cli(['trust', 'export', '--url', base, '--out', trust], ZH);
      expect(exported.out).toBe(`信任文件已写入 ${trust}\n`);
      const res = await fetch(`${base}/api/v1/catalog/AMR-ENT-001/versions/1/content`, {
        headers: fx.auth('amr', 'clerk'),
      });
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      const file = join(dir, 'enterprises.csv');
      await writeFile(file, bytes);

      const ok = await cli(['verify', file, '--proof', proof, '--trust', trust], ZH);
      expect(ok.code, ok.err + ok.out).toBe(0);
      const lines = ok.out.split('\n');
      expect(lines[0]).toMatch(/^核验通过（离线）：.*enterprises\.csv \(sha256 [0-9a-f]{64}\)$/);
      expect(lines[1]).toMatch(
        /^ {2}由 amr 存证上链：交易 \S+，区块 \d+，\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/,
      );

      const altered = join(dir, 'enterprises-altered.csv');
      await writeFile(altered, Buffer.concat([bytes, Buffer.from('x')]));
      const bad = await cli([
        'verify',
        altered,
        '--proof',
        proof,
        '--trust',
        trust,
        '--lang',
        'zh',
      ]);
      expect(bad.code).toBe(1);
      const failed = bad.out.split('\n');
      expect(failed[0]).toMatch(/^核验未通过：.*enterprises-altered\.csv/);
      // The failed check by name, and what it means in the console's words.
      expect(failed[1]).toMatch(
        /^ {2}subject[\w.]*：你持有的文件（或记录）与证明所登记的不一致。$/,
      );
      expect(bad.out).not.toMatch(/[a-z]{3,} [a-z]{3,} [a-z]{3,}/);

      // Online: the gateway is asked which versions anchor the digest.
      const online = await cli(['verify', file, '--url', base], ZH);
      expect(online.code, online.err).toBe(0);
      expect(online.out).toMatch(
        /^已存证：sha256 [0-9a-f]{64}\n {2}AMR-ENT-001 第 1 版（amr）交易 \S+ 区块 \d+\n$/,
      );
      const none = await cli(['verify', altered, '--url', base], ZH);
      expect(none.code).toBe(1);
      expect(none.out).toMatch(/^未存证：sha256 [0-9a-f]{64}\n$/);

      // --json is for machines: the same answer in every language.
      const json = await cli(['verify', altered, '--proof', proof, '--trust', trust, '--json'], ZH);
      const english = await cli(['verify', altered, '--proof', proof, '--trust', trust, '--json']);
      expect(json.out).toBe(english.out);
      expect(json.out).not.toMatch(CJK);
      expect(JSON.parse(json.out)).toMatchObject({ ok: false, offline: true });
    },
    SLOW,
  );

  it(
    'tells a delivered file’s use and the trail in Chinese, keeping ids and codes',
    async () => {
      const trust = join(dir, 'delivery-trust.json');
      expect((await cli(['trust', 'export', '--url', base, '--out', trust])).code).toBe(0);
      const res = await fetch(`${base}/api/v1/catalog/PSB-POP-001/versions/1/content`, {
        headers: fx.auth('health', 'clerk'),
      });
      expect(res.status).toBe(200);
      const file = join(dir, 'population.csv');
      await writeFile(file, Buffer.from(await res.arrayBuffer()));
      const id = res.headers.get('x-shulian-usage-id')!;
      const trail = await cli(['trace', ...as('health', 'clerk')], ZH);
      expect(trail.code, trail.err).toBe(0);
      // 允许 and 下载 take the columns ALLOWED and download took, so the trail still lines up.
      expect(trail.out.split('\n').find((line) => line.endsWith(`  ${id}`))).toMatch(
        /^\S+ {2}允许 {4}下载 {5}PSB-POP-001 v1 {2}health\/clerk {2}\[id_number,name,birth_date\] {2}USE-/,
      );
      const receipt = join(dir, 'population.receipt.json');
      const got = await cli(
        ['proof', '--usage', id, '--out', receipt, ...as('health', 'clerk')],
        ZH,
      );
      expect(got.out).toBe(`交付回执已写入 ${receipt}\n`);
      const ok = await cli(['verify', file, '--delivery', receipt, '--trust', trust], ZH);
      expect(ok.code, ok.err + ok.out).toBe(0);
      const lines = ok.out.split('\n');
      expect(lines[0]).toMatch(/^核验通过（离线）：/);
      expect(lines[1]).toMatch(
        /^ {2}于 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 由 psb 交付给 clerk@health：PSB-POP-001 第 1 版，下载$/,
      );
      expect(lines[2]).toMatch(/^ {2}依据授权 GRANT-\S+，用途 [a-z_]+$/);
      expect(lines[3]).toMatch(
        /^ {2}信息项 id_number、name、birth_date；\d+ 字节，sha256 [0-9a-f]{64}；使用记录 USE-/,
      );
      expect(lines[4]).toMatch(/^ {2}记录于交易 \S+，区块 \d+$/);
    },
    SLOW,
  );
});

describe('the gateway’s refusals in Chinese', () => {
  it(
    'shows the code with the console’s text for it, and the gateway’s English for a code without one',
    async () => {
      const missing = await cli(
        ['proof', '--catalog', 'AMR-ENT-001', '--version', '99', ...as('amr', 'clerk')],
        ZH,
      );
      expect(missing.code).toBe(1);
      expect(missing.err).toBe('shulian proof：没有这个数据版本。 [DATASET_VERSION_NOT_FOUND]\n');
      const small = join(dir, 'small.csv');
      await writeFile(small, 'a,b\n1,2\n');
      const notOwner = await cli([
        'anchor',
        small,
        '--catalog',
        'PSB-POP-001',
        '--lang',
        'zh',
        ...as('amr', 'clerk'),
      ]);
      expect(notOwner.code).toBe(1);
      expect(notOwner.err).toBe('shulian anchor：只有资源的提供部门可以修改它。 [NOT_OWNER]\n');

      // EMPTY_UPLOAD has no text of the console's: the gateway's own words stand.
      const empty = join(dir, 'empty.csv');
      await writeFile(empty, '');
      const json = await cli(
        [
          'anchor',
          empty,
          '--catalog',
          'AMR-ENT-001',
          '--reason',
          'r',
          '--json',
          ...as('amr', 'clerk'),
        ],
        ZH,
      );
      const { error } = JSON.parse(json.out) as { error: { code: string; message: string } };
      expect(error.code).toBe('EMPTY_UPLOAD');
      expect(error.message).not.toMatch(CJK);
      const refused = await cli(
        ['anchor', empty, '--catalog', 'AMR-ENT-001', '--reason', 'r', ...as('amr', 'clerk')],
        ZH,
      );
      expect(refused.err).toBe(`shulian anchor：${error.message} [EMPTY_UPLOAD]\n`);

      // --json errors keep the gateway's code and English message whatever the language.
      const machine = await cli(
        ['proof', '--catalog', 'AMR-ENT-001', '--version', '99', '--json', ...as('amr', 'clerk')],
        ZH,
      );
      const machineError = (JSON.parse(machine.out) as { error: { code: string; message: string } })
        .error;
      expect(machineError.code).toBe('DATASET_VERSION_NOT_FOUND');
      expect(machineError.message).toContain('AMR-ENT-001 v99 does not exist');
      const usage = await cli(['verify', '--digest', 'zz', '--json', '--lang', 'zh']);
      const usageError = (JSON.parse(usage.out) as { error: { code: string; message: string } })
        .error;
      expect(usageError.code).toBe('USAGE');
      expect(usageError.message).toContain('--digest must be 64 hexadecimal digits');
      const unreachable = await cli(
        ['verify', '--digest', '0'.repeat(64), '--url', 'http://127.0.0.1:1'],
        ZH,
      );
      expect(unreachable.code).toBe(1);
      expect(unreachable.err).toBe(
        'shulian verify：无法连接 http://127.0.0.1:1 的网关（网关是否在运行？） [GATEWAY_UNREACHABLE]\n',
      );
    },
    SLOW,
  );
});

describe('the command line’s dictionaries', () => {
  const placeholders = (text: string): string[] =>
    [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

  it('have the same keys, no empty text and the same placeholders in both languages', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(en[key].trim(), key).not.toBe('');
      expect(zh[key].trim(), key).not.toBe('');
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('are translated: every Chinese text is Chinese and differs from the English, and English has no Chinese', () => {
    const untranslated = (Object.keys(en) as (keyof typeof en)[]).filter(
      (key) => zh[key] === en[key] || !CJK.test(zh[key]),
    );
    expect(untranslated).toEqual([]);
    // The product's name is the one Chinese word the English help keeps.
    const chineseInEnglish = (Object.keys(en) as (keyof typeof en)[]).filter((key) =>
      CJK.test(en[key].replace('数链', '')),
    );
    expect(chineseInEnglish).toEqual([]);
  });

  it('give every command a help text in both languages with nothing left unfilled', () => {
    for (const lang of ['zh', 'en'] as const) {
      setLang(lang);
      try {
        for (const text of [globalHelp(), ...COMMANDS.map(commandHelp)]) {
          expect(text).not.toMatch(/\{\w+\}/);
          if (lang === 'zh') expect(text.split('\n')[0]).toMatch(CJK);
        }
      } finally {
        setLang('en');
      }
    }
  });
});
