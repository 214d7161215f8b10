/**
 * Data subjects for chaincode tests: pseudonyms computed as the gateways compute them (with a
 * test-only key the ledger never sees), real P-256 keys, statements signed in P1363 form as
 * WebCrypto signs them, and the scan that proves no plaintext identifier reached the ledger.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import { canonicalBytes } from '@shulian/chaincode/canonical';
import type { World } from './world.js';

/** Stands in for the gateways' pseudonymisation key, which the ledger never sees. */
const PSEUDONYM_KEY = Buffer.from('test-only pseudonymisation key, never on the ledger');
export const pseudonym = (kind: 'person' | 'enterprise', id: string): string =>
  createHmac('sha256', PSEUDONYM_KEY).update(`${kind}:${id}`).digest('hex');

export interface SubjectKey {
  privateKey: KeyObject;
  spki: string;
}

export function newKey(): SubjectKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, spki: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
}

/** `{payload, signature}` as JSON: the argument every signed consent transaction takes. */
export function signed<T>(key: SubjectKey, payload: T): string {
  const signature = sign('sha256', canonicalBytes(payload), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  }).toString('base64');
  return JSON.stringify({ payload, signature });
}

/**
 * Asserts that no key, value or earlier version on the ledger contains any of `plaintexts`,
 * and that the scan saw at least `minKeys` keys with history.
 */
export async function expectNoPlaintext(
  w: World,
  plaintexts: string[],
  minKeys = 20,
): Promise<void> {
  let keys = 0;
  let versions = 0;
  for await (const { key, entry } of w.h.state.range('', '')) {
    keys += 1;
    const texts = [key, Buffer.from(entry.value).toString('utf8')];
    for await (const h of w.h.state.history(key)) {
      versions += 1;
      if (h.value) texts.push(Buffer.from(h.value).toString('utf8'));
    }
    for (const text of texts) for (const id of plaintexts) expect(text).not.toContain(id);
  }
  expect(keys).toBeGreaterThan(minKeys);
  expect(versions).toBeGreaterThan(keys);
}
