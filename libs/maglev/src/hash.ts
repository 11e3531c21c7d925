/**
 * Stable 64-bit hashing of backend ids. Every edge must derive the same Maglev permutation from the
 * same id, so this is plain FNV-1a 64 over the UTF-8 bytes followed by the SplitMix64 finalizer (FNV
 * alone mixes short, similar ids poorly). BigInt arithmetic is exact, so the result does not depend
 * on the machine or Node version.
 */
const MASK64 = (1n << 64n) - 1n;
const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const encoder = new TextEncoder();

export function fnv1a64(input: string): bigint {
  let h = FNV64_OFFSET;
  for (const byte of encoder.encode(input)) {
    h ^= BigInt(byte);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h;
}

/** SplitMix64 finalizer: full avalanche on 64 bits. */
export function mix64(x: bigint): bigint {
  let z = x & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** Hash of `id` in a named domain ("offset", "skip"), so the two derived values are independent. */
export function stableHash64(domain: string, id: string): bigint {
  return mix64(fnv1a64(`${domain}\u0000${id}`));
}
