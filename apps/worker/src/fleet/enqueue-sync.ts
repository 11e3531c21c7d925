import type { QueueName } from '@anyfront/contracts';
import type { Queue } from '../queues';
import { bulkJob, syncEdgeNodeJob } from '@anyfront/contracts';

/**
 * The sweep's direct enqueue (a repair read from Postgres inside a job, nothing to commit with it):
 * one sync job per node, with the node's fixed job id (an id already queued absorbs the add).
 * Writes never call this: they go through the outbox (`recordFleetChange`).
 */
export async function enqueueNodeSyncs(queue: Queue<QueueName.FleetSync>, nodeIds: string[]): Promise<void> {
  if (!nodeIds.length) return;
  await queue.addBulk(nodeIds.map((id) => bulkJob(syncEdgeNodeJob(id))));
}
