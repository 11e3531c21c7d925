import { syncEdgeNodeJob } from '@anyfront/contracts';
import type { FleetChange } from '@anyfront/domain';
import { affectedNodes, markNodesStale, nodesHoldingForCanary } from '../fleet/fleet-state.repository';
import type { SqlRunner } from '../fleet/sql';
import { OutboxRepository } from './outbox.repository';

/**
 * Call inside a write's transaction when the write changes what edge nodes should run (service,
 * backend, slot, pool, PoP, edge node, drain): marks the affected nodes out of date (deploy status
 * shows `deploying` from the commit on) and puts one `sync-edge-node` job per node into the outbox.
 * Nothing happens if the transaction rolls back; nothing is lost if Redis is down at commit.
 * Returns the nodes.
 */
export async function recordFleetChange(tx: SqlRunner, queuePrefix: string, change: FleetChange): Promise<string[]> {
  const nodes = await markNodesStale(tx, await affectedNodes(tx, change));
  await new OutboxRepository(tx, queuePrefix).add(nodes.map(syncEdgeNodeJob));
  return nodes;
}

/**
 * A canary's healthy verdict releases its PoP's nodes that wait for it (held services, or a change
 * they did not compute): marked stale, one sync job each with an id of its own (the outbox row's):
 * a node's own sync job may still be finishing, and an add with its fixed id would be dropped.
 */
export async function releaseCanaryNeighbours(tx: SqlRunner, queuePrefix: string, popId: string): Promise<string[]> {
  const nodes = await markNodesStale(tx, await nodesHoldingForCanary(tx, popId));
  await new OutboxRepository(tx, queuePrefix).add(nodes.map((id) => ({ ...syncEdgeNodeJob(id), jobId: null })));
  return nodes;
}
