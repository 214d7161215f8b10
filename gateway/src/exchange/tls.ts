/**
 * A department's gateway's TLS certificate for the exchange: issued once by the department's own
 * TLS CA (`<fabric dir>/departments/<id>/ca/tlsca.json`, which `fabric:up` made and only that
 * department holds) for 127.0.0.1 and localhost and the host names in SHULIAN_EXCHANGE_HOSTS, kept
 * in `<gateway dir>/exchange-tls.json` (0600). The department's admin publishes the TLS CA's
 * certificate (`departments/<id>/channel/orgs/<id>/tlsca.pem`) with the gateway's URL in the
 * directory, so a renewed gateway certificate needs no new publication.
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TlsAuthority } from '../../../network/fabric/material.js';
import type { TlsPair } from './listener.js';

/** Where a department's TLS CA certificate is, the one its admin publishes. */
export const tlsCaCertificateFile = (fabricDir: string, department: string): string =>
  join(fabricDir, 'departments', department, 'channel', 'orgs', department, 'tlsca.pem');

export async function exchangeTlsPair(options: {
  fabricDir: string;
  department: string;
  gatewayDir: string;
  hosts: readonly string[];
}): Promise<TlsPair> {
  const file = join(options.gatewayDir, 'exchange-tls.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as TlsPair;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const caFile = join(options.fabricDir, 'departments', options.department, 'ca', 'tlsca.json');
  // Never made here: a gateway without its department's TLS CA has no certificate to present.
  await access(caFile);
  const ca = await TlsAuthority.loadOrCreate(caFile, options.department);
  const pair = await ca.issue(`gateway.${options.department}`, [
    '127.0.0.1',
    'localhost',
    ...options.hosts,
  ]);
  await writeFile(file, JSON.stringify(pair), { mode: 0o600, flag: 'wx' });
  return pair;
}
