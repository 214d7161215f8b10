import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, hashParts, toHex, utf8 } from '@shulian/proof/hash';
import { nodeSha256, nodeSm3 } from '@shulian/proof/node';
import { inclusionProof, merkleRoot } from '@shulian/proof/merkle';
import {
  deriveSalt,
  disclosedRecord,
  fieldCommitment,
  fieldSaltDeriver,
  fieldsLeaf,
  MAX_RECORD_CHARS,
  issueRecordProof,
  projectRecordProof,
  RecordCommitmentBuilder,
  RecordParser,
  RecordTooLargeError,
  recordLeaf,
  verifyRecordProof,
  verifySelectiveRecordProof,
  type RecordFormat,
  type RecordProof,
  type SelectiveRecordProof,
} from '@shulian/proof/records';
import { canonicalJson, type Json } from '@shulian/chaincode/canonical';
import { LeafWriter, LONG_VALUE } from '@shulian/proof/leaf-writer';

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

  // Regression: a long row arriving in many pushes was rescanned from its start on every push
  // (a single 32 MiB row took 39 s to anchor, 0.3 s as binary).
  it.each(['csv', 'jsonl'] as const)(
    'parses a 16 MiB %s row in 64 KiB pushes in time linear in its length',
    (format) => {
      const long = 'x'.repeat(16 * 1024 * 1024);
      const text = format === 'csv' ? `id,text\n1,"${long}"\n` : `{"id":1,"text":"${long}"}\n`;
      const time = (step: number): number => {
        const started = performance.now();
        const [record] = parseIn(format, text, step).slice(-1);
        expect((record as { text: string }).text).toHaveLength(long.length);
        return performance.now() - started;
      };
      const whole = Math.min(time(text.length), time(text.length));
      const pushed = time(64 * 1024);
      expect(pushed).toBeLessThan(Math.max(4 * whole, 250));
    },
  );

  it('rejects invalid UTF-8', () => {
    const parser = new RecordParser('jsonl');
    expect(() => parser.push(Uint8Array.of(0x22, 0xff, 0x22, 0x0a))).toThrow();
  });

  it('refuses a record longer than MAX_RECORD_CHARS with its line, before holding it whole', () => {
    for (const format of ['csv', 'jsonl'] as const) {
      const parser = new RecordParser(format);
      expect(parser.push(utf8(format === 'csv' ? 'a\n1\n' : '1\n'))).toHaveLength(1);
      const piece = new Uint8Array(1 << 20).fill(0x31);
      let thrown: unknown;
      try {
        for (let i = 0; i <= MAX_RECORD_CHARS / piece.length; i++) parser.push(piece);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, format).toBeInstanceOf(RecordTooLargeError);
      expect(thrown).toMatchObject({ line: format === 'csv' ? 3 : 2 });
    }
  });
});

describe('field commitments', () => {
  it('commit to the canonical JSON of [field, value], long values included', () => {
    const salt = randomBytes(32);
    for (const value of [
      'short',
      'x'.repeat(200_000),
      '"\\\u0001'.repeat(30_000),
      '数据'.repeat(70_000),
      'a😀'.repeat(40_000),
      'b'.repeat(70_000) + '\ud800',
    ] as const)
      for (const field of ['note', null])
        expect(toHex(fieldCommitment(nodeSha256, salt, field, value))).toBe(
          toHex(
            hashParts(nodeSha256, Uint8Array.of(0x02), salt, utf8(canonicalJson([field, value]))),
          ),
        );
  });
});

