import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GUE needs a UDP destination port on the backend (`ip fou add port <p> gue`). Until now the API
 * accepted encapsulation gue but stored no port, so the edge agent refused the whole desired state
 * of every node serving such a service. The port is now a service setting, present exactly when
 * the encapsulation is gue; existing gue services get the default 6080 (DEFAULT_GUE_PORT).
 *
 * Also drops the service status `failed`, which nothing ever set: a service the edges cannot run
 * shows in its deploy status (per PoP), not in its lifecycle status.
 */
export class ServiceGuePort1764000410000 implements MigrationInterface {
  name = 'ServiceGuePort1764000410000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE services ADD COLUMN gue_port integer CONSTRAINT services_gue_port_range CHECK (gue_port BETWEEN 1024 AND 65535)`);
    await q.query(`UPDATE services SET gue_port = 6080 WHERE encapsulation = 'gue'`);
    await q.query(`ALTER TABLE services ADD CONSTRAINT services_gue_port_with_gue CHECK ((encapsulation = 'gue') = (gue_port IS NOT NULL))`);
    await q.query(`UPDATE services SET status = 'pending' WHERE status = 'failed'`);
    await q.query(`ALTER TABLE services DROP CONSTRAINT services_status_check`);
    await q.query(`ALTER TABLE services ADD CONSTRAINT services_status_check CHECK (status IN ('pending', 'active', 'waiting_for_capacity', 'deleting', 'deleted'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE services DROP CONSTRAINT services_status_check`);
    await q.query(`ALTER TABLE services ADD CONSTRAINT services_status_check CHECK (status IN ('pending', 'active', 'waiting_for_capacity', 'failed', 'deleting', 'deleted'))`);
    await q.query(`ALTER TABLE services DROP COLUMN gue_port`);
  }
}
