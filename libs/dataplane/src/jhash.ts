import * as ipaddr from 'ipaddr.js';

/**
 * nft's jhash in TypeScript, for tests and tools: the bucket `jhash <tuple> mod M seed S` picks on
 * the nft path (and the XDP program, which hashes alike). Lab tests choose flows by bucket with it.
 */
const rol = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** The kernel's jhash() over whole 32-bit words read little-endian (what nft_jhash sees on x86-64). */
export function jhashWords(words: readonly number[], seed: number): number {
  let a = (0xdeadbeef + words.length * 4 + seed) >>> 0;
  let b = a;
  let c = a;
  let i = 0;
  const mix = () => {
    a = (a - c) >>> 0; a = (a ^ rol(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rol(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rol(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rol(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rol(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rol(b, 4)) >>> 0; b = (b + a) >>> 0;
  };
  while (words.length - i > 3) {
    a = (a + (words[i] ?? 0)) >>> 0; b = (b + (words[i + 1] ?? 0)) >>> 0; c = (c + (words[i + 2] ?? 0)) >>> 0;
    mix();
    i += 3;
  }
  const left = words.length - i;
  if (left === 0) return c;
  if (left >= 3) c = (c + (words[i + 2] ?? 0)) >>> 0;
  if (left >= 2) b = (b + (words[i + 1] ?? 0)) >>> 0;
  a = (a + (words[i] ?? 0)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol(b, 24)) >>> 0;
  return c;
}

/** `jhash <tuple> mod m seed <seed>` as nft evaluates it (fields padded to 32-bit registers). */
export function nftBucket(t: { src: string; sport: number; dst: string; dport: number }, seed: number, m: number, clientIpOnly = false): number {
  const word = (buf: Buffer, off: number) => buf.readUInt32LE(off);
  const addr = (a: string) => {
    const bytes = Buffer.from(ipaddr.parse(a).toByteArray());
    return Array.from({ length: bytes.length / 4 }, (_, i) => word(bytes, i * 4));
  };
  const port = (p: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(p, 0);
    return word(b, 0);
  };
  const words = clientIpOnly ? addr(t.src) : [...addr(t.src), port(t.sport), ...addr(t.dst), port(t.dport)];
  const h = jhashWords(words, seed >>> 0);
  return Number((BigInt(h) * BigInt(m)) >> 32n);
}
