import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Services, their backends and the anycast addresses (slots) handed to them. The invariants slot
 * assignment relies on are constraints here, so they hold even if application code gets them wrong.
 */
export class ServicesAndSlots1764000100000 implements MigrationInterface {
  name = 'ServicesAndSlots1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE services (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        listeners jsonb NOT NULL CHECK (jsonb_typeof(listeners) = 'array'),
        hash_mode text NOT NULL DEFAULT 'five_tuple' CHECK (hash_mode IN ('five_tuple', 'client_ip')),
        encapsulation text NOT NULL DEFAULT 'srv6' CHECK (encapsulation IN ('srv6', 'ipip', 'ip6ip6', 'gue')),
        health_check jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'active', 'waiting_for_capacity', 'failed', 'deleting', 'deleted')),
        status_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
      );
      CREATE UNIQUE INDEX services_org_name_key ON services (organization_id, lower(name)) WHERE deleted_at IS NULL;
      CREATE INDEX services_org_page_idx ON services (organization_id, created_at, id) WHERE deleted_at IS NULL;
      CREATE INDEX services_unassigned_idx ON services (created_at) WHERE status IN ('pending', 'waiting_for_capacity');

      CREATE TABLE backends (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service_id uuid NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        address inet NOT NULL CHECK (masklen(address) = CASE family(address) WHEN 4 THEN 32 ELSE 128 END),
        family smallint NOT NULL CHECK (family = family(address)),
        weight smallint NOT NULL DEFAULT 100 CHECK (weight BETWEEN 0 AND 100),
        region text,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (service_id, address)
      );
      CREATE INDEX backends_page_idx ON backends (service_id, created_at, id);

      -- IPv6 slots come from this sequence instead of a locked per-pool counter: a /48 pool has 2^64
      -- host ids, so gaps cost nothing and IPv6 picks never queue behind each other.
      CREATE SEQUENCE anycast_ipv6_slot_seq AS bigint MINVALUE 0 START 0;

      CREATE TABLE anycast_addresses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        pool_id uuid NOT NULL REFERENCES pools(id) ON DELETE RESTRICT,
        slot_index bigint NOT NULL CHECK (slot_index >= 0),
        address inet NOT NULL,
        family smallint NOT NULL CHECK (family = family(address)),
        service_id uuid REFERENCES services(id) ON DELETE SET NULL,
        state text NOT NULL CHECK (state IN ('assigned', 'quarantined')),
        assigned_at timestamptz NOT NULL DEFAULT now(),
        quarantined_until timestamptz,
        -- The database, not the code, guarantees no address is handed out twice.
        CONSTRAINT anycast_addresses_address_key UNIQUE (address),
        CONSTRAINT anycast_addresses_slot_key UNIQUE (pool_id, slot_index),
        CHECK (masklen(address) = CASE family(address) WHEN 4 THEN 32 ELSE 128 END),
        -- Never the .0 or .255 of an IPv4 /24.
        CONSTRAINT anycast_addresses_no_v4_edges CHECK (
          CASE WHEN family(address) = 4 THEN ((address - '0.0.0.0'::inet) % 256) NOT IN (0, 255) ELSE true END
        ),
        CHECK (state <> 'assigned' OR (service_id IS NOT NULL AND quarantined_until IS NULL)),
        CHECK (state <> 'quarantined' OR quarantined_until IS NOT NULL)
      );
      -- A service holds at most one address per pool (so its two IPv4 addresses are in two pools) and one IPv6 address.
      CREATE UNIQUE INDEX anycast_addresses_service_pool_key ON anycast_addresses (service_id, pool_id) WHERE state = 'assigned';
      CREATE UNIQUE INDEX anycast_addresses_service_v6_key ON anycast_addresses (service_id) WHERE state = 'assigned' AND family = 6;
      CREATE INDEX anycast_addresses_reusable_idx ON anycast_addresses (pool_id, quarantined_until) WHERE state = 'quarantined';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE anycast_addresses;
      DROP SEQUENCE anycast_ipv6_slot_seq;
      DROP TABLE backends;
      DROP TABLE services;
    `);
  }
}
