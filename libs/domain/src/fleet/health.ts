import type { BackendHealthState, ServiceHealthState } from '@anyfront/contracts';

/** One node's latest report about one backend. */
export interface BackendHealthReport {
  backendId: string;
  nodeId: string;
  popId: string;
  popCode: string;
  healthy: boolean;
  /** Why the node reports it unhealthy (e.g. its path MTU is below 1500), or null. */
  reason?: string | null;
  reportedAt: Date;
}


export interface PopBackendHealth {
  pop_id: string;
  pop_code: string;
  status: BackendHealthState;
  healthy_nodes: number;
  unhealthy_nodes: number;
  /** Why a node of this PoP reports the backend unhealthy (the first such node's reason), or null. */
  reason: string | null;
}

export interface BackendHealthSummary {
  backend_id: string;
  address: string;
  enabled: boolean;
  status: BackendHealthState;
  /** Reported down by every PoP that reports it (and by at least one). */
  down_everywhere: boolean;
  pops: PopBackendHealth[];
}

export interface ServiceHealthSummary {
  status: ServiceHealthState;
  backends_down_everywhere: string[];
  backends: BackendHealthSummary[];
}

function combine(healthy: number, unhealthy: number): BackendHealthState {
  if (healthy + unhealthy === 0) return 'unknown';
  if (unhealthy === 0) return 'healthy';
  return healthy === 0 ? 'unhealthy' : 'degraded';
}

/**
 * Backend health per PoP and overall from the nodes' latest reports. Reports older than
 * `staleAfterMs` are ignored (a node that stopped reporting says nothing about the backend now).
 */
export function summarizeServiceHealth(
  backends: { id: string; address: string; enabled: boolean }[],
  reports: BackendHealthReport[],
  now: Date,
  staleAfterMs: number,
): ServiceHealthSummary {
  const fresh = reports.filter((r) => now.getTime() - r.reportedAt.getTime() <= staleAfterMs);
  const summaries: BackendHealthSummary[] = [...backends]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((b) => {
      const pops = new Map<string, PopBackendHealth>();
      for (const r of fresh.filter((r) => r.backendId === b.id)) {
        let p = pops.get(r.popId);
        if (!p) {
          p = { pop_id: r.popId, pop_code: r.popCode, status: 'unknown', healthy_nodes: 0, unhealthy_nodes: 0, reason: null };
          pops.set(r.popId, p);
        }
        if (r.healthy) p.healthy_nodes++;
        else {
          p.unhealthy_nodes++;
          p.reason ??= r.reason ?? null;
        }
      }
      const list = [...pops.values()].sort((x, y) => (x.pop_code < y.pop_code ? -1 : 1));
      for (const p of list) p.status = combine(p.healthy_nodes, p.unhealthy_nodes);
      const healthyPops = list.filter((p) => p.status === 'healthy').length;
      const downPops = list.filter((p) => p.status === 'unhealthy').length;
      const status: BackendHealthState = !list.length ? 'unknown' : downPops === list.length ? 'unhealthy' : healthyPops === list.length ? 'healthy' : 'degraded';
      return { backend_id: b.id, address: b.address, enabled: b.enabled, status, down_everywhere: list.length > 0 && downPops === list.length, pops: list };
    });
  const enabled = summaries.filter((b) => b.enabled);
  const known = enabled.filter((b) => b.status !== 'unknown');
  let status: ServiceHealthSummary['status'];
  if (!known.length) status = 'unknown';
  else if (known.every((b) => b.status === 'unhealthy')) status = 'down';
  else if (known.every((b) => b.status === 'healthy') && known.length === enabled.length) status = 'healthy';
  else status = 'degraded';
  return { status, backends_down_everywhere: summaries.filter((b) => b.down_everywhere).map((b) => b.backend_id), backends: summaries };
}
