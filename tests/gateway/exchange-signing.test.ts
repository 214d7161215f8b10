/**
 * Signed requests between gateways (gateway/src/exchange/signed-request.ts), without Fabric: a
 * health user's request verifies against health's CA; a tampered request, a certificate another
 * CA issued or naming someone else, a department outside the channel, a request for another
 * provider, one signed outside the time window and a replayed nonce are refused, each with its
 * code. The TLS peer check accepts the published certificate or one it issued, nothing else.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../network/embedded/identity.js';
import {
  checkPeerCertificate,
  EXCHANGE_WINDOW_MS,
  NonceBook,
  signRequest,
  verifySignedRequest,
  type ExchangeRequest,
  type RequestSigner,
} from '../../gateway/src/exchange/signed-request.js';

let healthCa: CertificateAuthority;
let psbCa: CertificateAuthority;
let alice: RequestSigner;
let members: Record<string, { caCertificate: string }>;
// The certificates are issued now: the clock checks are made against it.
const now = Date.now() + 1000;

beforeAll(async () => {
  healthCa = await CertificateAuthority.create('health');
  psbCa = await CertificateAuthority.create('psb');
  alice = await healthCa.issue('alice', 'client');
  members = {
    health: { caCertificate: healthCa.certificate },
    psb: { caCertificate: psbCa.certificate },
  };
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

const check = (signed: ReturnType<typeof signRequest>, nonces = new NonceBook(), at = now) =>
  verifySignedRequest(signed, { members, provider: 'psb', now: at, nonces });

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('signed gateway-to-gateway requests', () => {
  it('a health user’s signed request verifies against health’s CA and names its signer', () => {
    expect(check(signRequest(request(), alice))).toEqual({ department: 'health', user: 'alice' });
  });

  it('a tampered request is refused: any field changed after signing', () => {
    const signed = signRequest(request(), alice);
    for (const changed of [
      { ...signed.request, fields: ['name', 'district', 'idNumber'] },
      { ...signed.request, version: 3 },
      { ...signed.request, grantId: 'GRANT-2' },
      { ...signed.request, kind: 'deliver' as const },
      { ...signed.request, nonce: randomBytes(16).toString('hex') },
    ])
      expect(codeOf(() => check({ ...signed, request: changed }))).toBe(
        'EXCHANGE_SIGNATURE_INVALID',
      );
    const flipped = Buffer.from(signed.signature, 'base64');
    flipped[flipped.length - 1]! ^= 1;
    expect(codeOf(() => check({ ...signed, signature: flipped.toString('base64') }))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
  });

  it('a certificate another CA issued, or naming another user, is refused', async () => {
    // psb's CA issues a certificate claiming to be health's alice: not health's CA.
    const forged = await psbCa.issue('alice', 'client');
    expect(codeOf(() => check(signRequest(request(), forged)))).toBe('EXCHANGE_SIGNATURE_INVALID');
    // health's bob signs a request naming alice.
    const bob = await healthCa.issue('bob', 'client');
    expect(codeOf(() => check(signRequest(request(), bob)))).toBe('EXCHANGE_SIGNATURE_INVALID');
    // A self-made CA of the same name.
    const rogue = await CertificateAuthority.create('health');
    const impostor = await rogue.issue('alice', 'client');
    expect(codeOf(() => check(signRequest(request(), impostor)))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
    expect(
      codeOf(() => check({ ...signRequest(request(), alice), certificate: 'not a certificate' })),
    ).toBe('EXCHANGE_SIGNATURE_INVALID');
  });

  it('a department outside the channel’s MSP is refused as unknown', async () => {
    const outsider = await (await CertificateAuthority.create('tax')).issue('carol', 'client');
    const signed = signRequest(
      request({ consumer: { department: 'tax', user: 'carol' } }),
      outsider,
    );
    expect(codeOf(() => check(signed))).toBe('EXCHANGE_UNKNOWN_MSP');
  });

  it('a request for another provider is refused', () => {
    expect(codeOf(() => check(signRequest(request({ provider: 'amr' }), alice)))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
  });

  it('a request signed outside the time window is refused, either way', () => {
    const at = (ms: number) =>
      signRequest(request({ issuedAt: new Date(now + ms).toISOString() }), alice);
    expect(codeOf(() => check(at(-EXCHANGE_WINDOW_MS - 1)))).toBe('EXCHANGE_REQUEST_EXPIRED');
    expect(codeOf(() => check(at(EXCHANGE_WINDOW_MS + 1)))).toBe('EXCHANGE_REQUEST_EXPIRED');
    expect(check(at(-EXCHANGE_WINDOW_MS))).toMatchObject({ user: 'alice' });
    expect(check(at(EXCHANGE_WINDOW_MS))).toMatchObject({ user: 'alice' });
  });

  it('a replayed nonce is refused; a refused forgery does not spend the nonce', async () => {
    const nonces = new NonceBook();
    const signed = signRequest(request(), alice);
    const forged = await psbCa.issue('alice', 'client');
    const forgery = signRequest(signed.request, forged);
    expect(codeOf(() => check(forgery, nonces))).toBe('EXCHANGE_SIGNATURE_INVALID');
    expect(check(signed, nonces)).toMatchObject({ user: 'alice' });
    expect(codeOf(() => check(signed, nonces, now + 1000))).toBe('EXCHANGE_REQUEST_REPLAYED');
    // The same nonce in a newly signed request is still a replay.
    const again = signRequest(
      { ...signed.request, issuedAt: new Date(now + 2000).toISOString() },
      alice,
    );
    expect(codeOf(() => check(again, nonces, now + 2000))).toBe('EXCHANGE_REQUEST_REPLAYED');
  });

  it('the TLS peer must be the published certificate or issued by it', async () => {
    const tls = await healthCa.issue('gateway', 'peer');
    const peer = new X509Certificate(tls.certificate);
    expect(() => checkPeerCertificate(peer, tls.certificate, now)).not.toThrow();
    expect(() => checkPeerCertificate(peer, healthCa.certificate, now)).not.toThrow();
    expect(codeOf(() => checkPeerCertificate(peer, psbCa.certificate, now))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
    expect(codeOf(() => checkPeerCertificate(null, healthCa.certificate, now))).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
  });
});
