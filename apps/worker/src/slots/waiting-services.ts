import type { Queue } from '../queues';
import type { DataSource } from 'typeorm';
import { assignSlotsJob, bulkJob, type QueueName } from '@anyfront/contracts';
import { ServicesRepository } from '@anyfront/db';

/**
 * Re-enqueues services that still lack addresses: waiting for pool capacity (an operator may have
 * added a pool, or a quarantine may have ended), pending longer than a grace period (a job lost or
 * failed for good), or active without IPv6 while an IPv6 pool now exists. Deterministic job ids make
 * this safe to run from every worker at once.
 */
export async function enqueueWaitingServices(dataSource: DataSource, queue: Queue<QueueName.SlotAssignment>, graceSeconds = 10): Promise<number> {
  const ids = await new ServicesRepository(dataSource.manager).waitingForAddresses(graceSeconds);
  if (ids.length === 0) return 0;
  await queue.addBulk(ids.map((id) => bulkJob(assignSlotsJob(id))));
  return ids.length;
}
