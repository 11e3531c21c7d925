import { buildMaglevTable, canonicalBackendOrder, MAGLEV_NO_BACKEND, maglevPermutation, type MaglevBackend, validateMaglevInput } from './table';

/**
 * A table compiled earlier, as stored by the control plane: `table[i]` indexes into `ids`
 * (MAGLEV_NO_BACKEND for a bucket without backend).
 */
export interface PreviousMaglevTable {
  ids: readonly string[];
  table: Int32Array | readonly number[];
}

/** Allowed bucket counts of one backend: every count within one bucket of its exact share M·w/W. */
export interface BucketWindow {
  lo: number;
  hi: number;
}

const NO_BUCKETS: BucketWindow = { lo: 0, hi: 0 };

/** |count − M·w/W| ≤ 1 as integers; weight 0 owns nothing. Exact rational arithmetic (M·w ≤ 6.6 M). */
export function bucketWindow(weight: number, totalWeight: number, m: number): BucketWindow {
  if (weight === 0 || totalWeight === 0) return { lo: 0, hi: 0 };
  const num = m * weight;
  return { lo: Math.max(0, Math.ceil((num - totalWeight) / totalWeight)), hi: Math.floor((num + totalWeight) / totalWeight) };
}

/** Inverse of a modulo the prime m (extended Euclid; numbers stay far below 2^53 for m ≤ 2^24). */
function modInverse(a: number, m: number): number {
  let [r0, r1, s0, s1] = [m, a % m, 0, 1];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

/**
 * Minimal-disruption Maglev fill (the control plane's table compiler).
 *
 * Input: the previous table of the service (or null), the backends with weights, and M. Output: M
 * indexes into `canonicalBackendOrder(backends)`, like buildMaglevTable.
 *
 * - No previous table, or one of another size (a new M rehashes every flow anyway): plain Maglev,
 *   trimmed to the ±1 window below (with equal weights plain Maglev already fits, so nothing moves).
 * - Otherwise every backend's target count stays as close to its previous count as the window
 *   |count − M·w/W| ≤ 1 allows, and only these buckets change owner: those of backends that left
 *   (or got weight 0) and, from a backend above its target, its surplus (the buckets latest in its
 *   own Maglev permutation, i.e. the ones it likes least). Backends below target take free buckets
 *   in turns along their permutations, as in Maglev. No backend both loses and gains buckets, and
 *   the number of moved buckets is the minimum any table within the window needs (0 collateral).
 *
 * Deterministic: depends only on (previous ids/table, the set of (id, weight), M), never on the
 * input order, so it is computed once centrally and shipped; an edge can also run it on the shipped
 * table to drop locally unhealthy backends, moving only their buckets.
 */
export function buildMinimalDisruptionTable(previous: PreviousMaglevTable | null, backends: readonly MaglevBackend[], m: number): Int32Array {
  const sorted = canonicalBackendOrder(backends);
  if (!previous || previous.table.length !== m) {
    // buildMaglevTable validates M and the backends.
    const fresh = buildMaglevTable(backends, m);
    return rebalance(fresh, sorted, m);
  }
  validateMaglevInput(sorted, m);
  const indexOf = new Map(sorted.map((b, i) => [b.id, i]));
  const remap = previous.ids.map((id) => indexOf.get(id) ?? MAGLEV_NO_BACKEND);
  const start = new Int32Array(m);
  for (let c = 0; c < m; c++) {
    const p = previous.table[c] ?? MAGLEV_NO_BACKEND;
    if (p !== MAGLEV_NO_BACKEND && (p < 0 || p >= remap.length)) {
      throw new RangeError(`maglev: previous table refers to backend index ${p}, but only ${remap.length} ids were given`);
    }
    start[c] = p === MAGLEV_NO_BACKEND ? MAGLEV_NO_BACKEND : (remap[p] ?? MAGLEV_NO_BACKEND);
  }
  return rebalance(start, sorted, m);
}

/**
 * Target count per backend: its current count clamped into its window, then the sum corrected to M.
 * Lowering a target always costs one moved bucket and raising one costs none, so the surplus is
 * taken from the backends furthest above their share and the deficit given to those furthest below
 * (ties by canonical index): the moves are the fewest the window allows, the balance the best among them.
 */
export function targetCounts(current: readonly number[], weights: readonly number[], m: number): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const windows = weights.map((w) => bucketWindow(w, total, m));
  const target = current.map((c, i) => {
    const w = windows[i] ?? NO_BUCKETS;
    return Math.min(w.hi, Math.max(w.lo, c));
  });
  if (total === 0) return target;
  let excess = target.reduce((s, t) => s + t, 0) - m;
  // Distance above the exact share, compared as integers: t·W − M·w.
  const over = (i: number) => (target[i] ?? 0) * total - m * (weights[i] ?? 0);
  const order = (cmp: (a: number, b: number) => number) => weights.map((_, i) => i).sort((a, b) => cmp(a, b) || a - b);
  while (excess !== 0) {
    // Each pass moves every eligible backend by one; a few passes at most (the window is 2 wide).
    const lowering = excess > 0;
    const candidates = order((a, b) => (lowering ? over(b) - over(a) : over(a) - over(b))).filter((i) =>
      lowering ? (target[i] ?? 0) > (windows[i] ?? NO_BUCKETS).lo : (target[i] ?? 0) < (windows[i] ?? NO_BUCKETS).hi,
    );
    if (!candidates.length) throw new Error('maglev: no target counts fit the ±1 window (internal error)');
    for (const i of candidates) {
      if (excess === 0) break;
      target[i] = (target[i] ?? 0) + (lowering ? -1 : 1);
      excess += lowering ? -1 : 1;
    }
  }
  return target;
}

