/**
 * Hash and byte helpers shared by every proof module.
 *
 * Proof code runs in node and in the browser, so hashes are injected rather than imported:
 * node wraps node:crypto (SHA instructions, OpenSSL's SM3), the browser uses @noble/hashes and
 * ./sm3.ts. Nothing here touches Buffer or node: modules.
 */

export type DigestAlgorithm = 'sha256' | 'sm3';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sm3'];

/** An in-progress hash; `digest` may be called once. */
export interface IncrementalHash {
  update(data: Uint8Array): IncrementalHash;
  digest(): Uint8Array;
  /** An independent hash with the same state so far; optional, for speed. */
  copy?(): IncrementalHash;
}

/** A 32-byte, 64-byte-block Merkle–Damgård hash (SHA-256 or SM3): HMAC relies on both sizes. */
export interface HashFunction {
  readonly algorithm: DigestAlgorithm;
  create(): IncrementalHash;
  /**
   * The hash of one whole message in one call; optional, for speed. Node's one-shot hash costs
   * half of create, update and digest: record anchoring hashes a few dozen short messages per
   * record, and the calls, not the bytes, were its cost.
   */
  digest?(data: Uint8Array): Uint8Array;
}

export const HASH_BYTES = 32;
const HASH_BLOCK_BYTES = 64;

/** Where hashParts joins short parts for a one-shot hash; grown on demand, never shrunk. */
let scratch = new Uint8Array(1024);

/**
 * H(parts[0] || parts[1] || ...): joined in a scratch buffer and hashed in one call when the hash
 * has a one-shot form and the parts are short, else fed part by part without concatenating.
 */
export function hashParts(hash: HashFunction, ...parts: Uint8Array[]): Uint8Array {
  if (hash.digest) {
    let length = 0;
    for (const part of parts) length += part.length;
    if (length <= ONE_SHOT_LIMIT) {
      if (length > scratch.length) scratch = new Uint8Array(Math.max(length, 2 * scratch.length));
      let at = 0;
      for (const part of parts) {
        scratch.set(part, at);
        at += part.length;
      }
      return hash.digest(scratch.subarray(0, length));
    }
  }
  const h = hash.create();
  for (const part of parts) h.update(part);
  return h.digest();
}

/** Longer messages are fed in parts: copying them would cost more than the calls saved. */
const ONE_SHOT_LIMIT = 64 * 1024;

/** RFC 2104's key blocks: the key (hashed first when longer than a block) XOR ipad and opad. */
function hmacPads(
  hash: HashFunction,
  key: Uint8Array,
): { innerPad: Uint8Array; outerPad: Uint8Array } {
  const block = new Uint8Array(HASH_BLOCK_BYTES);
  block.set(key.length > HASH_BLOCK_BYTES ? hashParts(hash, key) : key);
  return { innerPad: block.map((b) => b ^ 0x36), outerPad: block.map((b) => b ^ 0x5c) };
}

/**
 * RFC 2104 HMAC with a fixed key: the padded key blocks are hashed once, and each message costs
 * two short hashes when the hash can copy its state (record salts are one HMAC per record).
 */
export function hmacWithKey(
  hash: HashFunction,
  key: Uint8Array,
): (message: Uint8Array) => Uint8Array {
  const { innerPad, outerPad } = hmacPads(hash, key);
  if (hash.digest)
    return (message) => hashParts(hash, outerPad, hashParts(hash, innerPad, message));
  const inner = hash.create().update(innerPad);
  const outer = hash.create().update(outerPad);
  if (inner.copy && outer.copy) {
    const [i, o] = [inner, outer] as [Required<IncrementalHash>, Required<IncrementalHash>];
    return (message) => o.copy().update(i.copy().update(message).digest()).digest();
  }
  return (message) => hashParts(hash, outerPad, hashParts(hash, innerPad, message));
}

export const hmac = (hash: HashFunction, key: Uint8Array, message: Uint8Array): Uint8Array =>
  hmacWithKey(hash, key)(message);

const HEX = /^(?:[0-9a-f]{2})*$/;

export function isHex(text: string, bytes?: number): boolean {
  return HEX.test(text) && (bytes === undefined || text.length === bytes * 2);
}

// Table lookups: a verifier converts a few dozen hashes per bundle, and parseInt / padStart per
// byte showed in its profile.
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_HEX[b]!;
  return out;
}

const nibble = (text: string, i: number): number => {
  const code = text.charCodeAt(i);
  return code < 128 ? NIBBLE[code]! : -1;
};

/** Lower-case hex only: one spelling per value, so a bundle cannot be altered by re-casing. */
export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >> 1);
  let bad = text.length & 1;
  for (let i = 0; i < out.length; i++) {
    const high = nibble(text, 2 * i);
    const low = nibble(text, 2 * i + 1);
    bad |= (high | low) & 0x10; // -1 has every bit set
    out[i] = (high << 4) | low;
  }
  if (bad) throw new TypeError('not lower-case hex');
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict base64: rejects non-canonical spellings (stray characters, non-zero padding bits) so
 * that every changed character of a bundle changes the decoded bytes.
 */
export function fromBase64(text: string): Uint8Array {
  if (!BASE64.test(text)) throw new TypeError('not base64');
  // Past the pattern, the only other spelling of the same bytes sets the bits that padding
  // leaves unused in the last character: checked here instead of re-encoding the whole text.
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (padding > 0) {
    const last = BASE64_ALPHABET.indexOf(text[text.length - padding - 1]!);
    if (last & (padding === 2 ? 0x0f : 0x03)) throw new TypeError('non-canonical base64');
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const encoder = new TextEncoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);
