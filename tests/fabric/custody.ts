/**
 * Key custody check (issue 15): every private key in an organisation's folder must belong to
 * that organisation, i.e. its public key is in a certificate whose subject names that
 * organisation (O=<msp id>). Keys are found in PEM files and in JSON files (wallets, CA
 * records); a key with no certificate anywhere is reported too.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const PEM = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    // Ledger databases and logs are large and hold no keys.
    if (entry.isDirectory()) {
      if (entry.name !== 'data') yield* files(full);
    } else if (entry.isFile() && !entry.name.endsWith('.log')) yield full;
  }
}

/** PEM blocks in a file, JSON string values included. */
async function pemBlocks(file: string): Promise<string[]> {
  let text = await readFile(file, 'utf8').catch(() => '');
  if (!text.includes('-----BEGIN')) return [];
  if (file.endsWith('.json'))
    text = JSON.stringify(JSON.parse(text), null, 0).replaceAll('\\n', '\n');
  return [...text.matchAll(PEM)].map((m) => m[0]);
}

const spki = (key: Parameters<typeof createPublicKey>[0]) =>
  createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('hex');

export interface CustodyViolation {
  file: string;
  folderOrg: string;
  keyOwners: string[];
}

/**
 * Scans `<root>/departments/<id>/` and `<root>/orderer/` (the ordering organisation `ordererOrg`).
 * Certificates are collected from `root` and `certRoots`.
 */
export async function custodyViolations(
  root: string,
  ordererOrg: string,
  certRoots: string[] = [],
): Promise<{ keys: number; violations: CustodyViolation[] }> {
  const owners = new Map<string, Set<string>>();
  for (const r of [root, ...certRoots])
    for await (const file of files(r))
      for (const block of await pemBlocks(file)) {
        if (!block.startsWith('-----BEGIN CERTIFICATE')) continue;
        const cert = new X509Certificate(block);
        const org = /^O=(.+)$/m.exec(cert.subject)?.[1] ?? '?';
        const key = cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
        owners.set(key, (owners.get(key) ?? new Set()).add(org));
      }
  const folders: [string, string][] = [[path.join(root, 'orderer'), ordererOrg]];
  const departments = path.join(root, 'departments');
  for (const d of existsSync(departments) ? await readdir(departments) : [])
    folders.push([path.join(root, 'departments', d), d]);
  let keys = 0;
  const violations: CustodyViolation[] = [];
  for (const [folder, org] of folders.filter(([f]) => existsSync(f))) {
    for await (const file of files(folder))
      for (const block of await pemBlocks(file)) {
        if (!/^-----BEGIN (EC |ENCRYPTED )?PRIVATE KEY/.test(block)) continue;
        keys++;
        const keyOwners = [...(owners.get(spki(createPrivateKey(block))) ?? [])];
        if (keyOwners.length !== 1 || keyOwners[0] !== org)
          violations.push({ file: path.relative(root, file), folderOrg: org, keyOwners });
      }
  }
  return { keys, violations };
}
