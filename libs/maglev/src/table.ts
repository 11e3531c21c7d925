import { stableHash64 } from './hash';

export interface MaglevBackend {
  /** Stable identity; the canonical order and each backend's permutation derive from it. */
  id: string;
  /** Non-negative integer; 0 drains the backend (it owns no bucket). */
  weight: number;
}

/** Backend index stored in buckets when no backend has weight > 0. */
export const MAGLEV_NO_BACKEND = -1;

/** Credit that buys one turn; weight 100 (the contract's maximum) takes one turn per round. */
export const MAGLEV_CREDIT_PER_TURN = 100;

/** Largest M accepted by buildMaglevTable (memory guard; listed sizes stop at 65537). */
const MAX_BUILD_SIZE = 1 << 24;

/**
 * Backends sorted by id with plain UTF-16 code-unit comparison (never localeCompare, which depends
 * on the ICU data of the Node build). Table entries are indexes into this order.
 */
export function canonicalBackendOrder<T extends { id: string }>(backends: readonly T[]): T[] {
  const sorted = [...backends].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  sorted.forEach((b, i) => {
    if (i > 0 && b.id === sorted[i - 1]?.id) throw new Error(`maglev: duplicate backend id "${b.id}"`);
  });
  return sorted;
}

export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** Maglev permutation parameters of one backend in a table of size m: offset in [0, m), skip in [1, m). */
export function maglevPermutation(id: string, m: number): { offset: number; skip: number } {
  const key = `${m}:${id}`;
  const known = permutations.get(key);
  if (known) return known;
  const offset = Number(stableHash64('maglev-offset', id) % BigInt(m));
  const skip = m === 1 ? 1 : Number(stableHash64('maglev-skip', id) % BigInt(m - 1)) + 1;
  // The BigInt hashing costs ~10-40 µs per backend; tables are rebuilt for the same ids over and over.
  if (permutations.size >= 100_000) permutations.clear();
  const p = Object.freeze({ offset, skip });
  permutations.set(key, p);
  return p;
}

const permutations = new Map<string, Readonly<{ offset: number; skip: number }>>();

/** Throws on a size that is not a prime in range, an empty id or a weight that is not a non-negative integer. */
export function validateMaglevInput(backends: readonly MaglevBackend[], m: number): void {
  if (!Number.isInteger(m) || m > MAX_BUILD_SIZE || !isPrime(m)) {
    throw new RangeError(`maglev: table size M must be a prime <= ${MAX_BUILD_SIZE}, got ${m}`);
  }
  for (const b of backends) {
    if (typeof b.id !== 'string' || b.id.length === 0) throw new Error('maglev: backend id must be a non-empty string');
    if (!Number.isSafeInteger(b.weight) || b.weight < 0) {
      throw new RangeError(`maglev: weight of backend "${b.id}" must be a non-negative integer, got ${b.weight}`);
    }
  }
}

/**
 * Maglev lookup table (Eisenbud et al., NSDI 2016) with weights.
 *
 * Returns M entries, each an index into `canonicalBackendOrder(backends)`, or MAGLEV_NO_BACKEND
 * everywhere when no backend has weight > 0. The result depends only on the set of (id, weight)
 * pairs and M, never on input order.
 *
 * Weights use per-round credit: every round each backend (in canonical order) gains `weight`
 * credit and takes one turn (claims the next free bucket of its permutation) for every
 * MAGLEV_CREDIT_PER_TURN of credit it holds. Every turn fills exactly one bucket, so bucket counts
 * are proportional to weights up to about one turn each; equal weights give exactly the paper's
 * round robin. The threshold is a constant, not the largest weight, so one backend's schedule
 * never depends on the others' weights: adding or removing a heavy backend does not reshuffle
 * everyone's turns (with max-weight normalisation, adding one backend to three moved up to 35 %
 * of the other backends' buckets; with the constant it stays near the unweighted figure).
 */
export function buildMaglevTable(backends: readonly MaglevBackend[], m: number): Int32Array {
  validateMaglevInput(backends, m);
  const sorted = canonicalBackendOrder(backends);
  const table = new Int32Array(m).fill(MAGLEV_NO_BACKEND);

  const active = sorted.map((b, i) => ({ b, i })).filter(({ b }) => b.weight > 0);
  if (active.length === 0) return table;

  // One record per backend with weight: its index in canonical order, its permutation's next
  // position and step, and its turn credit.
  const turns = active.map(({ b, i }) => {
    const p = maglevPermutation(b.id, m);
    return { index: i, weight: b.weight, pos: p.offset, skip: p.skip, credit: 0 };
  });

  let filled = 0;
  for (;;) {
    for (const t of turns) {
      t.credit += t.weight;
      while (t.credit >= MAGLEV_CREDIT_PER_TURN) {
        t.credit -= MAGLEV_CREDIT_PER_TURN;
        // Walk this backend's permutation to its next free bucket (m is prime, so the walk visits all).
        let c = t.pos;
        while (table[c] !== MAGLEV_NO_BACKEND) {
          c += t.skip;
          if (c >= m) c -= m;
        }
        table[c] = t.index;
        c += t.skip;
        t.pos = c >= m ? c - m : c;
        if (++filled === m) return table;
      }
    }
  }
}

/** Backend id owning each bucket (null where no backend), for callers that key by id. */
export function bucketOwnersById(table: Int32Array | readonly number[], sortedBackends: readonly { id: string }[]): (string | null)[] {
  return Array.from(table, (i) => {
    if (i === MAGLEV_NO_BACKEND) return null;
    const b = sortedBackends[i];
    if (!b) throw new RangeError(`maglev: table refers to backend index ${i}, but only ${sortedBackends.length} backends were given`);
    return b.id;
  });
}

/** Convenience: owners by id straight from an unordered backend list. */
export function maglevOwners(backends: readonly MaglevBackend[], m: number): (string | null)[] {
  return bucketOwnersById(buildMaglevTable(backends, m), canonicalBackendOrder(backends));
}

/** Number of buckets each backend id owns (ids with weight 0 map to 0). */
export function bucketCounts(owners: readonly (string | null)[], ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const o of owners) if (o !== null) counts.set(o, (counts.get(o) ?? 0) + 1);
  return counts;
}
