import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 8, push channel: the worker pushes desired states only to an address of the edge node
 * itself. Besides its tunnel sources, an operator may register management addresses (the network
 * the control plane reaches agents on).
 */
export class EdgeNodeManagementAddresses1764001300000 implements MigrationInterface {
  name = 'EdgeNodeManagementAddresses1764001300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_nodes ADD COLUMN management_addresses inet[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE edge_nodes DROP COLUMN management_addresses`);
  }
}
