import { MigrationInterface, QueryRunner } from 'typeorm';

/** Accounts (organizations, users, memberships, sessions, API keys), fleet (PoPs, pools, edge nodes), audit log, idempotency keys. */
export class AccountsAndFleet1764000000000 implements MigrationInterface {
  name = 'AccountsAndFleet1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        password_hash text NOT NULL,
        is_operator boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
      CREATE TABLE memberships (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'member')),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, organization_id)
      );
      CREATE INDEX memberships_organization_idx ON memberships (organization_id);
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX sessions_user_idx ON sessions (user_id);
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('owner', 'member')),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX api_keys_organization_idx ON api_keys (organization_id, created_at, id);

      CREATE TABLE pops (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        region text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE pools (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        prefix cidr NOT NULL UNIQUE,
        family smallint NOT NULL CHECK (family IN (4, 6)),
        scope text NOT NULL CHECK (scope IN ('global', 'regional')),
        region text,
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'draining', 'disabled')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (family(prefix) = family),
        CHECK ((family = 4 AND masklen(prefix) = 24) OR (family = 6 AND masklen(prefix) = 48)),
        CHECK ((scope = 'regional') = (region IS NOT NULL)),
        -- Two pools may never share an address, even when created concurrently.
        CONSTRAINT pools_no_overlap EXCLUDE USING gist (prefix inet_ops WITH &&)
      );
      CREATE TABLE pool_pops (
        pool_id uuid NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
        pop_id uuid NOT NULL REFERENCES pops(id) ON DELETE RESTRICT,
        PRIMARY KEY (pool_id, pop_id)
      );
      CREATE INDEX pool_pops_pop_idx ON pool_pops (pop_id);
      CREATE TABLE edge_nodes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        pop_id uuid NOT NULL REFERENCES pops(id) ON DELETE RESTRICT,
        name text NOT NULL UNIQUE,
        tunnel_source_ipv4 inet CHECK (tunnel_source_ipv4 IS NULL OR (family(tunnel_source_ipv4) = 4 AND masklen(tunnel_source_ipv4) = 32)),
        tunnel_source_ipv6 inet CHECK (tunnel_source_ipv6 IS NULL OR (family(tunnel_source_ipv6) = 6 AND masklen(tunnel_source_ipv6) = 128)),
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'draining', 'disabled')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (tunnel_source_ipv4 IS NOT NULL OR tunnel_source_ipv6 IS NOT NULL)
      );
      CREATE INDEX edge_nodes_pop_idx ON edge_nodes (pop_id);
      CREATE UNIQUE INDEX edge_nodes_tunnel_source_ipv4_key ON edge_nodes (tunnel_source_ipv4) WHERE tunnel_source_ipv4 IS NOT NULL;
      CREATE UNIQUE INDEX edge_nodes_tunnel_source_ipv6_key ON edge_nodes (tunnel_source_ipv6) WHERE tunnel_source_ipv6 IS NOT NULL;

      CREATE TABLE audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        actor_user_id uuid,
        actor_credential text NOT NULL,
        credential_id uuid,
        organization_id uuid,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      );
      CREATE INDEX audit_log_organization_idx ON audit_log (organization_id, created_at);
      CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);

      CREATE TABLE idempotency_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope text NOT NULL,
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        request_hash text NOT NULL,
        response_status integer,
        response_body jsonb,
        response_headers jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        UNIQUE (scope, key)
      );
      CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE idempotency_keys;
      DROP TABLE audit_log;
      DROP TABLE edge_nodes;
      DROP TABLE pool_pops;
      DROP TABLE pools;
      DROP TABLE pops;
      DROP TABLE api_keys;
      DROP TABLE sessions;
      DROP TABLE memberships;
      DROP TABLE users;
      DROP TABLE organizations;
    `);
  }
}
