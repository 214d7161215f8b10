/**
 * SM3 (GB/T 32905-2016) in pure TypeScript, for browsers: WebCrypto and @noble/hashes have no
 * SM3. Node code should prefer OpenSSL's `createHash('sm3')`, which this matches byte for byte.
 */
import type { HashFunction, IncrementalHash } from './hash.js';

const IV = [
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
];

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));
const p0 = (x: number): number => x ^ rotl(x, 9) ^ rotl(x, 17);
const p1 = (x: number): number => x ^ rotl(x, 15) ^ rotl(x, 23);

// T_j <<< (j mod 32), precomputed once.
const T_ROTATED = Array.from({ length: 64 }, (_, j) =>
  rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j % 32),
);

const BLOCK = 64;

class Sm3 implements IncrementalHash {
  private readonly state = Int32Array.from(IV);
  private readonly w = new Int32Array(68);
  private readonly buffer = new Uint8Array(BLOCK);
  private buffered = 0;
  private length = 0;
  private finished = false;

  copy(): Sm3 {
    const twin = new Sm3();
    twin.state.set(this.state);
    twin.buffer.set(this.buffer);
    twin.buffered = this.buffered;
    twin.length = this.length;
    twin.finished = this.finished;
    return twin;
  }

  update(data: Uint8Array): this {
    if (this.finished) throw new Error('sm3: update after digest');
    this.length += data.length;
    let offset = 0;
    if (this.buffered > 0) {
      const take = Math.min(BLOCK - this.buffered, data.length);
      this.buffer.set(data.subarray(0, take), this.buffered);
      this.buffered += take;
      offset = take;
      if (this.buffered < BLOCK) return this;
      this.compress(this.buffer, 0);
      this.buffered = 0;
    }
    for (; offset + BLOCK <= data.length; offset += BLOCK) this.compress(data, offset);
    this.buffer.set(data.subarray(offset));
    this.buffered = data.length - offset;
    return this;
  }

  digest(): Uint8Array {
    if (this.finished) throw new Error('sm3: digest called twice');
    this.finished = true;
    const bitLength = this.length * 8;
    const buf = this.buffer;
    buf[this.buffered++] = 0x80;
    if (this.buffered > BLOCK - 8) {
      buf.fill(0, this.buffered);
      this.compress(buf, 0);
      this.buffered = 0;
    }
    buf.fill(0, this.buffered);
    // Lengths fit in 53 bits; split so the high word survives 32-bit bitwise operations.
    const view = new DataView(buf.buffer, buf.byteOffset, BLOCK);
    view.setUint32(BLOCK - 8, Math.floor(bitLength / 2 ** 32));
    view.setUint32(BLOCK - 4, bitLength >>> 0);
    this.compress(buf, 0);
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setInt32(i * 4, this.state[i]!);
    return out;
  }

  private compress(data: Uint8Array, offset: number): void {
    const w = this.w;
    for (let j = 0; j < 16; j++) {
      const o = offset + j * 4;
      w[j] = (data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!;
    }
    for (let j = 16; j < 68; j++) {
      w[j] = p1(w[j - 16]! ^ w[j - 9]! ^ rotl(w[j - 3]!, 15)) ^ rotl(w[j - 13]!, 7) ^ w[j - 6]!;
    }
    const s = this.state;
    let a = s[0]!,
      b = s[1]!,
      c = s[2]!,
      d = s[3]!,
      e = s[4]!,
      f = s[5]!,
      g = s[6]!,
      h = s[7]!;
    for (let j = 0; j < 64; j++) {
      const a12 = rotl(a, 12);
      const ss1 = rotl((a12 + e + T_ROTATED[j]!) | 0, 7);
      const ss2 = ss1 ^ a12;
      const wj = w[j]!;
      const wPrime = wj ^ w[j + 4]!;
      const ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
      const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
      const tt1 = (ff + d + ss2 + wPrime) | 0;
      const tt2 = (gg + h + ss1 + wj) | 0;
      d = c;
      c = rotl(b, 9);
      b = a;
      a = tt1;
      h = g;
      g = rotl(f, 19);
      f = e;
      e = p0(tt2);
    }
    s[0]! ^= a;
    s[1]! ^= b;
    s[2]! ^= c;
    s[3]! ^= d;
    s[4]! ^= e;
    s[5]! ^= f;
    s[6]! ^= g;
    s[7]! ^= h;
  }
}

export const sm3: HashFunction = { algorithm: 'sm3', create: () => new Sm3() };
