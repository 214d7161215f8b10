/**
 * SHA-256 (FIPS 180-4) of short messages in JavaScript.
 *
 * Record anchoring hashes a commitment per field, most of them under 120 bytes. Through
 * node:crypto each costs one call of about a microsecond, nearly all of it the call: OpenSSL's
 * compression takes tens of nanoseconds. A compression here costs about 0.4 µs, so a message of
 * one or two blocks is cheaper here. Longer messages go to the native hash; the tests hold both
 * to node:crypto.
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const BLOCK = 64;
/** The longest message hashed here: two blocks with room for the padding's 0x80 and length. */
export const SHORT_MESSAGE_BYTES = 2 * BLOCK - 9;

const W = new Int32Array(64);

/** Folds the 64-byte block of `bytes` at `at` into `state`. */
function compress(state: Int32Array, bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4)
    W[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  for (let i = 16; i < 64; i++) {
    const a = W[i - 2]!;
    const b = W[i - 15]!;
    const s1 = ((a >>> 17) | (a << 15)) ^ ((a >>> 19) | (a << 13)) ^ (a >>> 10);
    const s0 = ((b >>> 7) | (b << 25)) ^ ((b >>> 18) | (b << 14)) ^ (b >>> 3);
    W[i] = (((s1 + W[i - 7]!) | 0) + ((s0 + W[i - 16]!) | 0)) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (((s1 + ((e & f) ^ (~e & g))) | 0) + ((h + ((K[i]! + W[i]!) | 0)) | 0)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

const state = new Int32Array(8);
const tail = new Uint8Array(2 * BLOCK);

/**
 * SHA-256 of the first `length` bytes of `scratch` (at most SHORT_MESSAGE_BYTES) into `out` at
 * `at`. The padding is written into `scratch` after the message, so it must hold two blocks; the
 * caller's buffer is hashed where it is, not copied.
 * @throws RangeError for a longer message or a shorter scratch buffer
 */
export function sha256ShortInto(
  scratch: Uint8Array,
  length: number,
  out: Uint8Array,
  at: number,
): void {
  if (length > SHORT_MESSAGE_BYTES) throw new RangeError(`${length} bytes is not a short message`);
  if (scratch.length < 2 * BLOCK)
    throw new RangeError('the scratch buffer holds less than two blocks');
  state.set(IV);
  const blocks = length + 9 > BLOCK ? 2 : 1;
  const end = blocks * BLOCK;
  scratch.fill(0, length, end);
  scratch[length] = 0x80;
  const bits = length * 8;
  scratch[end - 4] = bits >>> 24;
  scratch[end - 3] = bits >>> 16;
  scratch[end - 2] = bits >>> 8;
  scratch[end - 1] = bits;
  compress(state, scratch, 0);
  if (blocks === 2) compress(state, scratch, BLOCK);
  for (let i = 0; i < 8; i++) {
    const word = state[i]!;
    out[at + 4 * i] = word >>> 24;
    out[at + 4 * i + 1] = word >>> 16;
    out[at + 4 * i + 2] = word >>> 8;
    out[at + 4 * i + 3] = word;
  }
}

/** SHA-256 of a message of at most SHORT_MESSAGE_BYTES. @throws RangeError for a longer one. */
export function sha256Short(message: Uint8Array): Uint8Array {
  if (message.length > SHORT_MESSAGE_BYTES)
    throw new RangeError(`${message.length} bytes is not a short message`);
  tail.set(message);
  const out = new Uint8Array(32);
  sha256ShortInto(tail, message.length, out, 0);
  return out;
}
