/**
 * The record index kept beside a record-anchored blob (gateway/src/store/record-index.ts): a
 * query by subject finds exactly the records a full parse finds, whatever the quoting, line
 * endings, blank lines or byte-order mark, and a record's proof read from the stored tree levels
 * is the proof the whole tree gives, for every record of trees of every shape up to 33 leaves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Json } from '@shulian/chaincode/canonical';
import { anchoringScheme, nodeSha256, nodeSm3 } from '@shulian/proof/node';
import {
  RecordCommitmentBuilder,
  RecordParser,
  issueRecordProof,
  verifySelectiveRecordProof,
  type RecordFormat,
} from '@shulian/proof/records';
import { createDatasetStore, type DatasetStore } from '../../gateway/src/store/dataset-store.js';

let dir: string;
let store: DatasetStore;
const secret = randomBytes(32);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-record-index-'));
  store = await createDatasetStore({ dir });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** What the query did before the index: parse everything, compare the trimmed text. */
function scanned(bytes: Uint8Array, format: RecordFormat, field: string, value: string) {
  const parser = new RecordParser(format);
  const records = [...parser.push(bytes), ...parser.end()];
  return records.flatMap((record, index) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return [];
    const v = (record as Record<string, Json>)[field];
    return (typeof v === 'string' || typeof v === 'number') && String(v).trim() === value
      ? [{ index, record }]
      : [];
  });
}

const put = (bytes: Uint8Array, format: RecordFormat) =>
  store.put([bytes.subarray(0, 7), bytes.subarray(7)], { records: { format, secret } });

describe('record index', () => {
  const csv = Buffer.from(
    '\ufeffid,name,note\r\n' +
      '110,"张三","said ""hi""\nacross lines"\r\n' +
      '\r\n' +
      ' 110 ,李四,plain\n' +
      '220,"王五, Jr.",\n' +
      '"110","赵六","quoted id"\n' +
      '330,钱七,last without newline',
  );
  const jsonl = Buffer.from(
    [
      '{"id":"110","name":"张三"}',
      '',
      '{"id":110,"name":"number id"}',
      '[110]',
      '"110"',
      '{"id":" 110\\n","name":"escaped newline"}',
      '{"name":"no id"}',
      '{"id":"220"}',
    ].join('\r\n'),
  );

  it.each([
    ['csv', csv, 'id', ['110', '220', '330', '999', '']],
    ['jsonl', jsonl, 'id', ['110', '220', '999']],
  ] as const)(
    'finds in %s exactly the records a full parse finds',
    async (format, bytes, field, values) => {
      const info = await put(bytes, format);
      for (const value of values) {
        expect(await store.recordsWhere(info.sha256, field, value)).toEqual(
          scanned(bytes, format, field, value),
        );
      }
      expect((await store.recordsWhere(info.sha256, field, '110')).length).toBeGreaterThan(1);
      // Proofs of the records found open the same records.
      for (const { index, record } of await store.recordsWhere(info.sha256, field, '110')) {
        const proof = await store.recordProof(info.sha256, index, secret);
        expect(verifySelectiveRecordProof(nodeSha256, proof)).toEqual({ ok: true });
        expect('fields' in proof && Object.keys(proof.fields).sort()).toEqual(
          Object.keys(record).sort(),
        );
      }
    },
  );

  it.each([nodeSha256, nodeSm3])(
    'gives from the stored levels the proof the whole tree gives, for every record of 1 to 33 ($algorithm)',
    async (hash) => {
      for (let count = 1; count <= 33; count++) {
        const rows = Array.from({ length: count }, (_, i) => `${i},name ${i}`);
        const bytes = Buffer.from(`id,name\n${rows.join('\n')}\n`);
        const info = await store.put([bytes], {
          algorithm: hash.algorithm,
          records: { format: 'csv', secret },
        });
        const leaves: Uint8Array[] = [];
        const scheme = anchoringScheme(hash.algorithm);
        const builder = new RecordCommitmentBuilder(hash, 'csv', secret, scheme, (leaf) =>
          leaves.push(Uint8Array.from(leaf)),
        );
        builder.update(bytes);
        builder.finish();
        for (let index = 0; index < count; index++) {
          const expected = issueRecordProof(hash, secret, scheme, leaves, index, {
            id: String(index),
            name: `name ${index}`,
          });
          expect(await store.recordProof(info.sha256, index, secret)).toEqual(expected);
        }
      }
    },
  );

  it('removes the files it keeps with a blob that is removed', async () => {
    const info = await put(csv, 'csv');
    await store.recordsWhere(info.sha256, 'id', '110');
    await store.recordProof(info.sha256, 0, secret);
    expect((await readdir(join(dir, 'blobs'))).length).toBeGreaterThan(3);
    await store.remove(info.sha256);
    expect(await readdir(join(dir, 'blobs'))).toEqual([]);
  });
});
