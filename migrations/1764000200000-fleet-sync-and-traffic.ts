import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fleet sync (node credentials, per-node desired state and generation, drain, applied generation,
 * backend health) and traffic reporting (idempotent raw samples, hourly roll-ups per service and
 * per organization).
 */
export class FleetSyncAndTraffic1764000200000 implements MigrationInterface {
  name = 'FleetSyncAndTraffic1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- One row: the fleet-wide Maglev hash seed, random per installation, never changed afterwards
      -- (changing it would move every flow to another backend).
      CREATE TABLE fleet_settings (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        hash_seed bigint NOT NULL CHECK (hash_seed BETWEEN 0 AND 4294967295),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO fleet_settings (id, hash_seed) VALUES (1, floor(random() * 4294967296)::bigint);

      CREATE TABLE edge_node_bootstrap_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        edge_node_id uuid NOT NULL REFERENCES edge_nodes(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX edge_node_bootstrap_tokens_node_idx ON edge_node_bootstrap_tokens (edge_node_id);

      CREATE TABLE edge_node_credentials (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        edge_node_id uuid NOT NULL REFERENCES edge_nodes(id) ON DELETE CASCADE,
        secret_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz
      );
      CREATE INDEX edge_node_credentials_node_idx ON edge_node_credentials (edge_node_id) WHERE revoked_at IS NULL;

      -- Bumped by every change notification; a node is out of date while requested_seq > synced_seq.
      CREATE SEQUENCE fleet_change_seq AS bigint START 1;

      CREATE TABLE edge_node_fleet_states (
        edge_node_id uuid PRIMARY KEY REFERENCES edge_nodes(id) ON DELETE CASCADE,
        push_url text,
        push_token text,
        registered_at timestamptz,
        drained boolean NOT NULL DEFAULT false,
        -- Only grows: bumped in the transaction that stores a desired state with a new hash.
        generation bigint NOT NULL DEFAULT 0 CHECK (generation >= 0),
        state_hash text,
        desired_state jsonb,
        computed_at timestamptz,
        requested_seq bigint NOT NULL DEFAULT 0,
        synced_seq bigint NOT NULL DEFAULT 0,
        pushed_generation bigint NOT NULL DEFAULT 0,
        last_push_at timestamptz,
        last_push_error text,
        applied_generation bigint NOT NULL DEFAULT 0 CHECK (applied_generation >= 0),
        applied_at timestamptz,
        announced boolean,
        agent_drained boolean,
        programmed boolean,
        last_error text,
        last_heartbeat_at timestamptz
      );

      CREATE TABLE pop_fleet_states (
        pop_id uuid PRIMARY KEY REFERENCES pops(id) ON DELETE CASCADE,
        drained boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- The generation at which a service's part of a node's state last changed (deploy status).
      CREATE TABLE edge_node_service_generations (
        edge_node_id uuid NOT NULL REFERENCES edge_nodes(id) ON DELETE CASCADE,
        service_id uuid NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        generation bigint NOT NULL,
        content_hash text NOT NULL,
        PRIMARY KEY (edge_node_id, service_id)
      );
      CREATE INDEX edge_node_service_generations_service_idx ON edge_node_service_generations (service_id);

      CREATE TABLE edge_node_backend_health (
        edge_node_id uuid NOT NULL REFERENCES edge_nodes(id) ON DELETE CASCADE,
        backend_id uuid NOT NULL REFERENCES backends(id) ON DELETE CASCADE,
        service_id uuid NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        healthy boolean NOT NULL,
        reported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (edge_node_id, backend_id)
      );
      CREATE INDEX edge_node_backend_health_service_idx ON edge_node_backend_health (service_id);

      -- One row per agent report: the primary key makes a replayed or duplicated report count once.
      CREATE TABLE traffic_reports (
        edge_node_id uuid NOT NULL REFERENCES edge_nodes(id) ON DELETE CASCADE,
        sequence bigint NOT NULL CHECK (sequence >= 0),
        interval_start timestamptz NOT NULL,
        interval_seconds integer NOT NULL CHECK (interval_seconds BETWEEN 1 AND 3600),
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (edge_node_id, sequence)
      );
      CREATE INDEX traffic_reports_received_idx ON traffic_reports (received_at);

      -- Counter deltas; service and organization resolved when the report arrived (addresses move).
      CREATE TABLE traffic_samples (
        id bigserial PRIMARY KEY,
        edge_node_id uuid NOT NULL,
        sequence bigint NOT NULL,
        pop_id uuid NOT NULL,
        interval_start timestamptz NOT NULL,
        kind text NOT NULL CHECK (kind IN ('address', 'backend')),
        address inet,
        backend_id uuid,
        service_id uuid,
        organization_id uuid,
        bytes bigint NOT NULL CHECK (bytes >= 0),
        packets bigint NOT NULL CHECK (packets >= 0),
        received_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (edge_node_id, sequence) REFERENCES traffic_reports(edge_node_id, sequence) ON DELETE CASCADE,
        CHECK ((kind = 'address') = (address IS NOT NULL)),
        CHECK ((kind = 'backend') = (backend_id IS NOT NULL))
      );
      CREATE INDEX traffic_samples_service_idx ON traffic_samples (service_id, interval_start) WHERE service_id IS NOT NULL;
      CREATE INDEX traffic_samples_interval_idx ON traffic_samples (interval_start);
      CREATE INDEX traffic_samples_organization_idx ON traffic_samples (organization_id, interval_start) WHERE organization_id IS NOT NULL;
      CREATE INDEX traffic_samples_report_idx ON traffic_samples (edge_node_id, sequence);

      -- Hours with samples not yet rolled up (ingest and roll-up coordinate with an advisory lock per hour).
      CREATE TABLE traffic_dirty_hours (
        hour timestamptz PRIMARY KEY,
        touched_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE traffic_hourly (
        hour timestamptz NOT NULL,
        service_id uuid NOT NULL,
        pop_id uuid NOT NULL,
        organization_id uuid NOT NULL,
        bytes bigint NOT NULL,
        packets bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (hour, service_id, pop_id)
      );
      CREATE INDEX traffic_hourly_service_idx ON traffic_hourly (service_id, hour);

      CREATE TABLE organization_usage_hourly (
        organization_id uuid NOT NULL,
        hour timestamptz NOT NULL,
        bytes bigint NOT NULL,
        packets bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, hour)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE organization_usage_hourly;
      DROP TABLE traffic_hourly;
      DROP TABLE traffic_dirty_hours;
      DROP TABLE traffic_samples;
      DROP TABLE traffic_reports;
      DROP TABLE edge_node_backend_health;
      DROP TABLE edge_node_service_generations;
      DROP TABLE pop_fleet_states;
      DROP TABLE edge_node_fleet_states;
      DROP SEQUENCE fleet_change_seq;
      DROP TABLE edge_node_credentials;
      DROP TABLE edge_node_bootstrap_tokens;
      DROP TABLE fleet_settings;
    `);
  }
}
