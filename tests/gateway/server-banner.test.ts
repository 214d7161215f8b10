/**
 * The server's start-up banner speaks the language the command line does (gateway/src/cli/i18n.ts):
 * the first set of LC_ALL, LC_MESSAGES and LANG, zh* Chinese and anything else English, or
 * `shulian serve --lang zh|en`. Paths, URLs, commands and the engine's name stay as they are.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/src/config.js';
import { ROOT } from './cli-process.js';
import { serverOutput } from './server-output.js';

const SLOW = 120_000;
/** CJK ideographs and full-width punctuation: what Chinese text has and English text does not. */
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-banner-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts the server on a fresh data directory with `env`'s locale; answers its lines. */
async function banner(env: Record<string, string>, name: string, demo = false): Promise<string[]> {
  const dataDir = join(dir, name);
  const config = loadConfig(env, { dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', demo });
  return (await serverOutput(config)).split('\n');
}

describe('the server’s start-up banner', () => {
  it(
    'is Chinese under a Chinese locale, English otherwise, as the command line chooses',
    async () => {
      const zh = await banner({ LANG: 'zh_CN.UTF-8' }, 'zh');
      const dataDir = join(dir, 'zh');
      expect(zh).toContainEqual(
        expect.stringMatching(/^Shulian 数链 — 基于 embedded：\d+ 个部门节点/),
      );
      expect(zh).toContainEqual(expect.stringMatching(/^ {2}控制台 +http:\/\/127\.0\.0\.1:\d+\/$/));
      expect(zh).toContainEqual(`  数据目录  ${dataDir}`);
      expect(zh).toContainEqual(
        expect.stringMatching(
          /^ {2}首次运行：协调部门尚无管理员令牌；20\d\d 年的工作日历尚未发布到账本/,
        ),
      );
      expect(zh).toContainEqual(`    shulian init --data-dir ${dataDir}`);
      expect(zh.join('\n')).not.toMatch(/first run|console|stopping/);
      // Every line with words has Chinese in it (the init command is a command, not words).
      const worded = zh.filter((l) => /[a-z]{3}/i.test(l) && !l.includes('shulian init'));
      expect(worded.filter((l) => !CJK.test(l))).toEqual([]);

      const en = await banner({ LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }, 'en');
      expect(en).toContainEqual(
        expect.stringMatching(/^Shulian 数链 — on embedded: \d+ department nodes/),
      );
      expect(en).toContainEqual(
        expect.stringMatching(
          /^ {2}first run: no admin token for the coordinator's department yet/,
        ),
      );
      expect(en.filter((l) => CJK.test(l.replace('数链', '')))).toEqual([]);
    },
    SLOW,
  );

  it(
    'in demo mode, seeding and the demo tokens are worded in Chinese too',
    async () => {
      const zh = await banner({ LANG: 'zh_CN.UTF-8' }, 'demo-zh', true);
      expect(zh).toContain('首次启动：正在写入演示数据（需要几秒钟）…');
      expect(zh).toContain('  正在锚定数据集版本');
      expect(zh).toContainEqual(
        expect.stringMatching(/^Shulian 数链 — \S+（演示数据）基于 embedded：/),
      );
      expect(zh).toContain('  演示令牌（Authorization: Bearer <令牌>）：');
      // The token lines are data (department/user, roles, token), not words to translate.
      const worded = zh.filter((l) => /[a-z]{3}/i.test(l) && !/^ {4}\S+\/\S+ /.test(l));
      expect(worded.filter((l) => !CJK.test(l))).toEqual([]);
    },
    SLOW,
  );

  it(
    '`shulian serve --lang zh` speaks Chinese whatever the locale',
    async () => {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'dist/gateway/src/cli.js'),
          'serve',
          '--lang',
          'zh',
          '--data-dir',
          join(dir, 'cli'),
        ],
        {
          env: {
            PATH: process.env.PATH,
            LANG: 'C',
            SHULIAN_PORT: '0',
            SHULIAN_LOG_LEVEL: 'silent',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        await new Promise<void>((resolve, reject) => {
          // Failing before the test's own timeout, so that the finally below stops the server.
          const timer = setTimeout(
            () => reject(new Error(`no banner within 90 s:\n${out}\n${err}`)),
            90_000,
          );
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            // The banner ends with an empty line after the data directory's, in either language.
            if (/\n {2}(?:数据目录|data) [^\n]*\n(?:[^\n]+\n)*\n/.test(out)) {
              clearTimeout(timer);
              resolve();
            }
          });
          void exited.then(() => {
            clearTimeout(timer);
            reject(new Error(`serve exited:\n${out}\n${err}`));
          });
        });
        child.kill('SIGTERM');
        expect(await exited, `${out}\n${err}`).toBe(0);
      } finally {
        // A failed wait must not leave the server running.
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      expect(out).toMatch(/^Shulian 数链 — 基于 embedded/m);
      expect(out).toContain('首次运行');
      expect(out).toContain('SIGTERM：正在停止');
    },
    SLOW,
  );
});
