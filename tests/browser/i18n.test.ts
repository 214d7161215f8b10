/**
 * Every string of the console exists in both languages, and no UI text bypasses the dictionaries.
 * The type checker already refuses bare strings as DOM text (they must be `Msg`); this suite holds
 * the dictionaries to each other and to the ledger's enums, and scans the source for the ways
 * around the types: casts to Msg, CJK literals, and raw text APIs.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CATALOG_CLASSIFICATIONS,
  CATALOG_STATUSES,
  CATALOG_UPDATE_STATUSES,
  DEPARTMENT_LEVELS,
  DIGEST_ALGORITHMS,
  EVENTS,
  ErrorCode,
  FIELD_TYPES,
  OBJECTION_STATUSES,
  OPENNESS,
  REQUEST_STATUSES,
  ROLES,
  SENSITIVITY_LEVELS,
  SHARE_METHODS,
  SHARE_TYPES,
  SUBJECT_KINDS,
  UPDATE_FREQUENCIES,
  USAGE_ACTIONS,
  USAGE_OUTCOMES,
} from '@shulian/chaincode/constants';
import { en } from '../../gateway/src/web/i18n/en.js';
import { zh } from '../../gateway/src/web/i18n/zh.js';
import { ROOT } from './harness.js';
import { ACT_TARGETS } from '../../gateway/src/index/acts.js';

const WEB = join(ROOT, 'gateway/src/web');
/** Texts the console shares with the command line (error codes, proof checks, a use's labels). */
const SHARED = join(ROOT, 'gateway/src/i18n');
const DICTIONARIES = [
  ...['zh.ts', 'en.ts'].map((name) => relative(ROOT, join(WEB, 'i18n', name))),
  ...['shared-zh.ts', 'shared-en.ts'].map((name) => relative(ROOT, join(SHARED, name))),
];
/** The one module allowed to make Msg values. */
const TRANSLATOR = relative(ROOT, join(WEB, 'i18n/index.ts'));

async function sources(dir: string): Promise<{ file: string; text: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return Promise.all(
    files.map(async (file) => ({ file: relative(ROOT, file), text: await readFile(file, 'utf8') })),
  );
}

const placeholders = (text: string): string[] =>
  [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

describe('console dictionaries', () => {
  it('have identical keys and no empty message', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const [key, text] of [...Object.entries(zh), ...Object.entries(en)]) {
      expect(text.trim(), key).not.toBe('');
    }
  });

  it('use the same placeholders in both languages', () => {
    for (const key of Object.keys(zh) as (keyof typeof zh)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(zh[key]));
    }
  });

  it('label every value of the ledger enums and every chaincode error code', () => {
    const enums: [string, readonly string[]][] = [
      ['role', ROLES],
      ['level', DEPARTMENT_LEVELS],
      ['shareType', SHARE_TYPES],
      ['classification', CATALOG_CLASSIFICATIONS],
      ['shareMethod', SHARE_METHODS],
      ['openness', OPENNESS],
      ['frequency', UPDATE_FREQUENCIES],
      ['catalogStatus', CATALOG_STATUSES],
      ['catalogUpdateStatus', CATALOG_UPDATE_STATUSES],
      ['fieldType', FIELD_TYPES],
      ['sensitivity', SENSITIVITY_LEVELS],
      ['requestStatus', REQUEST_STATUSES],
      ['objectionStatus', OBJECTION_STATUSES],
      ['action', USAGE_ACTIONS],
      ['act', Object.values(EVENTS)],
      ['actTarget', ACT_TARGETS],
      ['outcome', USAGE_OUTCOMES],
      ['algorithm', DIGEST_ALGORITHMS],
      ['subjectKind', SUBJECT_KINDS],
      ['error', Object.values(ErrorCode)],
    ];
    const missing = enums.flatMap(([prefix, values]) =>
      values.map((v) => `${prefix}.${v}`).filter((key) => !(key in zh)),
    );
    expect(missing).toEqual([]);
  });

  it('have no key that the console never uses', async () => {
    // The console's own code, and the code it shares with the command line (proofCheckKey).
    const code = [...(await sources(WEB)), ...(await sources(SHARED))].filter(
      (s) => !DICTIONARIES.includes(s.file),
    );
    const all = code.map((s) => s.text).join('\n');
    // Keys built at run time: t(`shareType.${value}`), `error.${code}`.
    const dynamic = new Set([...all.matchAll(/`([a-zA-Z]+)\.\$\{/g)].map((m) => m[1]));
    const unused = Object.keys(zh).filter(
      (key) => !all.includes(`'${key}'`) && !dynamic.has(key.split('.')[0]),
    );
    expect(unused).toEqual([]);
  });
});

describe('console source', () => {
  it('has no UI text outside the dictionaries', async () => {
    const offences: string[] = [];
    for (const { file, text } of await sources(WEB)) {
      if (DICTIONARIES.includes(file)) continue;
      text.split('\n').forEach((line, i) => {
        const where = `${file}:${i + 1}: ${line.trim()}`;
        // Chinese belongs in zh.ts; comments may quote the policy documents' terms.
        const code = line.replace(/\/\/.*$|^\s*\*.*$|\/\*.*?\*\//g, '');
        if (/[\u3400-\u9fff\uff00-\uffef]/.test(code.replace(/\/[^/\n]*\//g, '')))
          offences.push(`CJK literal: ${where}`);
        if (/\bas Msg\b/.test(code) && file !== TRANSLATOR) offences.push(`cast to Msg: ${where}`);
        if (/\.(innerHTML|outerHTML|innerText)\b|\.textContent\s*=|insertAdjacentHTML/.test(code)) {
          offences.push(`raw text API: ${where}`);
        }
        if (/\b(alert|confirm|prompt)\(/.test(code)) offences.push(`native dialog: ${where}`);
      });
    }
    expect(offences).toEqual([]);
  });
});
