import { MAGLEV_NO_BACKEND } from './table';

/**
 * Compact wire form of a Maglev table: base64 of the entries bit-packed little-endian, each entry
 * `index + 1` (0 = no backend) in the fewest bits that hold backendCount + 1 values. M = 509 with
 * 3 backends takes 172 characters; M = 65537 with 1000 backends ~109 KB (10 bits per bucket,
 * against ~6 characters per bucket as a JSON number array).
 */
export function maglevEntryBits(backendCount: number): number {
  let bits = 1;
  while (2 ** bits < backendCount + 1) bits++;
  return bits;
}

export function encodeMaglevTable(table: Int32Array | readonly number[], backendCount: number): string {
  const bits = maglevEntryBits(backendCount);
  const bytes = Buffer.alloc(Math.ceil((table.length * bits) / 8));
  let bit = 0;
  for (const entry of table) {
    if (entry !== MAGLEV_NO_BACKEND && (!Number.isInteger(entry) || entry < 0 || entry >= backendCount)) {
      throw new RangeError(`maglev: table entry ${entry} is not an index into ${backendCount} backends`);
    }
    let v = entry + 1;
    for (let k = 0; k < bits; k++, bit++, v >>>= 1) if (v & 1) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (1 << (bit & 7));
  }
  return bytes.toString('base64');
}

/** Inverse of encodeMaglevTable; throws a readable error when the text does not hold m valid entries. */
export function decodeMaglevTable(encoded: string, m: number, backendCount: number): Int32Array {
  const bits = maglevEntryBits(backendCount);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw new RangeError('maglev: table is not base64');
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length !== Math.ceil((m * bits) / 8)) {
    throw new RangeError(`maglev: table holds ${bytes.length} bytes, ${Math.ceil((m * bits) / 8)} expected for M = ${m} and ${backendCount} backends`);
  }
  const out = new Int32Array(m);
  let bit = 0;
  for (let i = 0; i < m; i++) {
    let v = 0;
    for (let k = 0; k < bits; k++, bit++) if (((bytes[bit >> 3] ?? 0) >> (bit & 7)) & 1) v |= 1 << k;
    if (v > backendCount) throw new RangeError(`maglev: bucket ${i} refers to backend ${v - 1}, only ${backendCount} listed`);
    out[i] = v - 1;
  }
  return out;
}
