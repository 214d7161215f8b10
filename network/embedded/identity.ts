/**
 * Department identities as Fabric MSPs issue them: each department (MSP) has a certificate
 * authority, and every user, peer and orderer holds an X.509 certificate from it whose subject
 * carries a Fabric NodeOU (admin, client, peer, orderer). Certificates are generated with
 * @peculiar/x509 over WebCrypto P-256 keys; signing and verification use node:crypto.
 */
// @peculiar/x509 resolves its providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import {
  createPrivateKey,
  randomBytes,
  webcrypto,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { SignerRef } from '@shulian/proof/formats/embedded';
import { sign } from './crypto.js';

x509.cryptoProvider.set(webcrypto as Parameters<typeof x509.cryptoProvider.set>[1]);

type CryptoKey = webcrypto.CryptoKey;

export const NODE_OUS = ['admin', 'client', 'peer', 'orderer'] as const;
export type NodeOU = (typeof NODE_OUS)[number];

/** The OID under which Fabric CA stores attributes (JSON `{"attrs": {...}}`) in a certificate. */
export const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_MS = 10 * 365 * 86_400_000;

/** A certificate and its private key: what signs proposals, endorsements and blocks. */
export interface SigningIdentity {
  mspId: string;
  name: string;
  ou: NodeOU;
  /** PEM */
  certificate: string;
  privateKey: KeyObject;
}

/** Persistable form of an identity (PEM strings only). */
export interface StoredIdentity {
  mspId: string;
  name: string;
  ou: NodeOU;
  certificate: string;
  privateKey: string;
}

export const signerRef = (id: SigningIdentity): SignerRef => ({
  mspId: id.mspId,
  certificate: id.certificate,
});

export const signWith = (id: SigningIdentity, bytes: Uint8Array): string =>
  sign(id.privateKey, bytes);

