import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, hashParts, toHex, utf8 } from '@shulian/proof/hash';
import { anchoringScheme, nodeSha256, nodeSm3 } from '@shulian/proof/node';
import { inclusionProof, merkleRoot } from '@shulian/proof/merkle';
import {
  deriveSalt,
  disclosedRecord,
  fieldCommitment,
  MAX_RECORD_CHARS,
  issueRecordProof,
  projectRecordProof,
  RecordCommitmentBuilder,
  RecordParser,
  RecordTooLargeError,
  recordLeaf,
  verifyRecordProof,
  verifySelectiveRecordProof,
  RecordLeaves,
  type RecordFormat,
  type RecordProof,
  type RecordScheme,
  type SelectiveRecordProof,
} from '@shulian/proof/records';
import { canonicalJson, type Json } from '@shulian/chaincode/canonical';
import {
  LeafBatchV3,
  leafV3,
  LONG_VALUE,
  saltDeriverV3,
  valueCommitmentV3,
  writeJsonString,
  writeUtf8,
  type RecordValues,
} from '@shulian/proof/leaves-v3';

const V2: RecordScheme = { version: 2 };
const V3 = anchoringScheme('sha256');
/** Each scheme under its own name, for the suites every leaf version must pass. */
const SCHEMES = [
  ['version 2', V2],
  ['version 3', V3],
] as const;

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

/** Values of every length class: short, past LONG_VALUE in ASCII, escapes, 3-byte, pairs, a lone surrogate. */
const COMMITTED_VALUES: readonly string[] = [
  'short',
  'x'.repeat(200_000),
  '"\\\u0001'.repeat(30_000),
  '数据'.repeat(70_000),
  'a😀'.repeat(40_000),
  'b'.repeat(70_000) + '\ud800',
];

describe('field commitments', () => {
  it('commit to the canonical JSON of [field, value], long values included', () => {
    const salt = randomBytes(32);
    for (const value of COMMITTED_VALUES)
      for (const field of ['note', null])
        expect(toHex(fieldCommitment(nodeSha256, salt, field, value))).toBe(
          toHex(
            hashParts(nodeSha256, Uint8Array.of(0x02), salt, utf8(canonicalJson([field, value]))),
          ),
        );
  });
});