/** Moves the fewest buckets of `table` (indexes into `sorted`) so every count meets its target. */
function rebalance(table: Int32Array, sorted: readonly MaglevBackend[], m: number): Int32Array {
  const n = sorted.length;
  const out = Int32Array.from(table);
  const weights = sorted.map((b) => b.weight);
  if (!weights.some((w) => w > 0)) return out.fill(MAGLEV_NO_BACKEND);

  const owned: number[][] = sorted.map(() => []);
  for (let c = 0; c < m; c++) {
    const o = out[c] ?? MAGLEV_NO_BACKEND;
    if (o !== MAGLEV_NO_BACKEND) owned[o]?.push(c);
  }
  const target = targetCounts(owned.map((b) => b.length), weights, m);
  const perm = sorted.map((b, i) => (b.weight > 0 || (owned[i]?.length ?? 0) > 0 ? maglevPermutation(b.id, m) : null));

  // Release surpluses: the buckets latest in the owner's permutation go first.
  let free = 0;
  for (let c = 0; c < m; c++) if (out[c] === MAGLEV_NO_BACKEND) free++;
  for (let i = 0; i < n; i++) {
    const mine = owned[i] ?? [];
    const surplus = mine.length - (target[i] ?? 0);
    if (surplus <= 0) continue;
    const p = perm[i] as { offset: number; skip: number };
    const inv = modInverse(p.skip, m);
    // Position of bucket c in the permutation: (c − offset) · skip⁻¹ mod m (exact: < 2^33).
    const rank = (c: number) => (((c - p.offset + m) % m) * inv) % m;
    const byRank = mine.map((c) => [rank(c), c] as const).sort((a, b) => b[0] - a[0]);
    for (const [, c] of byRank.slice(0, surplus)) out[c] = MAGLEV_NO_BACKEND;
    free += surplus;
  }

  // Fill: backends below target take turns (canonical order), each claiming the next free bucket of its permutation.
  const needy = sorted
    .map((_, i) => ({ i, need: (target[i] ?? 0) - Math.min(owned[i]?.length ?? 0, target[i] ?? 0), pos: perm[i]?.offset ?? 0, skip: perm[i]?.skip ?? 1 }))
    .filter((t) => t.need > 0);
  while (free > 0 && needy.length) {
    for (let k = 0; k < needy.length; ) {
      const t = needy[k];
      if (!t) break;
      let c = t.pos;
      while (out[c] !== MAGLEV_NO_BACKEND) {
        c += t.skip;
        if (c >= m) c -= m;
      }
      out[c] = t.i;
      c += t.skip;
      t.pos = c >= m ? c - m : c;
      free--;
      if (--t.need === 0) needy.splice(k, 1);
      else k++;
    }
  }
  return out;
}
