import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 8, push channel: the worker authenticates each push with an Ed25519 signature made with the
 * control plane's desired-state key (the agent checks it with the keys it already trusts), so the
 * static push tokens stored in clear are no longer needed: the column and every token in it go.
 * `down` brings the column back empty (the tokens are not recoverable; agents keep theirs locally).
 */
export class PushTokenNotStored1764001310000 implements MigrationInterface {
  name = 'PushTokenNotStored1764001310000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_node_fleet_states DROP COLUMN push_token`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_node_fleet_states ADD COLUMN push_token text`);
  }
}