describe('version 3 leaves', () => {
  const LONG = 'y'.repeat(LONG_VALUE + 1);

  /** The reference definition: leafV3 over each field's valueCommitmentV3, in canonical order. */
  function referenceLeaf(secret: Uint8Array, index: number, record: Json, hash = nodeSha256) {
    const salt = saltDeriverV3(hash, secret, anchoringScheme(hash.algorithm).cipher);
    if (record === null || typeof record !== 'object' || Array.isArray(record))
      return toHex(
        leafV3(hash, salt(index, null)(0), null, [
          valueCommitmentV3(hash, salt(index, null)(1), record),
        ]),
      );
    const names = Object.keys(record).sort();
    const commitments = names.map((n, k) =>
      valueCommitmentV3(hash, salt(index, names)(k + 1), record[n]!),
    );
    return toHex(leafV3(hash, salt(index, names)(0), names, commitments));
  }

  const records: Json[] = [
    { b: '1', a: '甲', ü: 'x"\\\u0001\n', '\ud83d': 'lone \udc00 surrogate' },
    JSON.parse(
      '{"__proto__":null,"":0,"0":[1,{"z":1,"b":[true,null]}],"constructor":-1.5e-7}',
    ) as Json,
    { a: 'z', b: '2' }, // the same names in another order: the leaf is in canonical order
    { b: '3', a: '乙' },
    { only: 'x'.repeat(5000), long: LONG },
    [1, 2],
    'text',
    42,
    null,
    {},
  ];

  it('writes the reference leaves in batches: odd names and values, large indexes, SHA-256 and SM3', () => {
    for (const hash of [nodeSha256, nodeSm3])
      for (const secret of [randomBytes(32), randomBytes(100)]) {
        const batch = new LeafBatchV3(hash, secret, anchoringScheme(hash.algorithm).cipher);
        for (const first of [0, 2 ** 32 - 3, Number.MAX_SAFE_INTEGER - records.length]) {
          const values = records.map((r): RecordValues =>
            r !== null && typeof r === 'object' && !Array.isArray(r)
              ? { names: Object.keys(r), values: Object.values(r) }
              : { names: null, values: [r] },
          );
          const leaves = batch.leaves(first, values);
          records.forEach((record, i) =>
            expect(toHex(leaves.subarray(32 * i, 32 * i + 32)), `${hash.algorithm} ${i}`).toBe(
              referenceLeaf(secret, first + i, record, hash),
            ),
          );
        }
      }
  });

  it('derives salts as AES-128 of (index, position, names tag) under a key from HMAC(secret), SM4 for SM3', () => {
    const secret = randomBytes(32);
    for (const [hash, cipher, mac] of [
      [nodeSha256, 'aes-128-ecb', 'sha256'],
      [nodeSm3, 'sm4-ecb', 'sm3'],
    ] as const) {
      const block = Buffer.alloc(16);
      block.writeBigUInt64BE(7n, 0);
      block.writeUInt32BE(3, 8);
      createHash(mac).update('["a","b"]').digest().copy(block, 12, 0, 4);
      const key = createHmac(mac, secret)
        .update('shulian/record-salt-key/v3')
        .digest()
        .subarray(0, 16);
      const expected = createCipheriv(cipher, key, null).setAutoPadding(false).update(block);
      const salt = saltDeriverV3(hash, secret, anchoringScheme(hash.algorithm).cipher);
      expect(toHex(salt(7, ['a', 'b'])(3))).toBe(expected.toString('hex'));
      // Another position, another record's columns: another salt.
      expect(toHex(salt(7, ['a', 'b'])(2))).not.toBe(expected.toString('hex'));
      expect(toHex(salt(7, ['a', 'c'])(3))).not.toBe(expected.toString('hex'));
      expect(toHex(salt(7, null)(3))).not.toBe(expected.toString('hex'));
    }
  });

  it('commits to the canonical JSON of the value alone, long values fed in slices', () => {
    const salt = randomBytes(16);
    for (const value of [...COMMITTED_VALUES, 3, [1]] as Json[])
      expect(toHex(valueCommitmentV3(nodeSha256, salt, value))).toBe(
        toHex(hashParts(nodeSha256, Uint8Array.of(0x04), salt, utf8(canonicalJson(value)))),
      );
  });

  it('writes strings as JSON and UTF-8 byte for byte as JSON.stringify and TextEncoder do', () => {
    // Every class of code unit: ASCII, escapes, controls, 2- and 3-byte characters, surrogate
    // pairs, and lone or reversed surrogates at the start, middle and end.
    const units = [
      0x41, 0x22, 0x5c, 0x00, 0x08, 0x0a, 0x1f, 0x7f, 0xe9, 0x7ff, 0x800, 0x6570, 0xffff, 0xd83d,
      0xde00, 0xdbff, 0xdc00,
    ];
    const out = new Uint8Array(1024);
    for (let trial = 0; trial < 2000; trial++) {
      const length = trial % 12;
      const text = String.fromCharCode(
        ...Array.from({ length }, () => units[Math.floor(Math.random() * units.length)]!),
      );
      expect(toHex(out.subarray(0, writeJsonString(text, out, 0))), JSON.stringify(text)).toBe(
        toHex(utf8(JSON.stringify(text))),
      );
      expect(toHex(out.subarray(3, writeUtf8(text, out, 3))), JSON.stringify(text)).toBe(
        toHex(utf8(text)),
      );
    }
  });

  it('anchors CSV rows without building records, in slices: the same leaves as from the records', () => {
    const secret = randomBytes(32);
    const parser = new RecordParser('csv');
    const rows = parser.pushRows(utf8(CSV));
    const leaves = new RecordLeaves(nodeSha256, secret, V3);
    expect(toHex(leaves.leavesOfRows('csv', parser.columns, rows, 5))).toBe(
      toHex(leaves.leavesOf(5, CSV_RECORDS)),
    );
    // More rows than one cipher call's slice: the slices' salts continue the numbering.
    const many = Array.from({ length: 1300 }, (_, i) => ({ id: String(i), v: `值 ${i}` }));
    const table = new RecordParser('csv');
    const manyRows = table.pushRows(
      utf8(`id,v\n${many.map((r) => `${r.id},${r.v}`).join('\n')}\n`),
    );
    expect(toHex(leaves.leavesOfRows('csv', table.columns, manyRows, 7))).toBe(
      toHex(leaves.leavesOf(7, many)),
    );
    expect(toHex(leaves.leavesOf(5, CSV_RECORDS).subarray(0, 32))).toBe(
      referenceLeaf(secret, 5, CSV_RECORDS[0]!),
    );
  });
});

