import type { PoolState } from '@anyfront/contracts';
import * as ipaddr from 'ipaddr.js';

/**
 * Loop guards: what keeps a packet that nobody serves from bouncing between the edge and its
 * upstream until its TTL runs out (a free amplifier: one datagram to a free pool address was
 * forwarded ~32 times by the router). All of them are `ip rule`s at the five priorities after the
 * per-mark rules (P = rule_priority), which the agent owns:
 *
 *  P+1 (IPv6) `from <edge v6 tunnel source> fwmark <range> lookup main`: the outer packet of SRv6
 *      keeps the inner packet's mark (lwtunnel re-routes with skb->mark); after its table `throw`s it
 *      (or has no IPv6 rule, IPv4-only service) it must reach the main table, not the catch-all.
 *      Client packets never carry the edge's own address as source. (ipip/sit/ip6tnl/GUE devices
 *      route their outer packet with the device's own fwmark, 0.)
 *  P+2 `fwmark <range> blackhole`: catch-all, a marked packet whose table has no route is dropped.
 *  P+3 `iif lo goto P+5`: the edge's own sockets skip the pool blackholes (a health probe connects
 *      to an anycast address; nft re-routes it into the tunnel by mark only after the first lookup).
 *  P+4 `to <pool> blackhole`, per pool of the desired state: a packet to a free, quarantined or
 *      removed address misses the dispatch map and is dropped here instead of following the default
 *      route back. Blackhole, not unreachable: no ICMP towards (possibly spoofed) sources.
 *  P+5 `nop`: the goto target.
 *
 * Our mark range [base, base + count) is covered exactly by value/mask pairs (like a CIDR split of an
 * address range), so the catch-all never touches marks the host uses.
 */
export interface MarkMask {
  value: number;
  mask: number;
}

/** One guard rule; `spec` is the text after `ip rule add` / `ip rule del` and its identity. */
export interface GuardRule {
  family: 4 | 6;
  priority: number;
  spec: string;
}

export interface GuardPlan {
  /** The per-mark rules' priority P (guards are at P+1..P+5). */
  rulePriority: number;
  rules: GuardRule[];
}

/** What the kernel has at the guard priorities, in the same spec form (see the agent's route client). */
export interface GuardInventory {
  rules: GuardRule[];
}

export interface GuardOptions {
  markBase: number;
  markCount: number;
  /** Priority of the per-mark rules; the guards take the next five. */
  rulePriority: number;
  /** Edge IPv6 tunnel source (SRv6 outer source), when the node has one. */
  tunnelSourceV6?: string;
}

/** The priorities the guards own, first to last. */
export function guardPriorities(rulePriority: number): number[] {
  return [1, 2, 3, 4, 5].map((k) => rulePriority + k);
}

/** Spec strings, shared by the renderer and the inventory parser so both spell a rule the same way. */
export const guardSpec = {
  escape: (from: string, m: MarkMask, priority: number) => `from ${from} fwmark ${hex(m.value)}/${hex(m.mask)} lookup main priority ${priority}`,
  catchAll: (m: MarkMask, priority: number) => `fwmark ${hex(m.value)}/${hex(m.mask)} blackhole priority ${priority}`,
  localSkip: (target: number, priority: number) => `iif lo goto ${target} priority ${priority}`,
  pool: (prefix: string, priority: number) => `to ${prefix} blackhole priority ${priority}`,
  nop: (priority: number) => `nop priority ${priority}`,
};

/** Smallest list of value/mask pairs whose union is exactly [base, base + count). */
export function markRangeMasks(base: number, count: number): MarkMask[] {
  const out: MarkMask[] = [];
  let lo = base;
  const end = base + count;
  while (lo < end) {
    // Largest aligned power-of-two block starting at lo that fits in what is left.
    let size = 1;
    while (size <= 0x40000000 && lo % (size * 2) === 0 && lo + size * 2 <= end) size *= 2;
    out.push({ value: lo, mask: (0x100000000 - size) >>> 0 });
    lo += size;
  }
  return out;
}

export function buildGuards(pools: readonly PoolState[], opts: GuardOptions): GuardPlan {
  const masks = markRangeMasks(opts.markBase, opts.markCount);
  const [escape, catchAll, localSkip, pool, nop] = guardPriorities(opts.rulePriority) as [number, number, number, number, number];
  const rules: GuardRule[] = [];
  if (opts.tunnelSourceV6) {
    const from = ipaddr.parse(opts.tunnelSourceV6).toString();
    for (const m of masks) rules.push({ family: 6, priority: escape, spec: guardSpec.escape(from, m, escape) });
  }
  for (const family of [4, 6] as const) {
    for (const m of masks) rules.push({ family, priority: catchAll, spec: guardSpec.catchAll(m, catchAll) });
    const prefixes = [...new Set(pools.filter((p) => p.family === family).map((p) => canonical(p.prefix)))].sort();
    // The goto target and the skip exist before the pool rules are added (plan order = add order).
    rules.push({ family, priority: nop, spec: guardSpec.nop(nop) }, { family, priority: localSkip, spec: guardSpec.localSkip(nop, localSkip) });
    for (const prefix of prefixes) rules.push({ family, priority: pool, spec: guardSpec.pool(prefix, pool) });
  }
  return { rulePriority: opts.rulePriority, rules };
}

export interface GuardChange {
  v4: string[];
  v6: string[];
  v4Del: string[];
  v6Del: string[];
}

/**
 * Lines for `ip -4/-6 -batch`: additions in plan order (the IPv6 escape before the catch-all, so an
 * SRv6 outer packet is never caught; the local skip before the pool blackholes); removals in
 * the reverse dependency order.
 */
export function renderGuardChange(want: GuardPlan, have: GuardInventory): GuardChange {
  const out: GuardChange = { v4: [], v6: [], v4Del: [], v6Del: [] };
  const key = (r: GuardRule) => `${r.family}|${r.spec}`;
  const haveKeys = new Set(have.rules.map(key));
  const wantKeys = new Set(want.rules.map(key));
  for (const r of want.rules) if (!haveKeys.has(key(r))) (r.family === 4 ? out.v4 : out.v6).push(`rule add ${r.spec}`);
  const stale = have.rules.filter((r) => !wantKeys.has(key(r)));
  // Pool blackholes (P+4) first, the skip (P+3) before its goto target (P+5), the catch-all (P+2) before the escape (P+1).
  const order = (r: GuardRule) => [4, 3, 5, 2, 1].indexOf(r.priority - want.rulePriority);
  for (const r of [...stale].sort((a, b) => order(a) - order(b))) (r.family === 4 ? out.v4Del : out.v6Del).push(`rule del ${r.spec}`);
  return out;
}

/** Adds guard lines to a routing change: guards first among additions, last among removals. */
export function withGuards<T extends GuardChange>(change: T, guards: GuardChange): T {
  return { ...change, v4: [...guards.v4, ...change.v4], v6: [...guards.v6, ...change.v6], v4Del: [...change.v4Del, ...guards.v4Del], v6Del: [...change.v6Del, ...guards.v6Del] };
}

function canonical(prefix: string): string {
  const [, len] = ipaddr.parseCIDR(prefix);
  const net = prefix.includes(':') ? ipaddr.IPv6.networkAddressFromCIDR(prefix) : ipaddr.IPv4.networkAddressFromCIDR(prefix);
  return `${net.toString()}/${len}`;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
