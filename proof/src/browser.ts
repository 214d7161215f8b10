/**
 * Browser implementations of the proof primitives: @noble/hashes SHA-256, the pure SM3, and
 * WebCrypto for ECDSA P-256. WebCrypto cannot read certificates, so the few DER structures a
 * verifier needs (the signed part of a certificate, its names, its public key, its signature) are
 * located here with a minimal DER reader; everything cryptographic stays in WebCrypto.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2';
import type { ProofCrypto } from './crypto.js';
import { bytesEqual, fromBase64, type HashFunction, type IncrementalHash } from './hash.js';
import { sm3 } from './sm3.js';

type NobleHash = ReturnType<typeof nobleSha256.create>;

function wrap(state: NobleHash): IncrementalHash {
  const hash: IncrementalHash = {
    update(data) {
      state.update(data);
      return hash;
    },
    digest: () => state.digest(),
    // noble types clone() loosely; it returns the same kind of hash.
    copy: () => wrap(state.clone() as NobleHash),
  };
  return hash;
}

export const browserSha256: HashFunction = {
  algorithm: 'sha256',
  create: () => wrap(nobleSha256.create()),
};

interface Tlv {
  tag: number;
  /** The whole element, header included. */
  start: number;
  /** First content byte. */
  content: number;
  end: number;
}

/** One DER element at `offset`; definite lengths only, as DER requires. */
function readTlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new TypeError('truncated DER');
  let content = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new TypeError('unsupported DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (der[content + i] ?? NaN);
    content += octets;
  }
  const end = content + length;
  if (!Number.isSafeInteger(end) || end > der.length) throw new TypeError('truncated DER');
  return { tag, start: offset, content, end };
}

/** The elements directly inside a constructed element. */
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.content; offset < parent.end;) {
    const child = readTlv(der, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;
const INTEGER = 0x02;
// ecdsa-with-SHA256, 1.2.840.10045.4.3.2, as its DER OID content bytes.
const ECDSA_SHA256 = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02);

interface ParsedCertificate {
  tbs: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  /** DER ECDSA signature */
  signature: Uint8Array;
  signedWithEcdsaSha256: boolean;
}

function pemBody(pem: string, label: string): Uint8Array {
  const match = new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`).exec(pem);
  if (!match) throw new TypeError(`not a PEM ${label.toLowerCase()}`);
  return fromBase64(match[1]!.replace(/\s+/g, ''));
}

function parseCertificate(pem: string): ParsedCertificate {
  const der = pemBody(pem, 'CERTIFICATE');
  const certificate = readTlv(der, 0);
  const [tbs, algorithm, signature] = children(der, certificate);
  if (certificate.tag !== SEQUENCE || !tbs || !algorithm || signature?.tag !== BIT_STRING) {
    throw new TypeError('not an X.509 certificate');
  }
  // A BIT STRING's first content byte counts unused bits: a signature has none.
  if (der[signature.content] !== 0) throw new TypeError('malformed certificate signature');
  const fields = children(der, tbs);
  // The version is an explicit [0] tag, present in v3 certificates; skip it when present.
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [issuer, subject, spki] = [fields[at + 2], fields[at + 4], fields[at + 5]];
  if (!issuer || !subject || !spki) throw new TypeError('truncated certificate');
  const oid = children(der, algorithm)[0];
  const slice = (t: Tlv): Uint8Array => der.subarray(t.start, t.end);
  return {
    tbs: slice(tbs),
    issuer: slice(issuer),
    subject: slice(subject),
    spki: slice(spki),
    signature: der.subarray(signature.content + 1, signature.end),
    signedWithEcdsaSha256: !!oid && bytesEqual(der.subarray(oid.content, oid.end), ECDSA_SHA256),
  };
}

/** DER SEQUENCE { r INTEGER, s INTEGER } to WebCrypto's fixed-width r || s. */
function derToP1363(signature: Uint8Array): Uint8Array {
  const sequence = readTlv(signature, 0);
  const parts = children(signature, sequence);
  if (sequence.tag !== SEQUENCE || sequence.end !== signature.length || parts.length !== 2) {
    throw new TypeError('not a DER ECDSA signature');
  }
  const out = new Uint8Array(64);
  parts.forEach((part, i) => {
    if (part.tag !== INTEGER) throw new TypeError('not a DER ECDSA signature');
    let value = signature.subarray(part.content, part.end);
    while (value.length > 32 && value[0] === 0) value = value.subarray(1);
    if (value.length > 32) throw new TypeError('ECDSA integer longer than P-256 allows');
    out.set(value, i * 32 + 32 - value.length);
  });
  return out;
}

/**
 * The part of WebCrypto's SubtleCrypto used here, typed structurally so this module compiles
 * without the DOM library and accepts node's webcrypto in tests.
 */
export interface EcdsaSubtle {
  importKey(
    format: 'spki',
    keyData: Uint8Array,
    algorithm: { name: 'ECDSA'; namedCurve: 'P-256' },
    extractable: false,
    usages: ['verify'],
  ): Promise<unknown>;
  verify(
    algorithm: { name: 'ECDSA'; hash: 'SHA-256' },
    key: unknown,
    signature: Uint8Array,
    data: Uint8Array,
  ): Promise<boolean>;
}

/**
 * The page's WebCrypto. Through `unknown` because the DOM typings' BufferSource excludes views of
 * a SharedArrayBuffer (which this module never makes), so DOM's SubtleCrypto does not match
 * EcdsaSubtle structurally even though it is exactly what EcdsaSubtle describes.
 */
function pageSubtle(): EcdsaSubtle {
  const subtle: unknown = globalThis.crypto.subtle;
  return subtle as EcdsaSubtle;
}

/** Caches parsed certificates and imported keys for its lifetime: one per verifying page. */
export function browserProofCrypto(subtle: EcdsaSubtle = pageSubtle()): ProofCrypto {
  const certificates = new Map<string, ParsedCertificate>();
  const keys = new Map<string, Promise<unknown>>();

  const certificate = (pem: string): ParsedCertificate => {
    let parsed = certificates.get(pem);
    if (!parsed) {
      parsed = parseCertificate(pem);
      certificates.set(pem, parsed);
    }
    return parsed;
  };

  const importKey = (pem: string): Promise<unknown> => {
    let key = keys.get(pem);
    if (key === undefined) {
      const spki = pem.includes('BEGIN CERTIFICATE')
        ? certificate(pem).spki
        : pemBody(pem, 'PUBLIC KEY');
      key = subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
        'verify',
      ]);
      keys.set(pem, key);
      key.catch(() => keys.delete(pem));
    }
    return key;
  };

  const verifyEcdsaP256 = async (
    publicKeyOrCertificate: string,
    data: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean> =>
    subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      await importKey(publicKeyOrCertificate),
      derToP1363(signature),
      data,
    );

  return {
    sha256: browserSha256,
    sm3,
    verifyEcdsaP256,
    async verifyCertIssuedBy(cert, caCertificate) {
      const subject = certificate(cert);
      const issuer = certificate(caCertificate);
      return (
        subject.signedWithEcdsaSha256 &&
        bytesEqual(subject.issuer, issuer.subject) &&
        (await verifyEcdsaP256(caCertificate, subject.tbs, subject.signature))
      );
    },
  };
}
