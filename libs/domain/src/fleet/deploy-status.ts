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
}

export interface NodeDeployment {
  node_id: string;
  node_name: string;
  status: NodeDeployStatus;
  required_generation: number | null;
  applied_generation: number;
  last_heartbeat_at: string | null;
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

/**
 * `deploying` until every edge node that should serve the service has applied a generation that
 * includes its latest change, then `deployed`. A service that is not active yet is `pending`; one
 * that no registered edge node serves is `no_edge_nodes` (nothing to wait for, nothing announced).
 */
export function serviceDeployment(serviceActive: boolean, nodes: ServiceNodeProgress[]): ServiceDeployment {
  const byPop = new Map<string, PopDeployment>();
  let deployed = 0;
  const sorted = [...nodes].sort((a, b) => (a.popCode + a.nodeName < b.popCode + b.nodeName ? -1 : 1));
  for (const n of sorted) {
    const ok = nodeHasLatest(n);
    if (ok) deployed++;
    let pop = byPop.get(n.popId);
    if (!pop) {
      pop = { pop_id: n.popId, pop_code: n.popCode, status: 'deployed', nodes: [] };
      byPop.set(n.popId, pop);
    }
    if (!ok) pop.status = 'deploying';
    pop.nodes.push({
      node_id: n.nodeId,
      node_name: n.nodeName,
      status: ok ? 'deployed' : 'deploying',
      required_generation: n.serviceGeneration,
      applied_generation: n.appliedGeneration,
      last_heartbeat_at: n.lastHeartbeatAt?.toISOString() ?? null,
    });
  }
  let status: DeployStatus;
  if (!serviceActive) status = 'pending';
  else if (!nodes.length) status = 'no_edge_nodes';
  else status = deployed === nodes.length ? 'deployed' : 'deploying';
  return { status, edge_nodes: nodes.length, edge_nodes_deployed: deployed, pops: [...byPop.values()] };
}
