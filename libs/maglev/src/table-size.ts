/**
 * Maglev lookup table sizes. M must be prime (so every skip generates a full permutation) and, for
 * the balance rule of the Maglev paper, at least 100 x the number of backends. The list is fixed so
 * every edge and the control plane agree on M; 65537 is the ceiling because DESIGN.md measured a
 * 65537-element nft map at ~6.6 MB of kernel memory and 0.27 s to load.
 */
export const MAGLEV_PRIMES: readonly number[] = Object.freeze([
  251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 65537,
]);

export const MAGLEV_MAX_TABLE_SIZE = 65537;

/** Buckets per backend that the balance rule asks for. */
export const MAGLEV_BUCKETS_PER_BACKEND = 100;

/** Largest backend count for which M >= 100 x N still holds (655 -> 65521). */
export const MAGLEV_MAX_BALANCED_BACKENDS = Math.floor(MAGLEV_MAX_TABLE_SIZE / MAGLEV_BUCKETS_PER_BACKEND);

export function isMaglevTableSize(m: number): boolean {
  return MAGLEV_PRIMES.includes(m);
}

/**
 * Smallest listed prime with M >= 100 x backendCount (the smallest entry for 0-2 backends).
 *
 * Above MAGLEV_MAX_BALANCED_BACKENDS (655) no listed prime satisfies the rule; we return the ceiling
 * 65537 rather than refuse, because the contract allows up to 1000 backends per service. Balance
 * then degrades gracefully: with ~65 buckets per backend a share is off by at most about one
 * bucket, i.e. ~1.5 % at N = 1000, M = 65537 (checked in the spec); callers that need the strict rule can check
 * `maglevBalanceRuleHolds`.
 */
export function maglevTableSize(backendCount: number): number {
  if (!Number.isInteger(backendCount) || backendCount < 0) {
    throw new RangeError(`maglevTableSize: backendCount must be a non-negative integer, got ${backendCount}`);
  }
  const wanted = MAGLEV_BUCKETS_PER_BACKEND * backendCount;
  return MAGLEV_PRIMES.find((p) => p >= wanted) ?? MAGLEV_MAX_TABLE_SIZE;
}

export function maglevBalanceRuleHolds(backendCount: number, m: number): boolean {
  return m >= MAGLEV_BUCKETS_PER_BACKEND * backendCount;
}
