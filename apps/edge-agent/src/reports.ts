import type { AgentStatusReport, BackendVerificationState, KernelCapabilities } from '@anyfront/contracts';

export interface BackendVerificationReport { state: BackendVerificationState; reason: string | null; checkedAt: Date | null }
import { DataplanePlan, names } from '@anyfront/dataplane';
import type { CounterValue } from './io/nft-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TrafficDeltas {
  addresses: { address: string; bytes: number; packets: number }[];
  backends: { backend_id: string; bytes: number; packets: number }[];
  /** Counter values the next deltas are taken against. */
  snapshot: Record<string, CounterValue>;
}

/**
 * The XDP fast path's counter for what an nft counter counts (apps/edge-agent/src/xdp): the program
 * counts the packets it forwards (they never reach nft), nft the ones it passes, so an address's or
 * backend's traffic is the sum of the two counters.
 */
export const xdpCounterName = (nftName: string) => `xdp/${nftName}`;

/**
 * Per-interval deltas of the address and backend counters: for each, the delta of its nft counter
 * plus the delta of its XDP counter, each taken against its own last value (they reset
 * independently). A counter below its last value was recreated (service removed and added again,
 * a slot given to another address): its whole value is the delta. Zero deltas and backends whose
 * id is not a control-plane UUID are left out.
 */
export function trafficDeltas(prev: Record<string, CounterValue>, now: Map<string, CounterValue>, plan: DataplanePlan | null): TrafficDeltas {
  const snapshot: Record<string, CounterValue> = {};
  const one = (name: string): CounterValue => {
    const cur = now.get(name);
    if (!cur) return { bytes: 0, packets: 0 };
    snapshot[name] = cur;
    const p = prev[name];
    return !p || cur.bytes < p.bytes || cur.packets < p.packets ? cur : { bytes: cur.bytes - p.bytes, packets: cur.packets - p.packets };
  };
  const delta = (name: string): CounterValue | null => {
    const [n, x] = [one(name), one(xdpCounterName(name))];
    const d = { bytes: n.bytes + x.bytes, packets: n.packets + x.packets };
    return d.bytes > 0 || d.packets > 0 ? d : null;
  };
  const addresses: TrafficDeltas['addresses'] = [];
  const backends: TrafficDeltas['backends'] = [];
  for (const s of plan?.services ?? []) {
    for (const a of s.addresses) {
      const d = delta(names.addressCounter(a.address));
      if (d) addresses.push({ address: a.address, ...d });
    }
    for (const b of s.backends) {
      const d = delta(names.backendCounter(b.mark));
      if (d && UUID.test(b.id)) backends.push({ backend_id: b.id, ...d });
    }
  }
  return { addresses, backends, snapshot };
}

/** Status report for the control plane: only UUID ids (control-plane objects) and known health. */
export function statusReport(s: {
  generation: number; announced: boolean; drained: boolean; programmed: boolean; lastError: string | null; plan: DataplanePlan | null;
  capabilities?: KernelCapabilities | null; failedServices?: ReadonlyMap<string, string>;
  /** The edge runs no health checks: a backend it has not checked forwards, so it is reported healthy. */
  uncheckedHealthy?: boolean;
  /** A backend's ownership verification on this edge (only backends whose proof the state demands). */
  verification?: (serviceId: string, backendId: string) => BackendVerificationReport | undefined;
  /** Why an unhealthy backend failed its checks on this edge (e.g. its path MTU), or null. */
  healthReason?: (serviceId: string, backendId: string) => string | null;
}): AgentStatusReport {
  const health = (h: boolean | undefined) => h ?? (s.uncheckedHealthy ? true : undefined);
  const verification = (svc: string, b: string) => {
    const v = s.verification?.(svc, b);
    return v ? { verification: { state: v.state, reason: v.reason ? v.reason.slice(0, 500) : null, checked_at: v.checkedAt?.toISOString() ?? null } } : {};
  };
  const reason = (svc: string, b: string, healthy: boolean | undefined) => {
    const r = healthy === false ? s.healthReason?.(svc, b) : null;
    return r ? { reason: r.slice(0, 500) } : {};
  };
  return {
    ...(s.capabilities ? { capabilities: s.capabilities } : {}),
    failed_services: [...(s.failedServices ?? new Map<string, string>())].filter(([id]) => UUID.test(id)).map(([id, reason]) => ({ id, reason: reason.slice(0, 1000) })),
    applied_generation: s.generation,
    announced: s.announced,
    drained: s.drained,
    programmed: s.programmed,
    last_error: s.lastError ? s.lastError.slice(0, 4000) : null,
    services: (s.plan?.services ?? [])
      .filter((svc) => UUID.test(svc.id))
      .map((svc) => ({ id: svc.id, backends: svc.backends.filter((b) => UUID.test(b.id) && health(b.healthy) !== undefined && !b.draining).map((b) => ({ id: b.id, healthy: health(b.healthy) as boolean, ...reason(svc.id, b.id, health(b.healthy)), ...verification(svc.id, b.id) })) })),
  };
}
