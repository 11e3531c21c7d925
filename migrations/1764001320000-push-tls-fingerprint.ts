import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 8, push channel: outside the lab the agent serves its push endpoint over HTTPS with a
 * self-signed certificate and reports its SHA-256 fingerprint with the push URL; the worker talks
 * TLS only to a server presenting that certificate.
 */
export class PushTlsFingerprint1764001320000 implements MigrationInterface {
  name = 'PushTlsFingerprint1764001320000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_node_fleet_states ADD COLUMN push_tls_fingerprint text CHECK (push_tls_fingerprint ~ '^([0-9A-F]{2}:){31}[0-9A-F]{2}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_node_fleet_states DROP COLUMN push_tls_fingerprint`);
  }
}
