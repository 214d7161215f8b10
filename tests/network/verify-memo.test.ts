/**
 * The verified-signature memo nodes in one process share (network/embedded/crypto.ts): it answers
 * only for the same signature text, the same key and a byte-identical message, and it can be
 * turned off so that every check is executed, as bench:ledger reports with BENCH_VERIFY_MEMO=0.
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  setVerifyMemo,
  sign,
  verify,
  verifyCounts,
  verifyMemoEnabled,
} from '../../network/embedded/crypto.js';
import { CertificateAuthority, type SigningIdentity } from '../../network/embedded/identity.js';

const crypto = fileURLToPath(new URL('../../network/embedded/crypto.ts', import.meta.url));

describe('the verified-signature memo', () => {
  let alice: SigningIdentity;
  let bob: SigningIdentity;
  const publicKey = (id: SigningIdentity) => createPublicKey(id.certificate);

  beforeAll(async () => {
    const ca = await CertificateAuthority.create('psb');
    [alice, bob] = await Promise.all([ca.issue('alice', 'client'), ca.issue('bob', 'client')]);
  });
  afterEach(() => setVerifyMemo(true));

  it('answers a triple checked before without executing it again', () => {
    setVerifyMemo(true);
    const message = Buffer.from('a signed proposal');
    const signature = sign(alice.privateKey, message);
    verifyCounts(true);
    expect(verify(publicKey(alice), message, signature)).toBe(true);
    expect(verify(publicKey(alice), Buffer.from(message), signature)).toBe(true);
    expect(verifyCounts()).toEqual({ calls: 2, executed: 1 });
  });

  it('never answers for another message, another key or a changed copy of the message', () => {
    setVerifyMemo(true);
    const message = Buffer.from('a signed endorsement');
    const signature = sign(alice.privateKey, message);
    expect(verify(publicKey(alice), message, signature)).toBe(true);
    verifyCounts(true);
    expect(verify(publicKey(alice), Buffer.from('a signed endorsemenT'), signature)).toBe(false);
    expect(verify(publicKey(alice), message.subarray(1), signature)).toBe(false);
    expect(verify(publicKey(bob), message, signature)).toBe(false);
    // The memo keeps its own copy: changing the caller's bytes afterwards changes nothing.
    message[0] = 0x41;
    expect(verify(publicKey(alice), message, signature)).toBe(false);
    expect(verifyCounts()).toEqual({ calls: 4, executed: 4 });
  });

  it('executes every check when turned off', () => {
    setVerifyMemo(false);
    expect(verifyMemoEnabled()).toBe(false);
    const message = Buffer.from('a block header');
    const signature = sign(bob.privateKey, message);
    verifyCounts(true);
    for (let i = 0; i < 3; i++) expect(verify(publicKey(bob), message, signature)).toBe(true);
    expect(verify(publicKey(bob), Buffer.from('another header'), signature)).toBe(false);
    expect(verifyCounts()).toEqual({ calls: 4, executed: 4 });
  });

  it('is off in a process started with SHULIAN_VERIFY_MEMO=0', () => {
    const script = `
      const { verifyMemoEnabled } = await import(${JSON.stringify(crypto)});
      console.log(JSON.stringify(verifyMemoEnabled()));`;
    const run = (value: string | undefined): string => {
      const env = { ...process.env };
      delete env.SHULIAN_VERIFY_MEMO;
      if (value !== undefined) env.SHULIAN_VERIFY_MEMO = value;
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { encoding: 'utf8', env },
      );
      expect(child.status, child.stderr).toBe(0);
      return child.stdout.trim();
    };
    expect(run('0')).toBe('false');
    expect(run(undefined)).toBe('true');
  });
});
