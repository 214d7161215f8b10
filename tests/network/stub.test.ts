import { createRequire } from 'node:module';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createChaincodeHarness, type ChaincodeHarness } from '../../network/embedded/harness.js';
import type { SigningIdentity } from '../../network/embedded/identity.js';
import { TestContract } from './fixtures/test-contract.js';

describe('chaincode harness: fabric-shim ChaincodeStub over the embedded simulator', () => {
  let h: ChaincodeHarness;
  let alice: SigningIdentity;

  beforeEach(async () => {
    h = await createChaincodeHarness({ contracts: [TestContract] });
    alice = await h.identity('coord', 'alice', 'admin', { role: 'publisher' });
  });

  const ok = async (fcn: string, args: string[] = []): Promise<string> => {
    const r = await h.submit(alice, fcn, args);
    expect(r.status, r.message).toBe(200);
    return r.payload;
  };

  it('commits successful submits and never commits evaluations', async () => {
    const r = await h.submit(alice, 'test:Put', ['k1', 'v1']);
    expect(r).toMatchObject({
      status: 200,
      payload: 'v1',
      event: { name: 'Put', payload: { key: 'k1', value: 'v1' } },
    });
    expect(r.txId).toMatch(/^[0-9a-f]{64}$/);
    await h.evaluate(alice, 'Put', ['k2', 'v2']);
    expect((await h.evaluate(alice, 'Get', ['k1'])).payload).toBe('v1');
    expect((await h.evaluate(alice, 'Get', ['k2'])).payload).toBe('');
  });

  it("reads see committed state, not the transaction's own writes", async () => {
    expect(await ok('PutThenGet', ['k', 'new'])).toBe('{"seen":""}');
    expect(JSON.parse(await ok('PutThenGet', ['k', 'newer']))).toEqual({ seen: 'new' });
  });

  it('gives the chaincode the creator identity, attributes and tx time as on Fabric', async () => {
    const who = JSON.parse(
      (await h.evaluate(alice, 'WhoAmI', [], { timestamp: 1_700_000_000_123 })).payload,
    ) as Record<string, unknown>;
    expect(who).toMatchObject({
      mspId: 'coord',
      creatorMsp: 'coord',
      id: 'x509::/C=CN/O=coord/OU=admin/CN=alice::/C=CN/O=coord/CN=ca.coord',
      role: 'publisher',
      enrollmentId: 'alice',
      date: '2023-11-14T22:13:20.123Z',
      seconds: 1_700_000_000,
      nanos: 123_000_000,
      channel: 'shulian',
      fcn: 'WhoAmI',
    });
  });

  it("derives each creator's identity from its certificate once, and answers as fabric-shim does", async () => {
    const shimRequire = createRequire(createRequire(import.meta.url).resolve('fabric-shim'));
    const { Certificate } = shimRequire('@fidm/x509') as {
      Certificate: { fromPEM: (pem: unknown) => object };
    };
    const bob = await h.identity('psb', 'bob', 'client', { role: 'auditor' });
    // All it answers but the transaction id, which a fresh nonce makes new each time.
    const whoAmI = async (who: SigningIdentity): Promise<Record<string, unknown>> => {
      const { payload } = await h.evaluate(who, 'WhoAmI', [], { timestamp: 1_700_000_000_123 });
      const { txId, ...rest } = JSON.parse(payload) as Record<string, unknown>;
      expect(txId).toMatch(/^[0-9a-f]{64}$/);
      return rest;
    };
    const first = await whoAmI(alice);
    const parsed = vi.spyOn(Certificate, 'fromPEM');
    try {
      expect(await whoAmI(alice)).toEqual(first);
      expect(parsed).not.toHaveBeenCalled();
      expect(await whoAmI(bob)).toMatchObject({
        mspId: 'psb',
        id: 'x509::/C=CN/O=psb/OU=client/CN=bob::/C=CN/O=psb/CN=ca.psb',
        role: 'auditor',
        enrollmentId: 'bob',
      });
      parsed.mockClear();
      expect(await whoAmI(bob)).toMatchObject({ mspId: 'psb', role: 'auditor' });
      expect(parsed).not.toHaveBeenCalled();
    } finally {
      parsed.mockRestore();
    }
  });

  it('reports chaincode errors as status 500 with the message', async () => {
    const r = await h.submit(alice, 'Fail', ['CATALOG_NOT_FOUND: no such entry']);
    expect(r).toMatchObject({
      status: 500,
      message: 'CATALOG_NOT_FOUND: no such entry',
      event: null,
    });
    expect(h.height).toBe(0);
  });

  it('range queries return keys in byte order, composite keys use Fabric separators', async () => {
    for (const k of ['b', 'a', 'c', '\u{1F600}', '\uFFFF']) await ok('Put', [k, k]);
    // UTF-8 byte order puts U+FFFF before the astral U+1F600 (JS string order would not).
    expect(JSON.parse((await h.evaluate(alice, 'Range', ['', ''])).payload)).toEqual([
      'a=a',
      'b=b',
      'c=c',
      '\uFFFF=\uFFFF',
      '\u{1F600}=\u{1F600}',
    ]);
    expect(JSON.parse((await h.evaluate(alice, 'Range', ['b', 'c'])).payload)).toEqual(['b=b']);
    expect(JSON.parse(await ok('PutComposite', ['t', 'x', 'y', 'v']))).toEqual({
      objectType: 't',
      attributes: ['x', 'y'],
    });
    await ok('PutComposite', ['t', 'x', 'z', 'w']);
    await ok('PutComposite', ['t', 'q', 'z', 'u']);
    expect(JSON.parse((await h.evaluate(alice, 'Partial', ['t', 'x'])).payload)).toEqual([
      'x/y=v',
      'x/z=w',
    ]);
    expect(JSON.parse((await h.evaluate(alice, 'Partial', ['t', ''])).payload)).toEqual([
      'q/z=u',
      'x/y=v',
      'x/z=w',
    ]);
    // Composite keys live outside the simple-key range.
    expect(JSON.parse((await h.evaluate(alice, 'Range', ['', ''])).payload)).toHaveLength(5);
  });

  it('iterates more than one batch of results', async () => {
    for (let i = 0; i < 250; i++) await ok('Put', [`k${String(i).padStart(3, '0')}`, String(i)]);
    const all = JSON.parse((await h.evaluate(alice, 'Range', ['k', 'l'])).payload) as string[];
    expect(all).toHaveLength(250);
    expect(all[249]).toBe('k249=249');
  });

  it('paginates with Fabric bookmarks and metadata', async () => {
    for (const k of ['a', 'b', 'c', 'd', 'e']) await ok('Put', [k, k]);
    const page = async (
      bookmark: string,
    ): Promise<{ keys: string[]; metadata: { bookmark: string; fetchedRecordsCount: number } }> =>
      JSON.parse((await h.evaluate(alice, 'Paged', ['', '', '2', bookmark])).payload) as never;
    expect(await page('')).toEqual({
      keys: ['a', 'b'],
      metadata: { bookmark: 'c', fetchedRecordsCount: 2 },
    });
    expect(await page('c')).toEqual({
      keys: ['c', 'd'],
      metadata: { bookmark: 'e', fetchedRecordsCount: 2 },
    });
    expect(await page('e')).toEqual({
      keys: ['e'],
      metadata: { bookmark: '', fetchedRecordsCount: 1 },
    });
    // An empty page: Fabric's shim gives no metadata (the peer's serialises to no bytes).
    expect(
      JSON.parse((await h.evaluate(alice, 'Paged', ['x', 'z', '2', ''])).payload) as unknown,
    ).toEqual({ keys: [] });
    await ok('PutComposite', ['o', '1', '1', 'x']);
    await ok('PutComposite', ['o', '2', '1', 'x']);
    await ok('PutComposite', ['o', '3', '1', 'x']);
    const first = JSON.parse((await h.evaluate(alice, 'PagedPartial', ['o', '2', ''])).payload) as {
      keys: string[];
      metadata: { bookmark: string };
    };
    expect(first.keys).toEqual(['1/1', '2/1']);
    const second = JSON.parse(
      (await h.evaluate(alice, 'PagedPartial', ['o', '2', first.metadata.bookmark])).payload,
    ) as { keys: string[] };
    expect(second.keys).toEqual(['3/1']);
  });

  it('refuses writes after a paginated query, as Fabric does', async () => {
    const r = await h.submit(alice, 'PagedThenPut', ['k']);
    expect(r.status).toBe(500);
    expect(r.message).toMatch(/paginated query/);
  });

  it('returns history newest first with deletes', async () => {
    const t1 = await h.submit(alice, 'Put', ['k', 'one'], { timestamp: 1_000_000 });
    const t2 = await h.submit(alice, 'Put', ['k', 'two'], { timestamp: 2_000_000 });
    const t3 = await h.submit(alice, 'Del', ['k'], { timestamp: 3_000_000 });
    expect(JSON.parse((await h.evaluate(alice, 'History', ['k'])).payload)).toEqual([
      { txId: t3.txId, value: '', isDelete: true, seconds: 3000 },
      { txId: t2.txId, value: 'two', isDelete: false, seconds: 2000 },
      { txId: t1.txId, value: 'one', isDelete: false, seconds: 1000 },
    ]);
  });

  it('passes transient data without recording it', async () => {
    const r = await h.evaluate(alice, 'Transient', ['secret'], {
      transient: { secret: Buffer.from('s3cr3t') },
    });
    expect(r.payload).toBe('s3cr3t');
  });

  it('stores key-level endorsement policies with the key and keeps them across value writes', async () => {
    await ok('Put', ['owned', 'v']);
    await ok('SetOwners', ['owned', 'psb,amr']);
    expect(JSON.parse((await h.evaluate(alice, 'Owners', ['owned'])).payload)).toEqual([
      'psb',
      'amr',
    ]);
    await ok('Put', ['owned', 'v2']);
    expect(JSON.parse((await h.evaluate(alice, 'Owners', ['owned'])).payload)).toEqual([
      'psb',
      'amr',
    ]);
    await ok('Del', ['owned']);
    await ok('Put', ['owned', 'v3']);
    expect(JSON.parse((await h.evaluate(alice, 'Owners', ['owned'])).payload)).toEqual([]);
  });

  it('issues distinct identities per MSP from one CA per MSP', async () => {
    const bob = await h.identity('psb', 'bob');
    const carol = await h.identity('psb', 'carol', 'client');
    const whoBob = JSON.parse((await h.evaluate(bob, 'WhoAmI')).payload) as {
      id: string;
      mspId: string;
    };
    const whoCarol = JSON.parse((await h.evaluate(carol, 'WhoAmI')).payload) as { id: string };
    expect(whoBob.mspId).toBe('psb');
    expect(whoBob.id).toBe('x509::/C=CN/O=psb/OU=client/CN=bob::/C=CN/O=psb/CN=ca.psb');
    expect(whoCarol.id.endsWith('::/C=CN/O=psb/CN=ca.psb')).toBe(true);
  });
});