describe('the anchoring leaf writer', () => {
  /** The reference definition: fieldsLeaf over each field's fieldCommitment. */
  function referenceLeaf(secret: Uint8Array, index: number, record: Record<string, Json>): string {
    const fieldSalt = fieldSaltDeriver(nodeSha256, secret);
    const commitments = Object.create(null) as Record<string, string>;
    for (const name of Object.keys(record)) {
      const salt = fieldSalt(index, name);
      commitments[name] = toHex(fieldCommitment(nodeSha256, salt, name, record[name]!));
    }
    return toHex(fieldsLeaf(nodeSha256, deriveSalt(nodeSha256, secret, index), commitments));
  }

  it('writes the reference leaves: odd names and values, nested keys, large indexes, long keys', () => {
    const records = [
      { b: '1', a: '甲', ü: 'x"\\\u0001\n', '\ud83d': 'lone \udc00 surrogate' },
      JSON.parse('{"__proto__":null,"":0,"0":[1,{"z":1,"b":[true,null]}],"constructor":-1.5e-7}'),
      { a: 'z', b: '2' }, // the same names in another order: the leaf is in canonical order
      { b: '3', a: '乙' },
      { only: 'x'.repeat(5000) },
    ] as Record<string, Json>[];
    for (const secret of [randomBytes(32), randomBytes(100)]) {
      const writer = new LeafWriter(nodeSha256, secret);
      for (const index of [0, 1, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER])
        for (const record of records)
          expect(toHex(writer.leaf(index, record)!)).toBe(referenceLeaf(secret, index, record));
    }
  });

  it('leaves non-object records and values past LONG_VALUE to the reference functions', () => {
    const writer = new LeafWriter(nodeSha256, randomBytes(32));
    const others: Json[] = [[1, 2], 'text', 42, null, { long: 'y'.repeat(LONG_VALUE + 1) }];
    for (const record of others) expect(writer.leaf(0, record)).toBeNull();
    const noOneShot = { algorithm: nodeSha256.algorithm, create: () => nodeSha256.create() };
    expect(() => new LeafWriter(noOneShot, randomBytes(32))).toThrow(TypeError);
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
        expect(verifySelectiveRecordProof(hash, proof)).toEqual({ ok: true });
        expect(disclosedRecord(proof)).toEqual({ record, withheld: [] });
      });
    }
  });

  it('anchors the leaf its proof opens, for odd names, non-object records and many field names', () => {
    // The builder computes leaves without building disclosures; a proof rebuilds them from one.
    const wide = Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`f${i}`, i]));
    const jsonl = [
      '{"__proto__":"x","constructor":{"a":[1,2]},"":null}',
      '[1,"two"]',
      '42',
      JSON.stringify(wide),
      JSON.stringify(wide),
    ].join('\n');
    const { commitment, leaves } = commit('jsonl', jsonl);
    expect(commitment.count).toBe(5);
    jsonl.split('\n').forEach((line, i) => {
      const proof = issueRecordProof(nodeSha256, secret, leaves, i, JSON.parse(line) as Json);
      expect(verifySelectiveRecordProof(nodeSha256, proof)).toEqual({ ok: true });
    });
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

  describe('selective disclosure', () => {
    const { leaves } = commit('csv', CSV);
    const full = issueRecordProof(nodeSha256, secret, leaves, 1, CSV_RECORDS[1]!);
    const projected = projectRecordProof(nodeSha256, full, ['证书编号']);

    it('reveals only the chosen fields and still verifies against the same root', () => {
      expect(verifySelectiveRecordProof(nodeSha256, projected)).toEqual({ ok: true });
      expect(projected.root).toBe(full.root);
      expect(disclosedRecord(projected)).toEqual({
        record: { 证书编号: 'C-002' },
        withheld: ['姓名', '备注'],
      });
      const text = JSON.stringify(projected);
      for (const hidden of ['李四', '跨']) expect(text).not.toContain(hidden);
      // The withheld fields' salts are not in the proof, so their commitments cannot be tested
      // against guessed values.
      const fieldSalt = fieldSaltDeriver(nodeSha256, secret);
      for (const name of ['姓名', '备注']) expect(text).not.toContain(toHex(fieldSalt(1, name)));
    });

    it('projects again only to withhold more, and a non-object record whole', () => {
      const again = projectRecordProof(nodeSha256, projected, ['证书编号', '姓名']);
      expect(disclosedRecord(again).withheld).toEqual(['姓名', '备注']);
      const { leaves: jsonLeaves } = commit('jsonl', JSONL);
      const array = issueRecordProof(nodeSha256, secret, jsonLeaves, 2, [1, 2]);
      const hidden = projectRecordProof(nodeSha256, array, ['a']);
      expect(verifySelectiveRecordProof(nodeSha256, hidden)).toEqual({ ok: true });
      expect(disclosedRecord(hidden)).toEqual({ record: {}, withheld: [''] });
    });

    it('does not let a version 2 leaf pass as a version 1 whole record', () => {
      const v1: RecordProof = {
        algorithm: 'sha256',
        record: CSV_RECORDS[1]!,
        salt: full.salt,
        index: full.index,
        count: full.count,
        path: full.path,
        root: full.root,
      };
      expect(verifyRecordProof(nodeSha256, v1).ok).toBe(false);
    });
  });

  it('still verifies version 1 whole-record proofs', () => {
    const salts = CSV_RECORDS.map((_, i) => deriveSalt(nodeSha256, secret, i));
    const v1Leaves = CSV_RECORDS.map((r, i) => recordLeaf(nodeSha256, salts[i]!, r));
    const proof: RecordProof = {
      algorithm: 'sha256',
      record: CSV_RECORDS[2]!,
      salt: toHex(salts[2]!),
      index: 2,
      count: 3,
      path: inclusionProof(nodeSha256, v1Leaves, 2).map(toHex),
      root: toHex(merkleRoot(nodeSha256, v1Leaves)),
    };
    expect(verifyRecordProof(nodeSha256, proof)).toEqual({ ok: true });
    expect(verifyRecordProof(nodeSha256, { ...proof, record: CSV_RECORDS[1]! }).ok).toBe(false);
  });

  describe('rejects a changed proof', () => {
    const { leaves } = commit('csv', CSV);
    const good = issueRecordProof(nodeSha256, secret, leaves, 1, CSV_RECORDS[1]!);
    const projected = projectRecordProof(nodeSha256, good, ['证书编号']);
    if (!('fields' in good) || !('fields' in projected)) throw new Error('object records');
    const opened = good.fields['姓名']!;
    const withheld = projected.fields['姓名']!;
    if (!('salt' in opened) || !('commitment' in withheld)) throw new Error('shapes');
    const flipHex = (hex: string): string =>
      toHex(fromHex(hex).map((b, i) => (i === 0 ? b ^ 1 : b)));
    const withField = (proof: SelectiveRecordProof, name: string, field: unknown) =>
      ({
        ...proof,
        fields: { ...(proof as { fields: object }).fields, [name]: field },
      }) as SelectiveRecordProof;
    const cases: [string, SelectiveRecordProof, string][] = [
      ['field value', withField(good, '姓名', { ...opened, value: '李五' }), 'leaf'],
      ['field salt', withField(good, '姓名', { ...opened, salt: flipHex(opened.salt) }), 'leaf'],
      [
        'field salt not hex',
        withField(good, '姓名', { ...opened, salt: 'zz' }),
        'fields.姓名.salt',
      ],
      [
        'withheld commitment',
        withField(projected, '姓名', { commitment: flipHex(withheld.commitment) }),
        'leaf',
      ],
      [
        'commitments swapped between fields',
        withField(withField(projected, '姓名', projected.fields['备注']), '备注', withheld),
        'leaf',
      ],
      ['field added', withField(good, '住址', { value: 'x', salt: opened.salt }), 'leaf'],
      [
        'field removed',
        { ...good, fields: { 证书编号: good.fields['证书编号']!, 姓名: opened } },
        'leaf',
      ],
      ['whole value for fields', { ...good, fields: undefined, value: opened }, 'leaf'],
      ['record salt', { ...good, salt: flipHex(good.salt) }, 'leaf'],
      ['salt not hex', { ...good, salt: 'zz' }, 'salt'],
      ['index', { ...good, index: 0 }, 'leaf'],
      ['count', { ...good, count: 1 }, 'leaf'],
      ['path element', { ...good, path: [flipHex(good.path[0]!), ...good.path.slice(1)] }, 'leaf'],
      ['path truncated', { ...good, path: good.path.slice(1) }, 'leaf'],
      ['path not hex', { ...good, path: ['0'] }, 'path[0]'],
      ['root', { ...good, root: flipHex(good.root) }, 'leaf'],
      ['root not hex', { ...good, root: good.root.toUpperCase() }, 'root'],
      ['algorithm', { ...good, algorithm: 'sm3' }, 'algorithm'],
    ];
    it.each(cases)('%s', (_, changed, field) => {
      const check = verifySelectiveRecordProof(nodeSha256, changed);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.field).toBe(field);
    });
  });
});
