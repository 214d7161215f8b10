/**
 * Signed requests between gateways (gateway/src/exchange/signed-request.ts), without Fabric: a
 * health user's request verifies against health's CA; a tampered request, a certificate another
 * CA issued or naming someone else, a department outside the channel, a request for another
 * provider, one signed outside the time window and a replayed nonce are refused, each with its
 * code. The TLS peer check accepts the published certificate or one it issued, nothing else.
 *
 * The nonce book is on disk: a provider restarted within the time window (the book closed and
 * opened again on the same folder, or its process killed after answering) still refuses the
 * replay; every nonce is written with fsync before the request is answered; expired nonces are
 * deleted, and are not loaded again. Each request looks at O(log n) entries of the book's expiry
 * index, not at every nonce it holds.
 */
import { spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../network/embedded/identity.js';
import { recordWrites } from '../reliability/level-writes.js';
import { NonceBook } from '../../gateway/src/exchange/nonce-book.js';
import {
  checkPeerCertificate,
  EXCHANGE_WINDOW_MS,
  signRequest,
  verifySignedRequest,
  type ExchangeRequest,
  type RequestSigner,
} from '../../gateway/src/exchange/signed-request.js';

let healthCa: CertificateAuthority;
let psbCa: CertificateAuthority;
let alice: RequestSigner;
let members: Record<string, { caCertificate: string }>;
let dir: string;
let nonces: NonceBook;
// The certificates are issued now: the clock checks are made against it.
const now = Date.now() + 1000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-nonces-'));
  nonces = await NonceBook.open(join(dir, 'shared'));
  healthCa = await CertificateAuthority.create('health');
  psbCa = await CertificateAuthority.create('psb');
  alice = await healthCa.issue('alice', 'client');
  members = {
    health: { caCertificate: healthCa.certificate },
    psb: { caCertificate: psbCa.certificate },
  };
});

afterAll(async () => {
  await nonces?.close();
  await rm(dir, { recursive: true, force: true });
});

const request = (over: Partial<ExchangeRequest> = {}): ExchangeRequest => ({
  kind: 'quote',
  provider: 'psb',
  consumer: { department: 'health', user: 'alice' },
  catalogId: 'PSB-POP-001',
  version: 2,
  grantId: 'GRANT-1',
  fields: ['name', 'district'],
  purpose: null,
  usageId: null,
  nonce: randomBytes(16).toString('hex'),
  issuedAt: new Date(now).toISOString(),
  ...over,
});

const check = (signed: ReturnType<typeof signRequest>, book = nonces, at = now) =>
  verifySignedRequest(signed, { members, provider: 'psb', now: at, nonces: book });

