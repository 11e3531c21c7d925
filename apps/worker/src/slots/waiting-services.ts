import type { Queue } from '../queues';
import type { DataSource } from 'typeorm';
import { assignSlotsJob, bulkJob, type QueueName } from '@anyfront/contracts';

/**
 * Re-enqueues services that still lack addresses: waiting for pool capacity (an operator may have
 * added a pool, or a quarantine may have ended), pending longer than a grace period (a job lost or
 * failed for good), or active without IPv6 while an IPv6 pool now exists. Deterministic job ids make
 * this safe to run from every worker at once.
 */
export async function enqueueWaitingServices(dataSource: DataSource, queue: Queue<QueueName.SlotAssignment>, graceSeconds = 10): Promise<number> {
  const rows: { id: string }[] = await dataSource.query(
    `SELECT id FROM services
      WHERE deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM billing_accounts b WHERE b.organization_id = services.organization_id AND b.status = 'suspended')
        AND (status = 'waiting_for_capacity'
             OR (status = 'pending' AND created_at < now() - make_interval(secs => $1))
             OR (status = 'active'
                 AND EXISTS (SELECT 1 FROM pools p WHERE p.family = 6 AND p.scope = 'global' AND p.state = 'active')
                 AND NOT EXISTS (SELECT 1 FROM anycast_addresses a WHERE a.service_id = services.id AND a.state = 'assigned' AND a.family = 6)))
      ORDER BY created_at LIMIT 5000`,
    [graceSeconds],
  );
  if (rows.length === 0) return 0;
  await queue.addBulk(rows.map((r) => bulkJob(assignSlotsJob(r.id))));
  return rows.length;
}