describe.each(SCHEMES)('record proofs, leaf %s', (_, scheme) => {
  const secret = randomBytes(32);
  const saltBytes = scheme.version === 3 ? 16 : 32;

  function commit(format: RecordFormat, text: string, hash = nodeSha256) {
    const leaves: Uint8Array[] = [];
    const schemeOf = scheme.version === 3 ? anchoringScheme(hash.algorithm) : scheme;
    const builder = new RecordCommitmentBuilder(
      hash,
      format,
      secret,
      schemeOf,
      (leaf, i) => (leaves[i] = leaf.slice()),
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
      expect(commitment).toMatchObject({ count: 3, version: scheme.version });
      const schemeOf = scheme.version === 3 ? anchoringScheme(hash.algorithm) : scheme;
      records.forEach((record, i) => {
        const proof = issueRecordProof(hash, secret, schemeOf, leaves, i, record);
        expect(proof.version).toBe(scheme.version === 3 ? 3 : undefined);
        expect(proof.salt).toHaveLength(2 * saltBytes);
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
      const proof = issueRecordProof(
        nodeSha256,
        secret,
        scheme,
        leaves,
        i,
        JSON.parse(line) as Json,
      );
      expect(verifySelectiveRecordProof(nodeSha256, proof)).toEqual({ ok: true });
    });
  });

  it('ignores formatting: the same records in other spellings give the same root', () => {
    const respelled = 'C-001,"张三","含逗号, 和 ""引号"""\n'; // quoting differs, LF not CRLF
    const a = commit('csv', '证书编号,姓名,备注\n' + respelled);
    const b = commit('csv', '"证书编号",姓名,"备注"\r\nC-001,张三,"含逗号, 和 ""引号"""\r\n');
    expect(a.commitment.root).toBe(b.commitment.root);
  });

  /** The record salt of record `index`, as this scheme derives it. */
  const recordSalt = (key: Uint8Array, index: number): string =>
    toHex(
      scheme.version === 3
        ? saltDeriverV3(nodeSha256, key, V3.cipher)(index, ['备注', '姓名', '证书编号'].sort())(0)
        : deriveSalt(nodeSha256, key, index),
    );

  it('salts from the secret and the index: reproducible, distinct per record and per secret', () => {
    const s0 = recordSalt(secret, 0);
    expect(s0).toHaveLength(2 * saltBytes);
    expect(recordSalt(secret, 0)).toBe(s0);
    expect(recordSalt(secret, 1)).not.toBe(s0);
    expect(recordSalt(randomBytes(32), 0)).not.toBe(s0);
  });

  it('reveals nothing of other records: no record text or salt in the proof but its own', () => {
    const { leaves } = commit('csv', CSV);
    const text = JSON.stringify(
      issueRecordProof(nodeSha256, secret, scheme, leaves, 1, CSV_RECORDS[1]!),
    );
    for (const other of ['C-001', '张三', 'C-003', '王五']) expect(text).not.toContain(other);
    for (const i of [0, 2]) expect(text).not.toContain(recordSalt(secret, i));
  });

  it('refuses to issue a proof with the wrong secret or record', () => {
    const { leaves } = commit('csv', CSV);
    expect(() =>
      issueRecordProof(nodeSha256, randomBytes(32), scheme, leaves, 0, CSV_RECORDS[0]!),
    ).toThrow('does not match');
    expect(() =>
      issueRecordProof(nodeSha256, secret, scheme, leaves, 0, CSV_RECORDS[1]!),
    ).toThrow();
  });

  describe('selective disclosure', () => {
    const { leaves } = commit('csv', CSV);
    const full = issueRecordProof(nodeSha256, secret, scheme, leaves, 1, CSV_RECORDS[1]!);
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
      if (!('fields' in full)) throw new Error('an object record');
      for (const name of ['姓名', '备注'])
        expect(text).not.toContain((full.fields[name] as { salt: string }).salt);
    });

    it('projects again only to withhold more, and a non-object record whole', () => {
      const again = projectRecordProof(nodeSha256, projected, ['证书编号', '姓名']);
      expect(disclosedRecord(again).withheld).toEqual(['姓名', '备注']);
      const { leaves: jsonLeaves } = commit('jsonl', JSONL);
      const array = issueRecordProof(nodeSha256, secret, scheme, jsonLeaves, 2, [1, 2]);
      const hidden = projectRecordProof(nodeSha256, array, ['a']);
      expect(verifySelectiveRecordProof(nodeSha256, hidden)).toEqual({ ok: true });
      expect(disclosedRecord(hidden)).toEqual({ record: {}, withheld: [''] });
    });

    it('does not let its leaf pass as a version 1 whole record, nor as the other version', () => {
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
      const { version, ...rest } = full;
      const relabelled = (version ? rest : { ...full, version: 3 }) as SelectiveRecordProof;
      expect(verifySelectiveRecordProof(nodeSha256, relabelled).ok).toBe(false);
    });
  });

  describe('rejects a changed proof', () => {
    const { leaves } = commit('csv', CSV);
    const good = issueRecordProof(nodeSha256, secret, scheme, leaves, 1, CSV_RECORDS[1]!);
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
      [
        'salt of the other version',
        {
          ...good,
          salt: good.salt
            .repeat(scheme.version === 3 ? 2 : 1)
            .slice(0, scheme.version === 3 ? 64 : 32),
        },
        'salt',
      ],
      ['an unknown leaf version', { ...good, version: 4 as 3 }, 'version'],
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

describe('version 1 whole-record proofs', () => {
  it('still verify', () => {
    const secret = randomBytes(32);
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
});
