import { rowsOf, type SqlRunner } from '../fleet/sql';

/**
 * A service deletion in two steps. DELETE marks the service `deleting`: the fleet sync leaves it out
 * of every node's desired state (only active services are published) while it keeps its addresses.
 * Once every edge node that could still run it has applied a generation without it, the deletion is
 * finished: the service becomes `deleted` and its addresses go into quarantine, so a slot is never
 * handed to the next tenant while an edge still forwards it to the old backends.
 */

/** Marks the (locked, live) service deleting; returns the addresses it still holds. A repeat changes nothing. */
export async function markServiceDeleting(tx: SqlRunner, serviceId: string): Promise<string[]> {
  await tx.query(`UPDATE services SET status = 'deleting', status_reason = NULL, updated_at = now() WHERE id = $1 AND status <> 'deleting'`, [serviceId]);
  const rows: Array<{ address: string }> = await tx.query(
    `SELECT host(address) AS address FROM anycast_addresses WHERE service_id = $1 AND state = 'assigned' ORDER BY family, address`,
    [serviceId],
  );
  return rows.map((r) => r.address);
}

/**
 * Deleting services no edge node holds back. A node holds a service back while it is registered and
 * not disabled, serves (or served) it — its PoP announces a pool with one of the service's addresses,
 * or its stored state still has the service — and either its stored state still has the service, a
 * change is pending for it, or its agent has not applied its newest generation yet.
 */
const DELETABLE = `
  SELECT s.id, s.organization_id FROM services s
   WHERE s.status = 'deleting' AND ($1::uuid[] IS NULL OR s.id = ANY($1::uuid[]))
     AND NOT EXISTS (
       SELECT 1 FROM edge_nodes n
         JOIN edge_node_fleet_states f ON f.edge_node_id = n.id AND f.registered_at IS NOT NULL
         LEFT JOIN edge_node_service_generations g ON g.edge_node_id = n.id AND g.service_id = s.id
        WHERE n.state <> 'disabled'
          AND (g.service_id IS NOT NULL
               OR (n.pop_id IN (SELECT pp.pop_id FROM anycast_addresses a JOIN pool_pops pp ON pp.pool_id = a.pool_id
                                 WHERE a.service_id = s.id AND a.state = 'assigned')
                   AND (f.requested_seq > f.synced_seq OR f.applied_generation < f.generation))))
   ORDER BY s.id
     FOR UPDATE OF s SKIP LOCKED`;

export interface FinishedDeletion {
  serviceId: string;
  organizationId: string;
  quarantinedAddresses: string[];
}

/**
 * Finishes the deletions no edge node holds back (all deleting services, or only `serviceIds`):
 * status `deleted`, addresses quarantined for `quarantineDays`, one system audit entry each. Runs in
 * the caller's transaction when given one; rows another transaction is finishing are skipped, so
 * concurrent callers never finish a deletion twice.
 */
export async function finishServiceDeletions(db: SqlRunner, quarantineDays: number, serviceIds: string[] | null = null): Promise<FinishedDeletion[]> {
  const ready: Array<{ id: string; organization_id: string }> = await db.query(DELETABLE, [serviceIds]);
  if (!ready.length) return [];
  const ids = ready.map((r) => r.id);
  const quarantined = rowsOf<{ service_id: string; address: string }>(await db.query(
    `UPDATE anycast_addresses SET state = 'quarantined', quarantined_until = now() + $2::float8 * interval '1 day'
      WHERE service_id = ANY($1::uuid[]) AND state = 'assigned'
      RETURNING service_id, host(address) AS address`,
    [ids, quarantineDays],
  ));
  await db.query(`UPDATE services SET status = 'deleted', status_reason = NULL, deleted_at = now(), updated_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
  const finished = ready.map((r) => ({
    serviceId: r.id,
    organizationId: r.organization_id,
    quarantinedAddresses: quarantined.filter((q) => q.service_id === r.id).map((q) => q.address).sort(),
  }));
  await db.query(
    `INSERT INTO audit_log (actor_credential, organization_id, action, target_type, target_id, details)
     SELECT 'system', x.org, 'service.removed', 'service', x.id, x.details
       FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[]) AS x(id, org, details)`,
    [
      finished.map((f) => f.serviceId),
      finished.map((f) => f.organizationId),
      finished.map((f) => JSON.stringify({ quarantined_addresses: f.quarantinedAddresses, quarantine_days: quarantineDays })),
    ],
  );
  return finished;
}

/** Whether any service is deleting (a partial index answers it): callers skip the transaction otherwise. */
export async function anyServiceDeleting(db: SqlRunner): Promise<boolean> {
  const rows: unknown[] = await db.query(`SELECT 1 FROM services WHERE status = 'deleting' LIMIT 1`);
  return rows.length > 0;
}