export function toStored(id: SigningIdentity): StoredIdentity {
  return {
    mspId: id.mspId,
    name: id.name,
    ou: id.ou,
    certificate: id.certificate,
    privateKey: id.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export function fromStored(s: StoredIdentity): SigningIdentity {
  return { ...s, privateKey: createPrivateKey(s.privateKey) };
}

/** DN attribute values may not carry the separators of the string form. */
function dnValue(value: string): string {
  if (!value || /[,+=\\"<>#;\n]/.test(value)) {
    throw Object.assign(new Error(`invalid certificate name component: ${JSON.stringify(value)}`), {
      code: 'INVALID_IDENTITY_NAME',
    });
  }
  return value;
}

/** A private key as node:crypto signs with it. */
export async function toKeyObject(key: CryptoKey): Promise<KeyObject> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
}

/** A private key as @peculiar/x509 signs certificates with it. */
export async function toCryptoKey(key: KeyObject): Promise<CryptoKey> {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
}

/** A random positive 128-bit serial number (the top bit clear keeps the DER integer positive). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** A certificate authority's certificate (PEM) and signing key. */
export interface Issuer {
  certificate: string;
  key: CryptoKey;
}

/**
 * A self-signed root, `C=CN, O=<org>, CN=<commonName>`, for ten years: each organisation's MSP
 * root (here) and its TLS root (network/fabric/material.ts) are made the same way.
 */
export async function createRoot(org: string, commonName: string): Promise<Issuer> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `C=CN, O=${dnValue(org)}, CN=${dnValue(commonName)}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + VALIDITY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate: cert.toString('pem'), key: keys.privateKey };
}

/**
 * An end-entity certificate for a fresh key, signed by `issuer` for ten years: not a CA, naming
 * its issuer's key, with the given key usages and further extensions.
 */
export async function issueLeaf(
  issuer: Issuer,
  subject: string,
  usages: x509.KeyUsageFlags,
  extensions: x509.Extension[],
): Promise<{ certificate: string; privateKey: KeyObject }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const issuerCertificate = new x509.X509Certificate(issuer.certificate);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: issuerCertificate.subject,
    notBefore: now,
    notAfter: new Date(now.getTime() + VALIDITY_MS),
    publicKey: keys.publicKey,
    signingKey: issuer.key,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      await x509.AuthorityKeyIdentifierExtension.create(issuerCertificate, false),
      ...extensions,
    ],
  });
  return { certificate: cert.toString('pem'), privateKey: await toKeyObject(keys.privateKey) };
}

/** A department's certificate authority (the root of its MSP). */
export class CertificateAuthority {
  private constructor(
    readonly mspId: string,
    private readonly issuer: Issuer,
  ) {}

  get certificate(): string {
    return this.issuer.certificate;
  }

  static async create(mspId: string): Promise<CertificateAuthority> {
    return new CertificateAuthority(mspId, await createRoot(mspId, `ca.${mspId}`));
  }

  static async fromStored(s: StoredIdentity): Promise<CertificateAuthority> {
    return new CertificateAuthority(s.mspId, {
      certificate: s.certificate,
      key: await toCryptoKey(createPrivateKey(s.privateKey)),
    });
  }

  async toStored(): Promise<StoredIdentity> {
    return toStored({
      mspId: this.mspId,
      name: `ca.${this.mspId}`,
      ou: 'admin',
      certificate: this.certificate,
      privateKey: await toKeyObject(this.issuer.key),
    });
  }

  /**
   * Issues a certificate as Fabric CA enrolls an identity: subject `OU=<nodeOU>, CN=<name>`,
   * and Fabric CA's attribute extension with hf.EnrollmentID, hf.Type, hf.Affiliation plus
   * the given attributes, so ClientIdentity.getAttributeValue works the same on both engines.
   */
  async issue(
    name: string,
    ou: NodeOU,
    attrs: Record<string, string> = {},
  ): Promise<SigningIdentity> {
    if (!NODE_OUS.includes(ou)) {
      throw Object.assign(new Error(`unknown node OU ${String(ou)}`), {
        code: 'INVALID_IDENTITY_OU',
      });
    }
    const allAttrs = { 'hf.Affiliation': '', 'hf.EnrollmentID': name, 'hf.Type': ou, ...attrs };
    const leaf = await issueLeaf(
      this.issuer,
      `C=CN, O=${dnValue(this.mspId)}, OU=${dnValue(ou)}, CN=${dnValue(name)}`,
      x509.KeyUsageFlags.digitalSignature,
      [
        new x509.Extension(
          FABRIC_ATTRS_OID,
          false,
          new TextEncoder().encode(JSON.stringify({ attrs: allAttrs })),
        ),
      ],
    );
    return { mspId: this.mspId, name, ou, ...leaf };
  }
}

/** What a validated certificate tells a verifier. */
export interface VerifiedIdentity {
  /**
   * What makes two identities the same, as Fabric's identity identifier: the MSP id and the
   * SHA-256 of the certificate's DER, so one certificate in two PEM spellings is one identity.
   */
  id: string;
  mspId: string;
  ou: NodeOU;
  name: string;
  publicKey: KeyObject;
}

/**
 * An MSP verifier: the CA certificates of the channel's members. Deserialized identities are
 * cached by certificate text, as Fabric's MSP caches them, because every block re-presents the
 * same few certificates and checking the CA signature each time would dominate validation.
 */
export class MspVerifier {
  private readonly cas = new Map<string, X509Certificate>();
  /**
   * By MSP id, then certificate text. Two maps rather than one key `${mspId}\n${certificate}`:
   * that key was a new string of a certificate's length on every check, copied and hashed each
   * time, while a certificate string seen before carries its hash (#18).
   */
  private readonly cache = new Map<string, Map<string, VerifiedIdentity | null>>();

  constructor(caCertificates: Record<string, string>) {
    for (const [mspId, pem] of Object.entries(caCertificates))
      this.cas.set(mspId, new X509Certificate(pem));
  }

  /** The identity a certificate proves within an MSP, or null when the MSP did not issue it. */
  identify(ref: SignerRef): VerifiedIdentity | null {
    let byCertificate = this.cache.get(ref.mspId);
    if (!byCertificate) {
      byCertificate = new Map();
      this.cache.set(ref.mspId, byCertificate);
    }
    const cached = byCertificate.get(ref.certificate);
    if (cached !== undefined) return cached;
    const result = this.check(ref);
    byCertificate.set(ref.certificate, result);
    return result;
  }

  private check(ref: SignerRef): VerifiedIdentity | null {
    const ca = this.cas.get(ref.mspId);
    if (!ca) return null;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(ref.certificate);
    } catch {
      return null;
    }
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return null;
    const subject = parseDn(cert.subject);
    const ou = subject.get('OU');
    const name = subject.get('CN');
    if (
      subject.get('O') !== ref.mspId ||
      !name ||
      !ou ||
      !(NODE_OUS as readonly string[]).includes(ou)
    )
      return null;
    return {
      id: `${ref.mspId}/${cert.fingerprint256}`,
      mspId: ref.mspId,
      ou: ou as NodeOU,
      name,
      publicKey: cert.publicKey,
    };
  }
}

function parseDn(dn: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of dn.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}
