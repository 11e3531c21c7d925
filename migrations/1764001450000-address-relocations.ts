import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Address relocation with notice (issue 12): an operator moves one address, a service's address or
 * every tenant address of a pool to another pool. Each move gives the service its new address at
 * once (alongside the old one, both announced) and releases the old one into quarantine when the
 * notice ends. `relocation_moves` is also the tenant's notice (one row per affected address).
 * An address is in at most one open move at a time (relocation_moves_open_key).
 */
export class AddressRelocations1764001450000 implements MigrationInterface {
  name = 'AddressRelocations1764001450000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE relocations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope text NOT NULL CHECK (scope IN ('address', 'service', 'pool')),
        source_address inet,
        source_service_id uuid REFERENCES services(id) ON DELETE SET NULL,
        source_pool_id uuid REFERENCES pools(id) ON DELETE SET NULL,
        target_pool_id uuid NOT NULL REFERENCES pools(id) ON DELETE RESTRICT,
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        notice_ends_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'notice' CHECK (status IN ('notice', 'completed')),
        shortened_reason text,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CHECK ((status = 'completed') = (completed_at IS NOT NULL))
      );
      CREATE INDEX relocations_due_idx ON relocations (notice_ends_at) WHERE status = 'notice';
      CREATE INDEX relocations_page_idx ON relocations (created_at, id);

      CREATE TABLE relocation_moves (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        relocation_id uuid NOT NULL REFERENCES relocations(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        service_id uuid NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        old_address_id uuid NOT NULL REFERENCES anycast_addresses(id) ON DELETE CASCADE,
        old_address inet NOT NULL,
        old_pool_id uuid NOT NULL,
        new_address_id uuid REFERENCES anycast_addresses(id) ON DELETE SET NULL,
        new_address inet NOT NULL,
        state text NOT NULL DEFAULT 'notice' CHECK (state IN ('notice', 'released')),
        released_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((state = 'released') = (released_at IS NOT NULL))
      );
      CREATE UNIQUE INDEX relocation_moves_open_key ON relocation_moves (old_address_id) WHERE state = 'notice';
      CREATE INDEX relocation_moves_relocation_idx ON relocation_moves (relocation_id);
      CREATE INDEX relocation_moves_org_idx ON relocation_moves (organization_id, created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE relocation_moves; DROP TABLE relocations;`);
  }
}
