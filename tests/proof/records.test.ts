import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '@shulian/proof/hash';
import { nodeSha256, nodeSm3 } from '@shulian/proof/node';
import {
  deriveSalt,
  issueRecordProof,
  RecordCommitmentBuilder,
  RecordParser,
  verifyRecordProof,
  type RecordFormat,
  type RecordProof,
} from '@shulian/proof/records';
import type { Json } from '@shulian/chaincode/canonical';

const CSV =
  '\ufeff证书编号,姓名,备注\r\n' +
  'C-001,张三,"含逗号, 和 ""引号"""\r\n' +
  '\r\n' +
  'C-002,李四,"跨\n行"\r\n' +
  'C-003,王五,\n';
const CSV_RECORDS = [
  { 证书编号: 'C-001', 姓名: '张三', 备注: '含逗号, 和 "引号"' },
  { 证书编号: 'C-002', 姓名: '李四', 备注: '跨\n行' },
  { 证书编号: 'C-003', 姓名: '王五', 备注: '' },
];
const JSONL = '{"b": 1, "a": "甲"}\n\n{"a":"乙","b":2}\r\n[1, 2]';
const JSONL_RECORDS = [{ a: '甲', b: 1 }, { a: '乙', b: 2 }, [1, 2]];

function parseIn(format: RecordFormat, text: string, step: number): Json[] {
  const bytes = utf8(text);
  const parser = new RecordParser(format);
  const out: Json[] = [];
  for (let i = 0; i < bytes.length; i += step)
    out.push(...parser.push(bytes.subarray(i, i + step)));
  return [...out, ...parser.end()];
}

describe('record parsing', () => {
  // Step 1 splits multi-byte UTF-8 characters, quotes and CRLF pairs across pushes.
  it.each([1, 2, 3, 5, 1000])('parses CSV split every %i bytes', (step) => {
    expect(parseIn('csv', CSV, step)).toEqual(CSV_RECORDS);
  });

  it.each([1, 4, 1000])('parses JSON Lines split every %i bytes', (step) => {
    expect(parseIn('jsonl', JSONL, step)).toEqual(JSONL_RECORDS);
  });

  it.each([
    ['csv', 'a,b\n1,2,3\n', 'line 2: 3 fields where the header has 2'],
    ['csv', 'a,a\n1,2\n', 'duplicate column'],
    ['csv', 'a,b\n"1,2\n', 'unterminated'],
    ['csv', 'a,b\n"1"x,2\n', 'after a closing quote'],
    ['csv', 'a,b\n1"x,2\n', 'quote inside'],
    ['jsonl', '{"a":1}\n{oops}\n', 'line 2'],
  ] as const)('rejects malformed %s: %j', (format, text, message) => {
    expect(() => parseIn(format, text, 1000)).toThrow(message);
  });

  it('keeps a column named __proto__ as a column', () => {
    const [record] = parseIn('csv', '__proto__,constructor\nx,y\n', 1000);
    expect(Object.keys(record as object)).toEqual(['__proto__', 'constructor']);
    expect(JSON.stringify(record)).toBe('{"__proto__":"x","constructor":"y"}');
  });

  it('rejects invalid UTF-8', () => {
    const parser = new RecordParser('jsonl');
    expect(() => parser.push(Uint8Array.of(0x22, 0xff, 0x22, 0x0a))).toThrow();
  });
});

