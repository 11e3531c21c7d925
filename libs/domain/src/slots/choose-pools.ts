import type { IpFamily } from '../address/ip';

/** A global pool as slot choice sees it. */
export interface PoolCandidate {
  id: string;
  prefix: string;
  family: IpFamily;
  /** PoPs that announce the pool. */
  popIds: readonly string[];
  /** Slots not assigned and not in quarantine. */
  free: bigint;
}

export interface CurrentAddresses {
  /** Pools the service already holds an IPv4 address in. */
  ipv4PoolIds: readonly string[];
  hasIpv6: boolean;
}

export type PoolChoice =
  | { ok: true; ipv4: PoolCandidate[]; ipv6: PoolCandidate | null }
  | { ok: false; reason: string };

export const IPV4_ADDRESSES_PER_SERVICE = 2;

/**
 * How far apart two pools' PoP sets are: 0 fully disjoint (one broken PoP set cannot take both
 * addresses), 1 different but overlapping, 2 identical.
 */
export function popSetDistance(a: readonly string[], b: readonly string[]): 0 | 1 | 2 {
  const sa = new Set(a);
  const sb = new Set(b);
  const shared = [...sa].filter((p) => sb.has(p)).length;
  if (shared === 0) return 0;
  return shared === sa.size && shared === sb.size ? 2 : 1;
}

/**
 * Chooses the pools the service's missing addresses come from: IPv4 addresses from different pools
 * (most separated PoP sets first) and one IPv6 address when any IPv6 pool exists.
 * Among equally good choices `spreadKey` (the service id) picks one deterministically, which spreads
 * concurrent assignments over pools instead of queueing them all on the same pool lock.
 * `pools` lists every eligible pool, full ones included (free = 0).
 */
export function choosePools(pools: readonly PoolCandidate[], current: CurrentAddresses, spreadKey: string): PoolChoice {
  const v4 = pools.filter((p) => p.family === 4);
  const v6 = pools.filter((p) => p.family === 6);
  const held = v4.filter((p) => current.ipv4PoolIds.includes(p.id));
  const open = v4.filter((p) => p.free > 0n && !current.ipv4PoolIds.includes(p.id));
  const missing = Math.max(0, IPV4_ADDRESSES_PER_SERVICE - current.ipv4PoolIds.length);
  const hash = fnv1a(spreadKey);

  let ipv4: PoolCandidate[] = [];
  if (missing > 0) {
    const options = combinations(open, missing)
      .map((chosen) => ({ chosen, distance: worstDistance([...held, ...chosen]) }))
      .sort((a, b) => a.distance - b.distance);
    const first = options[0];
    if (!first) {
      const withSpace = v4.filter((p) => p.free > 0n).length;
      return {
        ok: false,
        reason:
          v4.length < IPV4_ADDRESSES_PER_SERVICE
            ? `needs IPv4 addresses from ${IPV4_ADDRESSES_PER_SERVICE} different global pools, but only ${v4.length} global IPv4 pool(s) exist; an operator must add pools`
            : `IPv4 pools are full: needs addresses from ${IPV4_ADDRESSES_PER_SERVICE} different global pools, but only ${withSpace} of ${v4.length} have free slots; waiting for an operator to add capacity or for quarantined addresses to expire`,
      };
    }
    const best = options.filter((o) => o.distance === first.distance);
    ipv4 = (best[hash % best.length] ?? first).chosen;
  }

  let ipv6: PoolCandidate | null = null;
  if (!current.hasIpv6 && v6.length > 0) {
    const open6 = v6.filter((p) => p.free > 0n);
    if (open6.length === 0) {
      return { ok: false, reason: `IPv6 pools are full (${v6.length} pool(s), no free slots); waiting for an operator to add capacity` };
    }
    ipv6 = open6[hash % open6.length] ?? null;
  }
  return { ok: true, ipv4, ipv6 };
}

function worstDistance(chosen: readonly PoolCandidate[]): number {
  let worst = 0;
  chosen.forEach((a, i) => {
    for (const b of chosen.slice(i + 1)) worst = Math.max(worst, popSetDistance(a.popIds, b.popIds));
  });
  return worst;
}

function combinations<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  const out: T[][] = [];
  items.forEach((item, i) => {
    for (const rest of combinations(items.slice(i + 1), k - 1)) out.push([item, ...rest]);
  });
  return out;
}

/** 32-bit FNV-1a: a stable, well-mixed hash for spreading choices. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