const codeOf = async (f: () => unknown): Promise<string | undefined> => {
  try {
    await f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('signed gateway-to-gateway requests', () => {
  it('a health user’s signed request verifies against health’s CA and names its signer', async () => {
    expect(await check(signRequest(request(), alice))).toEqual({
      department: 'health',
      user: 'alice',
    });
  });

  it('a tampered request is refused: any field changed after signing', async () => {
    const signed = signRequest(request(), alice);
    for (const changed of [
      { ...signed.request, fields: ['name', 'district', 'idNumber'] },
      { ...signed.request, version: 3 },
      { ...signed.request, grantId: 'GRANT-2' },
      { ...signed.request, kind: 'deliver' as const },
      { ...signed.request, nonce: randomBytes(16).toString('hex') },
    ])
      expect(await codeOf(() => check({ ...signed, request: changed }))).toBe(
        'EXCHANGE_SIGNATURE_INVALID',
      );
    const flipped = Buffer.from(signed.signature, 'base64');
    flipped[flipped.length - 1]! ^= 1;
    expect(await codeOf(() => check({ ...signed, signature: flipped.toString('base64') }))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
  });

  it('a certificate another CA issued, or naming another user, is refused', async () => {
    // psb's CA issues a certificate claiming to be health's alice: not health's CA.
    const forged = await psbCa.issue('alice', 'client');
    expect(await codeOf(() => check(signRequest(request(), forged)))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
    // health's bob signs a request naming alice.
    const bob = await healthCa.issue('bob', 'client');
    expect(await codeOf(() => check(signRequest(request(), bob)))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
    // A self-made CA of the same name.
    const rogue = await CertificateAuthority.create('health');
    const impostor = await rogue.issue('alice', 'client');
    expect(await codeOf(() => check(signRequest(request(), impostor)))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
    expect(
      await codeOf(() =>
        check({ ...signRequest(request(), alice), certificate: 'not a certificate' }),
      ),
    ).toBe('EXCHANGE_SIGNATURE_INVALID');
  });

  it('a department outside the channel’s MSP is refused as unknown', async () => {
    const outsider = await (await CertificateAuthority.create('tax')).issue('carol', 'client');
    const signed = signRequest(
      request({ consumer: { department: 'tax', user: 'carol' } }),
      outsider,
    );
    expect(await codeOf(() => check(signed))).toBe('EXCHANGE_UNKNOWN_MSP');
  });

  it('a request for another provider is refused', async () => {
    expect(await codeOf(() => check(signRequest(request({ provider: 'amr' }), alice)))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
  });

  it('a request signed outside the time window is refused, either way', async () => {
    const at = (ms: number) =>
      signRequest(request({ issuedAt: new Date(now + ms).toISOString() }), alice);
    expect(await codeOf(() => check(at(-EXCHANGE_WINDOW_MS - 1)))).toBe('EXCHANGE_REQUEST_EXPIRED');
    expect(await codeOf(() => check(at(EXCHANGE_WINDOW_MS + 1)))).toBe('EXCHANGE_REQUEST_EXPIRED');
    expect(await check(at(-EXCHANGE_WINDOW_MS))).toMatchObject({ user: 'alice' });
    expect(await check(at(EXCHANGE_WINDOW_MS))).toMatchObject({ user: 'alice' });
  });

  it('a replayed nonce is refused; a refused forgery does not spend the nonce', async () => {
    const signed = signRequest(request(), alice);
    const forged = await psbCa.issue('alice', 'client');
    const forgery = signRequest(signed.request, forged);
    expect(await codeOf(() => check(forgery, nonces))).toBe('EXCHANGE_SIGNATURE_INVALID');
    expect(await check(signed, nonces)).toMatchObject({ user: 'alice' });
    expect(await codeOf(() => check(signed, nonces, now + 1000))).toBe('EXCHANGE_REQUEST_REPLAYED');
    // The same nonce in a newly signed request is still a replay.
    const again = signRequest(
      { ...signed.request, issuedAt: new Date(now + 2000).toISOString() },
      alice,
    );
    expect(await codeOf(() => check(again, nonces, now + 2000))).toBe('EXCHANGE_REQUEST_REPLAYED');
  });

  it('the TLS peer must be the published certificate or issued by it', async () => {
    const tls = await healthCa.issue('gateway', 'peer');
    const peer = new X509Certificate(tls.certificate);
    expect(() => checkPeerCertificate(peer, tls.certificate, now)).not.toThrow();
    expect(() => checkPeerCertificate(peer, healthCa.certificate, now)).not.toThrow();
    expect(await codeOf(() => checkPeerCertificate(peer, psbCa.certificate, now))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
    expect(await codeOf(() => checkPeerCertificate(null, healthCa.certificate, now))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
  });
});

/** The keys a closed book left on disk. */
async function keysOnDisk(location: string): Promise<string[]> {
  const db = new Level<string, string>(location);
  try {
    return await db.keys().all();
  } finally {
    await db.close();
  }
}

describe('the nonce book across restarts', () => {
  it('a provider restarted within the window refuses the replay; a forgery spends no nonce across the restart either', async () => {
    const location = join(dir, 'restart');
    const signed = signRequest(request(), alice);
    const forged = await psbCa.issue('alice', 'client');
    const victim = signRequest(request(), alice);
    let book = await NonceBook.open(location, now);
    expect(await check(signed, book)).toMatchObject({ user: 'alice' });
    // Before the restart a forgery is sent with the nonce of a request alice has not sent yet.
    expect(await codeOf(() => check(signRequest(victim.request, forged), book))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
    await book.close();
    book = await NonceBook.open(location, now + 1000);
    try {
      expect(await codeOf(() => check(signed, book, now + 1000))).toBe('EXCHANGE_REQUEST_REPLAYED');
      expect(await check(victim, book, now + 1000)).toMatchObject({ user: 'alice' });
    } finally {
      await book.close();
    }
  });

  it('each nonce is written with fsync before the request is answered', async () => {
    const location = join(dir, 'synced');
    const book = await NonceBook.open(location, now);
    const recorder = recordWrites();
    try {
      const signed = signRequest(request(), alice);
      await check(signed, book);
      // What was written by the time the check answered.
      expect(
        recorder.writes.filter(
          (w) => w.location === location && w.keys.includes(signed.request.nonce),
        ),
      ).toEqual([expect.objectContaining({ sync: true })]);
    } finally {
      recorder.stop();
      await book.close();
    }
  });

  it('a gateway killed (SIGKILL) once a nonce is remembered, before it could close the book, refuses the replay after its restart', async () => {
    const location = join(dir, 'killed');
    const signed = signRequest(request(), alice);
    const script = join(dir, 'remember-and-die.mjs');
    const module = fileURLToPath(
      new URL('../../gateway/src/exchange/nonce-book.ts', import.meta.url),
    );
    await writeFile(
      script,
      `const { NonceBook } = await import(${JSON.stringify(module)});
const book = await NonceBook.open(process.argv[2], ${now});
await book.remember(${JSON.stringify(signed.request.nonce)}, ${now + EXCHANGE_WINDOW_MS}, ${now});
process.kill(process.pid, 'SIGKILL');
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script, location], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const signal = await new Promise((resolve) => child.once('exit', (_, sig) => resolve(sig)));
    expect(signal, stderr).toBe('SIGKILL');
    const book = await NonceBook.open(location, now + 1000);
    try {
      expect(await codeOf(() => check(signed, book, now + 1000))).toBe('EXCHANGE_REQUEST_REPLAYED');
    } finally {
      await book.close();
    }
  });

  it('expired nonces are deleted from disk as new ones are written, and on open', async () => {
    const location = join(dir, 'expiry');
    const t = now;
    let book = await NonceBook.open(location, t);
    expect(await book.remember('a1', t + 100, t)).toBe(true);
    expect(await book.remember('b2', t + 1000, t)).toBe(true);
    // a1 expired at t + 100: deleted with the next nonce's write.
    expect(await book.remember('c3', t + 1000, t + 200)).toBe(true);
    await book.close();
    expect(await keysOnDisk(location)).toEqual(['b2', 'c3']);
    // Still within their time: loaded, refused.
    book = await NonceBook.open(location, t + 500);
    expect(await book.remember('b2', t + 1000, t + 500)).toBe(false);
    await book.close();
    // Opened after they expired: dropped from disk, not loaded.
    book = await NonceBook.open(location, t + 2000);
    await book.close();
    expect(await keysOnDisk(location)).toEqual([]);
  });
});

describe('the nonce book’s cost per request', () => {
  /** A book holding `count` live nonces (written in one batch, as a busy window leaves them). */
  async function bookOf(location: string, count: number, t: number): Promise<NonceBook> {
    const db = new Level<string, string>(location, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.batch(
      Array.from({ length: count }, (_, i) => ({
        type: 'put' as const,
        key: `n${i}`,
        // Spread over the window, in no order of expiry.
        value: String(t + 1000 + ((i * 7919) % EXCHANGE_WINDOW_MS)),
      })),
    );
    await db.close();
    return NonceBook.open(location, t);
  }

  /** The index entries the book looks at per request, over `requests` new nonces. */
  async function visitsPerRequest(book: NonceBook, t: number, requests = 20): Promise<number> {
    const before = book.visits;
    for (let i = 0; i < requests; i++)
      expect(await book.remember(`fresh-${i}`, t + EXCHANGE_WINDOW_MS, t + i)).toBe(true);
    return (book.visits - before) / requests;
  }

  it('many live nonces do not make each request look at more of the book (expiry index, not a scan)', async () => {
    const t = now;
    const small = await bookOf(join(dir, 'cost-small'), 100, t);
    const large = await bookOf(join(dir, 'cost-large'), 50_000, t);
    try {
      const few = await visitsPerRequest(small, t);
      const many = await visitsPerRequest(large, t);
      // A scan would look at all 50,000 per request; the heap at most its height and the top.
      expect(many).toBeLessThanOrEqual(Math.log2(50_020) + 2);
      expect(many).toBeLessThanOrEqual(few * 3);
      // Expired nonces are each looked at once when they go: the first request after all of
      // them expired takes them out, the next one pays for its own nonce only.
      const later = t + 2 * EXCHANGE_WINDOW_MS;
      const before = large.visits;
      expect(await large.remember('after', later + EXCHANGE_WINDOW_MS, later)).toBe(true);
      const sweep = large.visits - before;
      expect(sweep).toBeGreaterThanOrEqual(50_020);
      expect(sweep).toBeLessThanOrEqual(50_020 * (Math.log2(50_020) + 4));
      const next = large.visits;
      expect(await large.remember('after-2', later + EXCHANGE_WINDOW_MS, later + 1)).toBe(true);
      expect(large.visits - next).toBeLessThanOrEqual(3);
    } finally {
      await small.close();
      await large.close();
    }
    expect(await keysOnDisk(join(dir, 'cost-large'))).toEqual(['after', 'after-2']);
  });
});
