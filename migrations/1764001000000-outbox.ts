import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transactional outbox (issue 7 §3): a write that must cause a job inserts its row here in the
 * write's own transaction; the worker's relay moves rows to BullMQ and deletes them. `prefix` is
 * the BullMQ key prefix the job belongs to (deployments and tests sharing a database keep their
 * queues apart). An insert notifies channel `outbox` (once per transaction, delivered at commit)
 * so the relay wakes at once instead of at its next poll.
 */
export class Outbox1764001000000 implements MigrationInterface {
  name = 'Outbox1764001000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        prefix text NOT NULL,
        queue text NOT NULL,
        job_name text NOT NULL,
        job_id text,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX outbox_prefix_id_idx ON outbox (prefix, id)`);
    await q.query(`
      CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox', '');
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbox`);
    await q.query(`DROP FUNCTION outbox_notify()`);
  }
}
