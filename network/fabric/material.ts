/**
 * Fabric MSP and TLS material issued from each organisation's own certificate authorities, the
 * way the embedded network issues its identities (network/embedded/identity.ts), so the same
 * users (admin, clerk, auditor, ...) exist on both engines with the same subjects and Fabric CA
 * attributes. Each organisation has a signing CA (its MSP root, NodeOUs on) and a TLS CA; the
 * files are written as Fabric's MSP loader and cryptogen lay them out (cacerts/, tlscacerts/,
 * signcerts/, keystore/, config.yaml). Everything is created once and reused on later runs.
 */
import 'reflect-metadata';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import {
  CertificateAuthority,
  createRoot,
  issueLeaf,
  toCryptoKey,
  toKeyObject,
  type Issuer,
  type NodeOU,
  type SigningIdentity,
  type StoredIdentity,
} from '../embedded/identity.js';
import { writeFileDurably } from '../embedded/durable-file.js';
import { Wallet } from '../embedded/material.js';

const pem = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }).toString();

/** Write-then-rename with fsync of the file and its folder; private keys are readable by their owner only. */
export const writeAtomic = (file: string, data: string | Uint8Array, mode = 0o644) =>
  writeFileDurably(file, data, mode);

async function readJson<T>(file: string): Promise<T | undefined> {
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** A TLS certificate and its key, PEM. */
export interface TlsPair {
  certificate: string;
  privateKey: string;
}

/**
 * An organisation's TLS CA: issues server/client certificates whose subject alternative names
 * cover 127.0.0.1 and the node's host name, usable both ways (Raft cluster links, osnadmin's
 * mutual TLS).
 */
export class TlsAuthority {
  private constructor(
    readonly org: string,
    private readonly issuer: Issuer,
  ) {}

  get certificate(): string {
    return this.issuer.certificate;
  }

  static async loadOrCreate(file: string, org: string): Promise<TlsAuthority> {
    const stored = await readJson<StoredIdentity>(file);
    if (stored)
      return new TlsAuthority(org, {
        certificate: stored.certificate,
        key: await toCryptoKey(createPrivateKey(stored.privateKey)),
      });
    const ca = new TlsAuthority(org, await createRoot(org, `tlsca.${org}`));
    const record: StoredIdentity = {
      mspId: org,
      name: `tlsca.${org}`,
      ou: 'admin',
      certificate: ca.certificate,
      privateKey: pem(await toKeyObject(ca.issuer.key)),
    };
    await writeAtomic(file, JSON.stringify(record, null, 2), 0o600);
    return ca;
  }

  async issue(commonName: string, hosts: string[]): Promise<TlsPair> {
    const leaf = await issueLeaf(
      this.issuer,
      `C=CN, O=${this.org}, CN=${commonName}`,
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      [
        new x509.ExtendedKeyUsageExtension(
          [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        new x509.SubjectAlternativeNameExtension(
          hosts.map((h) =>
            /^\d+\.\d+\.\d+\.\d+$/.test(h)
              ? { type: 'ip' as const, value: h }
              : { type: 'dns' as const, value: h },
          ),
        ),
      ],
    );
    return { certificate: leaf.certificate, privateKey: pem(leaf.privateKey) };
  }
}

/** An organisation's two authorities, kept in `<orgDir>/ca/` (the only CA keys on disk). */
export interface OrgAuthorities {
  org: string;
  ca: CertificateAuthority;
  tlsca: TlsAuthority;
}

export async function orgAuthorities(orgDir: string, org: string): Promise<OrgAuthorities> {
  const caFile = path.join(orgDir, 'ca', 'ca.json');
  const stored = await readJson<StoredIdentity>(caFile);
  const ca = stored
    ? await CertificateAuthority.fromStored(stored)
    : await CertificateAuthority.create(org);
  if (!stored) await writeAtomic(caFile, JSON.stringify(await ca.toStored(), null, 2), 0o600);
  const tlsca = await TlsAuthority.loadOrCreate(path.join(orgDir, 'ca', 'tlsca.json'), org);
  return { org, ca, tlsca };
}

/** The NodeOU configuration Fabric reads from an MSP's config.yaml. */
const NODE_OU_CONFIG = ['client', 'peer', 'admin', 'orderer']
  .map(
    (ou) =>
      `  ${ou[0]?.toUpperCase()}${ou.slice(1)}OUIdentifier:\n` +
      `    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: ${ou}\n`,
  )
  .join('');
export const MSP_CONFIG_YAML = `NodeOUs:\n  Enable: true\n${NODE_OU_CONFIG}`;

/** An organisation's public MSP (what the channel configuration carries). */
export async function writeOrgMsp(dir: string, auth: { ca: string; tlsca: string }): Promise<void> {
  await writeAtomic(path.join(dir, 'cacerts', 'ca.pem'), auth.ca);
  await writeAtomic(path.join(dir, 'tlscacerts', 'tlsca.pem'), auth.tlsca);
  await writeAtomic(path.join(dir, 'config.yaml'), MSP_CONFIG_YAML);
}

/** A node's or user's local MSP: the organisation's MSP plus its own certificate and key. */
async function writeLocalMsp(dir: string, auth: OrgAuthorities, id: SigningIdentity) {
  await writeOrgMsp(dir, { ca: auth.ca.certificate, tlsca: auth.tlsca.certificate });
  await writeAtomic(path.join(dir, 'signcerts', 'cert.pem'), id.certificate);
  await writeAtomic(path.join(dir, 'keystore', 'priv_sk'), pem(id.privateKey), 0o600);
}

/**
 * A peer's or orderer's identity: `<dir>/msp` (signing, NodeOU peer/orderer) and `<dir>/tls`
 * (ca.crt, server.crt, server.key). Issued once.
 */
export async function ensureNodeMaterial(
  dir: string,
  auth: OrgAuthorities,
  name: string,
  ou: Extract<NodeOU, 'peer' | 'orderer'>,
  hosts: string[],
): Promise<void> {
  if (!existsSync(path.join(dir, 'msp', 'signcerts', 'cert.pem')))
    await writeLocalMsp(path.join(dir, 'msp'), auth, await auth.ca.issue(name, ou));
  if (!existsSync(path.join(dir, 'tls', 'server.crt'))) {
    const tls = await auth.tlsca.issue(name, hosts);
    await writeAtomic(path.join(dir, 'tls', 'ca.crt'), auth.tlsca.certificate);
    await writeAtomic(path.join(dir, 'tls', 'server.key'), tls.privateKey, 0o600);
    await writeAtomic(path.join(dir, 'tls', 'server.crt'), tls.certificate);
  }
}

/**
 * A user of an organisation: issued through the department's wallet (the embedded engine's
 * format, so a gateway issues further users the same way), then written as a Fabric MSP
 * (`msp/`) for the peer CLI and with a TLS client certificate (`tls/`).
 */
export async function ensureUser(
  userDir: string,
  orgDir: string,
  auth: OrgAuthorities,
  user: string,
  ou: Extract<NodeOU, 'admin' | 'client'>,
): Promise<void> {
  if (existsSync(path.join(userDir, 'msp', 'signcerts', 'cert.pem'))) return;
  const id = await new Wallet(orgDir, auth.ca).identity(user, ou);
  const tls = await auth.tlsca.issue(user, ['localhost', '127.0.0.1']);
  await writeAtomic(path.join(userDir, 'tls', 'ca.crt'), auth.tlsca.certificate);
  await writeAtomic(path.join(userDir, 'tls', 'client.key'), tls.privateKey, 0o600);
  await writeAtomic(path.join(userDir, 'tls', 'client.crt'), tls.certificate);
  await writeLocalMsp(path.join(userDir, 'msp'), auth, id);
}
