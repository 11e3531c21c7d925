import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { JobName, SLOT_JOB_OPTIONS, assignSlotsJobId } from '@anyfront/contracts';

/**
 * Re-enqueues services that still have no addresses: waiting for pool capacity (an operator may have
 * added a pool, or a quarantine may have ended) or pending longer than a grace period (a job lost or
 * failed for good). Deterministic job ids make this safe to run from every worker at once.
 */
export async function enqueueWaitingServices(dataSource: DataSource, queue: Queue, graceSeconds = 10): Promise<number> {
  const rows: { id: string }[] = await dataSource.query(
    `SELECT id FROM services
      WHERE deleted_at IS NULL
        AND (status = 'waiting_for_capacity' OR (status = 'pending' AND created_at < now() - make_interval(secs => $1)))
      ORDER BY created_at LIMIT 5000`,
    [graceSeconds],
  );
  if (rows.length === 0) return 0;
  await queue.addBulk(
    rows.map((r) => ({
      name: JobName.AssignSlots,
      data: { serviceId: r.id },
      opts: { ...SLOT_JOB_OPTIONS, jobId: assignSlotsJobId(r.id) },
    })),
  );
  return rows.length;
}
