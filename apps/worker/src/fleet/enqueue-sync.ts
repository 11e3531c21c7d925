import type { Queue } from 'bullmq';
import { syncEdgeNodeJob } from '@anyfront/contracts';
import { type FleetChange } from '@anyfront/domain';
import { affectedNodes, markNodesStale, type SqlRunner } from '@anyfront/db';

/** One sync job per node, with the node's fixed job id (an id already queued absorbs the add). */
export async function enqueueNodeSyncs(queue: Queue, nodeIds: string[]): Promise<void> {
  if (!nodeIds.length) return;
  await queue.addBulk(nodeIds.map(syncEdgeNodeJob));
}

/**
 * Worker-side twin of the API's FleetChangeNotifier (for jobs that change what edges run, e.g. slot
 * assignment): marks the affected nodes stale, then enqueues their sync. Returns the nodes.
 */
export async function notifyFleetChange(db: SqlRunner, queue: Queue, change: FleetChange): Promise<string[]> {
  const nodes = await markNodesStale(db, await affectedNodes(db, change));
  await enqueueNodeSyncs(queue, nodes);
  return nodes;
}
