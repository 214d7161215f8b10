import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer, text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyChunk } from '@shulian/proof/chunks';
import {
  disclosedRecord,
  MAX_RECORD_CHARS,
  RecordCommitmentBuilder,
  RecordTooLargeError,
  verifySelectiveRecordProof,
} from '@shulian/proof/records';
import { anchoringScheme, nodeSha256, nodeSm3 } from '@shulian/proof/node';
import {
  createDatasetStore,
  StoreError,
  type DatasetStore,
} from '../../gateway/src/store/dataset-store.js';

const sha256 = (data: Uint8Array | string): string =>
  createHash('sha256').update(data).digest('hex');

function* pieces(data: Uint8Array, step = 1000): Iterable<Uint8Array> {
  for (let i = 0; i < data.length; i += step) yield data.subarray(i, i + step);
}

async function* from(chunks: Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for (const chunk of chunks) yield await Promise.resolve(chunk);
}

async function* failingAfter(data: Uint8Array, bytes: number): AsyncIterable<Uint8Array> {
  yield* from(pieces(data.subarray(0, bytes)));
  throw new Error('connection reset');
}

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

let dir: string;
let store: DatasetStore;

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Every behaviour holds whether uploads go to disk with O_DIRECT or through the page cache.
describe.each([true, false])('dataset store (O_DIRECT tried: %s)', (directIo) => {
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-store-'));
    store = await createDatasetStore({ dir, directIo });
  });

  const data = randomBytes(50_000);

  it('stores by sha256 with the commitment computed while receiving', async () => {
    const info = await store.put(from(pieces(data)), { chunkSize: 4096 });
    expect(info.sha256).toBe(sha256(data));
    expect(info.commitment).toMatchObject({
      digest: { algorithm: 'sha256', value: sha256(data) },
      size: data.length,
      chunkSize: 4096,
    });
    expect(info.records).toBeNull();
    expect(await store.has(info.sha256)).toBe(true);
    expect(await store.stat(info.sha256)).toEqual(info);
  });

  it('uses SM3 for the digest and chunk tree when asked, still addressed by sha256', async () => {
    const info = await store.put(from(pieces(data)), { algorithm: 'sm3' });
    expect(info.sha256).toBe(sha256(data));
    expect(info.commitment.digest).toEqual({
      algorithm: 'sm3',
      value: createHash('sm3').update(data).digest('hex'),
    });
  });

  it('serves a complete blob, whole or by range', async () => {
    const csv = 'a,b\n1,2\n3,4\n';
    const { sha256: digest } = await store.put(from([Buffer.from(csv)]));
    expect(await text(await store.get(digest))).toBe(csv);
    expect(await text(await store.get(digest, { start: 4, end: 6 }))).toBe('1,2');
  });

  it('is write-once: the same bytes again return the stored blob', async () => {
    const first = await store.put(from(pieces(data)));
    const again = await store.put(from(pieces(data, 333)));
    expect(again).toEqual(first);
    const conflict = await rejection(store.put(from(pieces(data)), { chunkSize: 10 }));
    expect(conflict.code).toBe('COMMITMENT_CONFLICT');
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('leaves nothing behind, and nothing served, when an upload is interrupted', async () => {
    await expect(store.put(failingAfter(data, 20_000))).rejects.toThrow('connection reset');
    expect(await store.has(sha256(data))).toBe(false);
    expect(await store.has(sha256(data.subarray(0, 20_000)))).toBe(false);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await readdir(join(dir, 'blobs'))).toEqual([]);
  });

  it('discards uploads over the size limit or with the wrong digest', async () => {
    const big = await rejection(store.put(from(pieces(data)), { maxBytes: 10_000 }));
    expect(big.code).toBe('BLOB_TOO_LARGE');
    const wrong = await rejection(store.put(from(pieces(data)), { expectDigest: '0'.repeat(64) }));
    expect(wrong.code).toBe('DIGEST_MISMATCH');
    const right = await store.put(from(pieces(data)), { expectDigest: sha256(data) });
    expect(right.sha256).toBe(sha256(data));
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('removes leftovers of a crashed upload when it opens', async () => {
    await writeFile(join(dir, 'tmp', 'half-written'), 'partial');
    await createDatasetStore({ dir });
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it.each(['../../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(64)}.json`, ''])(
    'refuses the digest %j before touching the disk',
    async (digest) => {
      for (const call of [
        store.get(digest),
        store.stat(digest),
        store.has(digest),
        store.check(digest),
        store.remove(digest),
        store.chunkProof(digest, 0),
      ]) {
        expect((await rejection(call)).code).toBe('INVALID_DIGEST');
      }
    },
  );

  it('proves a range: chunk proofs verify what get returns for that range', async () => {
    const { sha256: digest, commitment } = await store.put(from(pieces(data)), { chunkSize: 4096 });
    for (const index of [0, 5, 12]) {
      const proof = await store.chunkProof(digest, index);
      const start = index * 4096;
      const end = Math.min(start + 4096, data.length) - 1;
      const chunk = await buffer(await store.get(digest, { start, end }));
      expect(verifyChunk(nodeSha256, commitment, proof, chunk)).toEqual({ ok: true });
    }
    expect((await rejection(store.chunkProof(digest, 13))).code).toBe('CHUNK_NOT_FOUND');
    const blob = join(dir, 'blobs', digest);
    const bytes = await readFile(blob);
    bytes[7]! ^= 1;
    await writeFile(blob, bytes);
    expect((await rejection(store.chunkProof(digest, 3))).code).toBe('BLOB_DAMAGED');
  });

  it('reports unknown blobs', async () => {
    expect(await store.stat('0'.repeat(64))).toBeNull();
    expect((await rejection(store.get('0'.repeat(64)))).code).toBe('BLOB_NOT_FOUND');
    expect((await rejection(store.remove('0'.repeat(64)))).code).toBe('BLOB_NOT_FOUND');
  });

  it('lists every complete blob, and removes one with every file kept beside it', async () => {
    const secret = randomBytes(32);
    const table = await store.put(from([Buffer.from('id,name\n1,a\n2,b\n')]), {
      records: { format: 'csv', secret },
    });
    const file = await store.put(from(pieces(data)));
    // Files built beside a record blob when first needed (offsets, levels, a column's index).
    await store.recordProof(table.sha256, 1, secret);
    await store.recordsWhere(table.sha256, 'name', 'b');
    expect(
      (await readdir(join(dir, 'blobs'))).filter((n) => n.startsWith(table.sha256)).length,
    ).toBeGreaterThan(3);
    const listed = [];
    for await (const blob of store.list()) listed.push(blob);
    expect(listed.map((b) => b.sha256).sort()).toEqual([table.sha256, file.sha256].sort());
    for (const blob of listed) expect(blob.storedAt).toBeGreaterThan(Date.now() - 60_000);

    await store.remove(table.sha256);
    expect(await readdir(join(dir, 'blobs'))).toEqual(
      expect.not.arrayContaining([expect.stringContaining(table.sha256)]),
    );
    expect(await store.has(table.sha256)).toBe(false);
    expect((await rejection(store.get(table.sha256))).code).toBe('BLOB_NOT_FOUND');
    const head = await buffer(await store.get(file.sha256, { start: 0, end: 9 }));
    expect(Buffer.compare(head, data.subarray(0, 10))).toBe(0);
  });

  it('opens a store written by an earlier gateway, its anchored/ files left unread', async () => {
    const { sha256: digest } = await store.put(from(pieces(data)));
    await mkdir(join(dir, 'anchored'));
    await writeFile(join(dir, 'anchored', digest), JSON.stringify({ txId: 'a'.repeat(64) }));
    const reopened = await createDatasetStore({ dir, directIo });
    expect(await reopened.stat(digest)).toEqual(await store.stat(digest));
    expect(Buffer.compare(await buffer(await reopened.get(digest)), data)).toBe(0);
    await reopened.remove(digest);
    expect(await reopened.has(digest)).toBe(false);
  });

  describe('record anchoring', () => {
    const secret = randomBytes(32);
    const rows = Array.from({ length: 2500 }, (_, i) => `${i},"name ${i}",${i % 7}`);
    const csv = Buffer.from(`id,name,group\n${rows.join('\n')}`); // no final newline

    it.each([
      ['sha256', nodeSha256],
      ['sm3', nodeSm3],
    ] as const)(
      're-issues record proofs from the leaves and the secret (%s)',
      async (algorithm, hash) => {
        const info = await store.put(from(pieces(csv, 777)), {
          algorithm,
          records: { format: 'csv', secret },
        });
        expect(info.records).toMatchObject({ algorithm, count: 2500, format: 'csv' });
        for (const index of [0, 1, 1234, 2499]) {
          const proof = await store.recordProof(info.sha256, index, secret);
          expect(disclosedRecord(proof).record).toEqual({
            id: String(index),
            name: `name ${index}`,
            group: String(index % 7),
          });
          expect(proof.root).toBe(info.records?.root);
          expect(proof.version).toBe(3);
          expect(verifySelectiveRecordProof(hash, proof)).toEqual({ ok: true });
        }
        expect((await rejection(store.recordProof(info.sha256, 2500, secret))).code).toBe(
          'RECORD_NOT_FOUND',
        );
        await expect(store.recordProof(info.sha256, 0, randomBytes(32))).rejects.toThrow(
          'does not match',
        );
      },
    );

    it('notices damaged leaves instead of issuing a proof that cannot verify', async () => {
      const info = await store.put(from(pieces(csv)), { records: { format: 'csv', secret } });
      const leaves = join(dir, 'blobs', `${info.sha256}.leaves`);
      const bytes = await readFile(leaves);
      bytes[40]! ^= 1;
      await writeFile(leaves, bytes);
      expect((await rejection(store.recordProof(info.sha256, 0, secret))).code).toBe(
        'RECORD_LEAVES_DAMAGED',
      );
      await writeFile(leaves, bytes.subarray(1));
      expect((await rejection(store.recordProof(info.sha256, 0, secret))).code).toBe(
        'RECORD_LEAVES_DAMAGED',
      );
    });

    it('anchors in leaf version 3 and keeps serving a blob an earlier gateway anchored in version 2', async () => {
      const info = await store.put(from(pieces(csv)), { records: { format: 'csv', secret } });
      expect(info.records?.version).toBe(3);
      // What a gateway before version 3 left: version 2 leaves, and no version in the info.
      const v2: Uint8Array[] = [];
      const builder = new RecordCommitmentBuilder(nodeSha256, 'csv', secret, { version: 2 }, (l) =>
        v2.push(l.slice()),
      );
      builder.update(csv);
      const { root, count } = builder.finish();
      const base = join(dir, 'blobs', info.sha256);
      await writeFile(`${base}.leaves`, Buffer.concat(v2));
      await writeFile(
        `${base}.json`,
        JSON.stringify({ ...info, records: { algorithm: 'sha256', root, count, format: 'csv' } }),
      );
      const proof = await store.recordProof(info.sha256, 7, secret);
      expect(proof.version).toBeUndefined();
      expect(proof.root).toBe(root);
      expect(verifySelectiveRecordProof(nodeSha256, proof)).toEqual({ ok: true });
      // The same bytes anchored again keep the version 2 commitment: no conflict, no new root.
      const again = await store.put(from(pieces(csv)), { records: { format: 'csv', secret } });
      expect(again.records).toMatchObject({ root, version: 2 });
      // The same bytes under another commitment (another digest algorithm) still conflict.
      await expect(
        store.put(from(pieces(csv)), { algorithm: 'sm3', records: { format: 'csv', secret } }),
      ).rejects.toMatchObject({ code: 'COMMITMENT_CONFLICT' });
    });

    it('rejects a malformed table and keeps nothing', async () => {
      const bad = Buffer.from('a,b\n1,2\n3\n');
      await expect(store.put(from([bad]), { records: { format: 'csv', secret } })).rejects.toThrow(
        'line 3',
      );
      expect(await readdir(join(dir, 'blobs'))).toEqual([]);
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    });
  });

  it('parses and commits records off the event loop, errors as the parser gives them', async () => {
    // 40,000 rows in 1 MiB pieces: on the event loop each piece held it for a second or more.
    const secret = randomBytes(32);
    const rows = Array.from(
      { length: 40_000 },
      (_, i) => `${i},"名 ${i}","路 ${i}, ""${i % 9}""",x`,
    );
    const csv = Buffer.from(`id,name,address,note\n${rows.join('\n')}\n`);
    let last = performance.now();
    let longest = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 2);
    const info = await store.put(from(pieces(csv, 1 << 20)), {
      records: { format: 'csv', secret },
    });
    clearInterval(ticker);
    expect(info.records?.count).toBe(40_000);
    expect(longest).toBeLessThan(250);
    // A thread's parse and encoding errors are the upload's, as when parsed here.
    await expect(
      store.put(from([Buffer.from('a,b\n"1,2\n')]), { records: { format: 'csv', secret } }),
    ).rejects.toBeInstanceOf(SyntaxError);
    await expect(
      store.put(from([Buffer.from([0x61, 0x0a, 0xff, 0x0a])]), {
        records: { format: 'csv', secret },
      }),
    ).rejects.toMatchObject({ code: 'ERR_ENCODING_INVALID_ENCODED_DATA' });
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  describe('records on two threads', () => {
    // Batches of at least SPLIT_ROWS rows are shared with the records helper thread; whatever
    // the split, the leaves and root are the ones one thread computes, and the first bad row in
    // the file is the one reported.
    const secret = randomBytes(32);
    const one = (format: 'csv' | 'jsonl', bytes: Uint8Array) => {
      const leaves: Uint8Array[] = [];
      const builder = new RecordCommitmentBuilder(
        nodeSha256,
        format,
        secret,
        anchoringScheme('sha256'),
        (l) => leaves.push(l.slice()),
      );
      for (const piece of pieces(bytes, 1 << 16)) builder.update(piece);
      return { ...builder.finish(), leaves: Buffer.concat(leaves) };
    };
    const csvRows = Array.from({ length: 30_000 }, (_, i) =>
      i % 97 === 0 ? '  ' : `${i},"名 ${i}","路 ${i}, ""${i % 9}""${i % 50 ? '' : '\n第二行'}",x`,
    );
    const jsonRows = Array.from({ length: 30_000 }, (_, i) =>
      i % 89 === 0
        ? ''
        : i % 7 === 0
          ? `[${i}]`
          : JSON.stringify({ [`k${i % 3}`]: i, n: `名 ${i}` }),
    );
    const tables = [
      ['csv', Buffer.from(`\ufeffid,name,address,note\r\n${csvRows.join('\r\n')}\r\n`)],
      ['jsonl', Buffer.from(jsonRows.join('\n'))],
    ] as const;

    it.each(tables)("gives one thread's leaves and root (%s)", async (format, bytes) => {
      const info = await store.put(from(pieces(bytes, 1 << 20)), { records: { format, secret } });
      const expected = one(format, bytes);
      expect(info.records).toMatchObject({ count: expected.count, root: expected.root });
      expect(await readFile(join(dir, 'blobs', `${info.sha256}.leaves`))).toEqual(expected.leaves);
    });

    it("reports the first bad row, in either thread's share", async () => {
      const rows = Array.from({ length: 20_000 }, (_, i) => `${i},b`);
      const table = (bad: number[]) =>
        Buffer.from(`a,b\n${rows.map((r, i) => (bad.includes(i) ? `${i}` : r)).join('\n')}\n`);
      // Row i is on line i + 2. In one piece of 1 MiB, the helper takes the last 55% of the rows.
      for (const bad of [[19_000], [100, 19_000], [5]]) {
        await expect(
          store.put(from(pieces(table(bad), 1 << 20)), { records: { format: 'csv', secret } }),
        ).rejects.toThrow(new SyntaxError(`line ${bad[0]! + 2}: 1 fields where the header has 2`));
      }
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    });
  });

  it('anchors a 32 MiB row record by record, refuses one over MAX_RECORD_CHARS naming its line, and takes the next upload', async () => {
    const secret = randomBytes(32);
    const block = Buffer.alloc(1 << 20, 'abcdefghij');
    async function* longRow(mib: number): AsyncIterable<Uint8Array> {
      yield await Promise.resolve(Buffer.from('id,note\n1,short\n2,'));
      for (let i = 0; i < mib; i++) yield block;
      yield Buffer.from('\n3,short\n');
    }
    // At 128 MiB of heap the hash thread ran out of memory on this row: 500 INTERNAL, and every
    // upload sharing the thread failed with it.
    const long = await store.put(longRow(32), { records: { format: 'csv', secret } });
    expect(long.records?.count).toBe(3);
    expect(long.commitment.size).toBe(32 * (1 << 20) + 27);

    const refused = await store
      .put(longRow(MAX_RECORD_CHARS / (1 << 20) + 1), { records: { format: 'csv', secret } })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(RecordTooLargeError);
    expect(refused).toMatchObject({ line: 3 });
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    const next = await store.put(from([Buffer.from('id\n1\n2\n')]), {
      records: { format: 'csv', secret },
    });
    expect(next.records?.count).toBe(2);
  });

  it('stores 200 MB in constant memory', async () => {
    const block = randomBytes(1024 * 1024);
    const total = 200;
    async function* generate(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < total; i++) {
        // A fresh buffer per block, as a network stream delivers: nothing may hold on to them.
        const copy = Buffer.from(block);
        copy.writeUInt32BE(i, 0);
        yield await Promise.resolve(copy);
      }
    }
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const info = await store.put(generate());
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(info.commitment.size).toBe(total * 1024 * 1024);
    // The whole file is 200 MB; anything near that would mean buffering.
    expect((peak - before) / 1024 / 1024).toBeLessThan(64);
  }, 120_000);
});
