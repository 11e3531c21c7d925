import type { Schemas } from '../lib/api';

type Node = Schemas['FleetNodeDto'];

/** A node counts as up when its agent reported within this long (it heartbeats every few seconds). */
export const HEARTBEAT_STALE_MS = 30_000;

export type NodeHealth = 'up' | 'lagging' | 'withdrawn' | 'drained' | 'silent' | 'unregistered';

/** One word for a node's state, worst first: what an operator has to look at. */
export function nodeHealth(n: Node, now = Date.now()): NodeHealth {
  if (!n.registered) return 'unregistered';
  if (n.drained || n.pop_drained || n.state !== 'active') return 'drained';
  if (!n.last_heartbeat_at || now - Date.parse(n.last_heartbeat_at) > HEARTBEAT_STALE_MS) return 'silent';
  if (n.announced === false) return 'withdrawn';
  if (n.lag > 0) return 'lagging';
  return 'up';
}

export const HEALTH_COLOUR: Record<NodeHealth, string> = { up: 'teal', lagging: 'yellow', withdrawn: 'red', drained: 'gray', silent: 'red', unregistered: 'gray' };

/** Nodes per PoP with a count per health word. */
export function fleetByPop(nodes: Node[], now = Date.now()): Array<{ popId: string; popCode: string; nodes: Node[]; counts: Record<NodeHealth, number> }> {
  const byPop = new Map<string, { popId: string; popCode: string; nodes: Node[]; counts: Record<NodeHealth, number> }>();
  for (const n of nodes) {
    const entry = byPop.get(n.pop_id) ?? { popId: n.pop_id, popCode: n.pop_code, nodes: [], counts: { up: 0, lagging: 0, withdrawn: 0, drained: 0, silent: 0, unregistered: 0 } };
    entry.nodes.push(n);
    entry.counts[nodeHealth(n, now)] += 1;
    byPop.set(n.pop_id, entry);
  }
  return [...byPop.values()].sort((a, b) => a.popCode.localeCompare(b.popCode));
}
