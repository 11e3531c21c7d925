import type { Pool as PgPool } from 'pg';

export interface PoolSpec {
  prefix: string;
  pops: string[];
  scope?: 'global' | 'regional';
}

/** Inserts PoPs (by code) and global pools with their PoP sets; returns pool ids by prefix. */
export async function seedPools(db: PgPool, pools: PoolSpec[]): Promise<Map<string, string>> {
  const codes = [...new Set(pools.flatMap((p) => p.pops))];
  for (const code of codes) {
    await db.query(`INSERT INTO pops (code, name, region) VALUES ($1, $1, 'eu') ON CONFLICT (code) DO NOTHING`, [code]);
  }
  const ids = new Map<string, string>();
  for (const p of pools) {
    const family = p.prefix.includes(':') ? 6 : 4;
    const scope = p.scope ?? 'global';
    const { rows } = await db.query(
      `INSERT INTO pools (prefix, family, scope, region) VALUES ($1, $2, $3, $4) RETURNING id`,
      [p.prefix, family, scope, scope === 'regional' ? 'eu' : null],
    );
    ids.set(p.prefix, rows[0].id);
    await db.query(
      `INSERT INTO pool_pops (pool_id, pop_id) SELECT $1, id FROM pops WHERE code = ANY($2::text[])`,
      [rows[0].id, p.pops],
    );
  }
  return ids;
}

export async function createOrganization(db: PgPool, name = 'test org'): Promise<string> {
  const { rows } = await db.query(`INSERT INTO organizations (name) VALUES ($1) RETURNING id`, [name]);
  return rows[0].id;
}

/** A pending service row, as the API creates it. */
export async function createPendingService(db: PgPool, organizationId: string, name: string): Promise<string> {
  const { rows } = await db.query(
    `INSERT INTO services (organization_id, name, listeners, health_check)
     VALUES ($1, $2, '[{"protocol":"tcp","ports":"443"}]',
             '{"protocol":"tcp","port":443,"path":null,"interval_seconds":10,"timeout_seconds":5,"healthy_threshold":3,"unhealthy_threshold":3}')
     RETURNING id`,
    [organizationId, name],
  );
  return rows[0].id;
}
