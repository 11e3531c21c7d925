import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DELETE /v1/services/{id} now marks a service `deleting` until every edge node has dropped it; only
 * then is it `deleted` and its addresses quarantined. A deleting service is on its way out: its name
 * is free for a new service at once (as when deletion was immediate), and the services still
 * deleting are found by a small partial index (checked on every agent status report).
 */
export class ServiceDeleting1764001100000 implements MigrationInterface {
  name = 'ServiceDeleting1764001100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX services_org_name_key`);
    await q.query(`CREATE UNIQUE INDEX services_org_name_key ON services (organization_id, lower(name)) WHERE deleted_at IS NULL AND status <> 'deleting'`);
    await q.query(`CREATE INDEX services_deleting_idx ON services (id) WHERE status = 'deleting'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX services_deleting_idx`);
    // Finish pending deletions the old way (at once, addresses quarantined for the default 7 days).
    await q.query(
      `UPDATE anycast_addresses SET state = 'quarantined', quarantined_until = now() + interval '7 days'
        WHERE state = 'assigned' AND service_id IN (SELECT id FROM services WHERE status = 'deleting')`,
    );
    await q.query(`UPDATE services SET status = 'deleted', status_reason = NULL, deleted_at = now(), updated_at = now() WHERE status = 'deleting'`);
    await q.query(`DROP INDEX services_org_name_key`);
    await q.query(`CREATE UNIQUE INDEX services_org_name_key ON services (organization_id, lower(name)) WHERE deleted_at IS NULL`);
  }
}
