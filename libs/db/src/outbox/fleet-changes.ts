import { syncEdgeNodeJob } from '@anyfront/contracts';
import type { FleetChange } from '@anyfront/domain';
import { affectedNodes, markNodesStale } from '../fleet/fleet-state.repository';
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
