import type { DeployStatus, NodeDeployStatus } from '@anyfront/contracts';

/** One edge node that should serve a service (its PoP announces a pool holding one of the service's addresses). */
export interface ServiceNodeProgress {
  nodeId: string;
  nodeName: string;
  popId: string;
  popCode: string;
  /** Generation at which the service's part of this node's state last changed; null: not computed yet. */
  serviceGeneration: number | null;
  /** A change was notified for the node and its state has not been recomputed yet. */
  pending: boolean;
  appliedGeneration: number;
  lastHeartbeatAt: Date | null;
  /** Why the last sync left the service out of this node's state (publish filter), or null. */
  excludedReason?: string | null;
  /** The node's agent reported (with its applied generation) that it skipped the service, and why; or null. */
  agentFailedReason?: string | null;
  /**
   * Usable backends of the service (enabled, weight > 0) this node verified (ownership proof) and
   * that passed its health checks, from its last status report; undefined: not known.
   */
  healthyBackends?: number;
  /** Usable backends of the service this node verified, healthy or not; undefined: not known. */
  verifiedBackends?: number;
  /** The service's new content waits for the PoP's canary here (staged rollout, canary.ts). */
  held?: boolean;
  /** The PoP's rollout of this service's change is halted by a failed canary, and why; or null. */
  canaryFailure?: string | null;
}

export interface NodeDeployment {
  node_id: string;
  node_name: string;
  status: NodeDeployStatus;
  required_generation: number | null;
  applied_generation: number;
  last_heartbeat_at: string | null;
  /** Why the service is not on this node (status failed), else null. */
  reason: string | null;
}

export interface PopDeployment {
  pop_id: string;
  pop_code: string;
  status: NodeDeployStatus;
  nodes: NodeDeployment[];
}

export interface ServiceDeployment {
  status: DeployStatus;
  edge_nodes: number;
  edge_nodes_deployed: number;
  pops: PopDeployment[];
}

/** A node has the service's latest change when nothing is pending and it applied at least that generation. */
export function nodeHasLatest(n: ServiceNodeProgress): boolean {
  return !n.pending && n.serviceGeneration !== null && n.appliedGeneration >= n.serviceGeneration;
}

const SEVERITY: Record<NodeDeployStatus, number> = { deployed: 0, waiting_for_healthy_backend: 1, waiting_for_verified_backend: 2, deploying: 3, failed: 4 };

/**
 * Where one node stands: a pending change is deploying (it may fix an exclusion), then excluded is
 * failed; a node that applied the latest change but reported it could not program the service is
 * failed too (an agent report about an older generation does not hide a change on its way).
 */
function nodeStatus(n: ServiceNodeProgress): NodeDeployStatus {
  // A halted rollout first: a change waiting on a failed canary is not on its way.
  if (n.canaryFailure) return 'failed';
  if (n.pending) return 'deploying';
  if (n.excludedReason) return 'failed';
  if (n.held || !nodeHasLatest(n)) return 'deploying';
  if (n.agentFailedReason) return 'failed';
  // "deployed" means a request works: the node forwards to a backend it verified and that passed its
  // checks there (an unverified backend gets no traffic, however healthy an edge thinks it is).
  if (n.healthyBackends !== 0) return 'deployed';
  return n.verifiedBackends === 0 ? 'waiting_for_verified_backend' : 'waiting_for_healthy_backend';
}

/**
 * `deploying` until every edge node that should serve the service has applied a generation that
 * includes its latest change, then `waiting_for_verified_backend` until each verified one of its
 * backends (the backend kit's ownership proof), `waiting_for_healthy_backend` until a verified one
 * passed its health checks there, then `deployed`; `failed` on a node (and so its PoP and the service)
 * that the publish filter left the service out of, with the reason, or whose PoP's rollout of the
 * change a failed canary halted (staged rollout: the held edges and the canary itself; a change still
 * waiting for the canary's verdict is `deploying`). A service that is not active yet is `pending`; one
 * that no registered edge node serves is `no_edge_nodes` (nothing to wait for, nothing announced).
 */
export function serviceDeployment(serviceActive: boolean, nodes: ServiceNodeProgress[]): ServiceDeployment {
  const byPop = new Map<string, PopDeployment>();
  let deployed = 0;
  const sorted = [...nodes].sort((a, b) => (a.popCode + a.nodeName < b.popCode + b.nodeName ? -1 : 1));
  for (const n of sorted) {
    const status = nodeStatus(n);
    if (status === 'deployed') deployed++;
    let pop = byPop.get(n.popId);
    if (!pop) {
      pop = { pop_id: n.popId, pop_code: n.popCode, status: 'deployed', nodes: [] };
      byPop.set(n.popId, pop);
    }
    if (SEVERITY[status] > SEVERITY[pop.status]) pop.status = status;
    pop.nodes.push({
      node_id: n.nodeId,
      node_name: n.nodeName,
      status,
      required_generation: n.serviceGeneration,
      applied_generation: n.appliedGeneration,
      last_heartbeat_at: n.lastHeartbeatAt?.toISOString() ?? null,
      reason: status === 'failed' ? (n.excludedReason ?? n.canaryFailure ?? (n.agentFailedReason ? `the edge node could not program it: ${n.agentFailedReason}` : null)) : null,
    });
  }
  let status: DeployStatus;
  if (!serviceActive) status = 'pending';
  else if (!nodes.length) status = 'no_edge_nodes';
  else status = [...byPop.values()].reduce<NodeDeployStatus>((worst, p) => (SEVERITY[p.status] > SEVERITY[worst] ? p.status : worst), 'deployed');
  return { status, edge_nodes: nodes.length, edge_nodes_deployed: deployed, pops: [...byPop.values()] };
}
