/**
 * The gateway directory over the API: psb's admin publishes psb's gateway (URL and TLS
 * certificate) as a ledger transaction, anyone lists the directory, a second publication replaces
 * the entry and both stay in its history; a clerk, another department's admin, plain http and a
 * non-certificate are refused with their codes.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture();
});
afterAll(async () => {
  await fx?.close();
});

// A real certificate's PEM (the demo network's own psb CA): what an operator would paste.
const certificate = (): string => {
  const pem = fx.runtime.trust.departments.psb?.caCertificate ?? '';
  expect(new X509Certificate(pem).subject).toContain('psb');
  return pem;
};

describe('the gateway directory (/api/v1/gateways)', () => {
  it('psb’s admin publishes psb’s gateway; anyone lists it; history keeps every publication', async () => {
    const tlsCertificate = certificate();
    const first = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/gateways/psb',
      headers: fx.auth('psb', 'admin'),
      payload: { url: 'https://gw.psb.example:8443', tlsCertificate },
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      data: { department: 'psb', url: 'https://gw.psb.example:8443', tlsCertificate },
      tx: { txId: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown },
    });
    const second = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/gateways/psb',
      headers: fx.auth('psb', 'admin'),
      payload: { url: 'https://gw2.psb.example', tlsCertificate },
    });
    expect(second.statusCode).toBe(200);

    const listed = await fx.app.inject({ method: 'GET', url: '/api/v1/gateways' });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({ department: 'psb', url: 'https://gw2.psb.example' }),
    ]);

    const history = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/gateways/psb/history',
      headers: fx.auth('health', 'clerk'),
    });
    expect(history.statusCode).toBe(200);
    const items = history.json<{ items: { txId: string; value: { url: string } }[] }>().items;
    expect(items.map((i) => i.value.url).sort()).toEqual([
      'https://gw.psb.example:8443',
      'https://gw2.psb.example',
    ]);
    expect(items.map((i) => i.txId)).toContain(first.json<{ tx: { txId: string } }>().tx.txId);
  });

  it('refuses a clerk, another department’s admin, plain http and a non-certificate', async () => {
    const tlsCertificate = certificate();
    const put = (department: string, user: string, id: string, payload: object) =>
      fx.app.inject({
        method: 'PUT',
        url: `/api/v1/gateways/${id}`,
        headers: fx.auth(department, user),
        payload,
      });
    const clerk = await put('psb', 'clerk', 'psb', {
      url: 'https://gw.psb.example',
      tlsCertificate,
    });
    expect(clerk.json()).toMatchObject({ error: { code: 'FORBIDDEN_ROLE' } });
    const other = await put('coord', 'admin', 'psb', {
      url: 'https://gw.psb.example',
      tlsCertificate,
    });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const http = await put('psb', 'admin', 'psb', { url: 'http://gw.psb.example', tlsCertificate });
    expect(http.statusCode).toBe(400);
    expect(http.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const notCertificate = await put('psb', 'admin', 'psb', {
      url: 'https://gw.psb.example',
      tlsCertificate: key,
    });
    expect(notCertificate.statusCode).toBe(400);
  });
});
