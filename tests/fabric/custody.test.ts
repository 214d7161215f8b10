/**
 * Key custody after `fabric:up`: each department's folder holds only its own organisation's
 * private keys (its users, its peer, its own CAs), as separate machines would; the ordering
 * organisation's folder likewise.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { custodyViolations } from './custody.js';
import { fabricNetwork } from './harness.js';

describe('key custody on Fabric', () => {
  it('no department folder contains another organisation’s private key', async () => {
    const net = await fabricNetwork();
    const { keys, violations } = await custodyViolations(net.layout.root, net.state.ordererOrg);
    expect(violations).toEqual([]);
    // Per department: CA, TLS CA, peer signing and TLS keys, three users' signing and TLS keys
    // (their wallet copies included); plus the orderer organisation's.
    expect(keys).toBeGreaterThanOrEqual(net.config.departments.length * 4 + 5);
  });

  it('the check names a department folder that holds another department’s key', async () => {
    const net = await fabricNetwork();
    const copy = await mkdtemp(path.join(tmpdir(), 'shulian-custody-'));
    try {
      await cp(net.layout.departmentDir('amr'), path.join(copy, 'departments', 'amr'), {
        recursive: true,
      });
      const psbKey = await readFile(
        path.join(
          net.layout.userDir('psb', net.state.ordererOrg, 'clerk'),
          'msp',
          'keystore',
          'priv_sk',
        ),
        'utf8',
      );
      await writeFile(path.join(copy, 'departments', 'amr', 'stray.pem'), psbKey);
      const { violations } = await custodyViolations(copy, net.state.ordererOrg, [net.layout.root]);
      expect(violations).toEqual([
        {
          file: path.join('departments', 'amr', 'stray.pem'),
          folderOrg: 'amr',
          keyOwners: ['psb'],
        },
      ]);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('every department has a connection profile naming only its own users’ key files', async () => {
    const net = await fabricNetwork();
    for (const d of net.config.departments) {
      const profile = JSON.parse(await readFile(net.layout.connectionProfile(d.id), 'utf8')) as {
        mspId: string;
        peer: { endpoint: string };
        users: Record<string, { privateKey: string }>;
      };
      expect(profile.mspId).toBe(d.id);
      expect(profile.peer.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(Object.keys(profile.users).sort()).toEqual(['admin', 'auditor', 'clerk']);
      for (const u of Object.values(profile.users))
        expect(u.privateKey.startsWith(net.layout.departmentDir(d.id) + path.sep)).toBe(true);
    }
  });
});