describe('record proofs', () => {
  const secret = randomBytes(32);

  function commit(format: RecordFormat, text: string, hash = nodeSha256) {
    const leaves: Uint8Array[] = [];
    const builder = new RecordCommitmentBuilder(
      hash,
      format,
      secret,
      (leaf, i) => (leaves[i] = leaf),
    );
    builder.update(utf8(text));
    return { commitment: builder.finish(), leaves };
  }

  it('proves each record to its root, with CSV and with SM3 JSON Lines', () => {
    for (const [format, text, records, hash] of [
      ['csv', CSV, CSV_RECORDS, nodeSha256],
      ['jsonl', JSONL, JSONL_RECORDS, nodeSm3],
    ] as const) {
      const { commitment, leaves } = commit(format, text, hash);
      expect(commitment.count).toBe(3);
      records.forEach((record, i) => {
        const proof = issueRecordProof(hash, secret, leaves, i, record);
        expect(proof.root).toBe(commitment.root);
        expect(verifyRecordProof(hash, proof)).toEqual({ ok: true });
      });
    }
  });

  it('ignores formatting: the same records in other spellings give the same root', () => {
    const respelled = 'C-001,"张三","含逗号, 和 ""引号"""\n'; // quoting differs, LF not CRLF
    const a = commit('csv', '证书编号,姓名,备注\n' + respelled);
    const b = commit('csv', '"证书编号",姓名,"备注"\r\nC-001,张三,"含逗号, 和 ""引号"""\r\n');
    expect(a.commitment.root).toBe(b.commitment.root);
  });

  it('salts with HMAC(secret, index): reproducible, distinct per record and per secret', () => {
    const s0 = toHex(deriveSalt(nodeSha256, secret, 0));
    expect(toHex(deriveSalt(nodeSha256, secret, 0))).toBe(s0);
    expect(toHex(deriveSalt(nodeSha256, secret, 1))).not.toBe(s0);
    expect(toHex(deriveSalt(nodeSha256, randomBytes(32), 0))).not.toBe(s0);
  });

  it('reveals nothing of other records: no record text or salt in the proof but its own', () => {
    const { leaves } = commit('csv', CSV);
    const text = JSON.stringify(issueRecordProof(nodeSha256, secret, leaves, 1, CSV_RECORDS[1]!));
    for (const other of ['C-001', '张三', 'C-003', '王五']) expect(text).not.toContain(other);
    for (const i of [0, 2]) expect(text).not.toContain(toHex(deriveSalt(nodeSha256, secret, i)));
  });

  it('refuses to issue a proof with the wrong secret or record', () => {
    const { leaves } = commit('csv', CSV);
    expect(() => issueRecordProof(nodeSha256, randomBytes(32), leaves, 0, CSV_RECORDS[0]!)).toThrow(
      'does not match',
    );
    expect(() => issueRecordProof(nodeSha256, secret, leaves, 0, CSV_RECORDS[1]!)).toThrow();
  });

  describe('rejects a changed proof', () => {
    const { leaves } = commit('csv', CSV);
    const good = issueRecordProof(nodeSha256, secret, leaves, 1, CSV_RECORDS[1]!);
    const flipHex = (hex: string): string =>
      toHex(fromHex(hex).map((b, i) => (i === 0 ? b ^ 1 : b)));
    const cases: [string, Partial<RecordProof>, keyof RecordProof][] = [
      ['record field', { record: { ...CSV_RECORDS[1]!, 姓名: '李五' } }, 'record'],
      ['record swapped for another', { record: CSV_RECORDS[0]! }, 'record'],
      ['salt', { salt: flipHex(good.salt) }, 'record'],
      ['salt not hex', { salt: 'zz' }, 'salt'],
      ['index', { index: 0 }, 'record'],
      ['count', { count: 1 }, 'record'],
      ['path element', { path: [flipHex(good.path[0]!), ...good.path.slice(1)] }, 'record'],
      ['path truncated', { path: good.path.slice(1) }, 'record'],
      ['path not hex', { path: ['0'] }, 'path'],
      ['root', { root: flipHex(good.root) }, 'record'],
      ['root not hex', { root: good.root.toUpperCase() }, 'root'],
      ['algorithm', { algorithm: 'sm3' }, 'algorithm'],
    ];
    it.each(cases)('%s', (_, change, field) => {
      const check = verifyRecordProof(nodeSha256, { ...good, ...change });
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.field).toBe(field);
    });
  });
});
