import type { SqlRunner } from './sql';

/**
 * A backend inside an anycast pool or at an edge tunnel source points back into the platform. The
 * API refuses to create one, and refuses pools and edge nodes over existing ones; a backend that got
 * there anyway (a race, a hand-written row) is left out of every desired state, since the agent
 * would refuse the whole state because of it.
 */
export const PLATFORM_OWNED_BACKEND = `(EXISTS (SELECT 1 FROM pools p WHERE b.address <<= p.prefix)
  OR EXISTS (SELECT 1 FROM edge_nodes e WHERE b.address IN (e.tunnel_source_ipv4, e.tunnel_source_ipv6)))`;

/**
 * Tenant backends an operator change would put inside the platform (issue 8): a backend inside an
 * anycast pool, or at an edge node's tunnel source, makes the edges tunnel client traffic back into
 * Anyfront. The backend write checks this (BackendAddressPolicy); these are the re-checks for pool
 * and edge node writes.
 */
export async function backendsInsidePrefix(db: SqlRunner, prefix: string, limit = 5): Promise<{ total: number; addresses: string[] }> {
  const rows: Array<{ a: string; total: string }> = await db.query(
    `SELECT host(address) AS a, count(*) OVER () AS total FROM backends WHERE address <<= $1::inet ORDER BY address LIMIT $2`,
    [prefix, limit],
  );
  return { total: Number(rows[0]?.total ?? 0), addresses: rows.map((r) => r.a) };
}

/** Which of `addresses` are some tenant's backend. */
export async function backendAddressesAmong(db: SqlRunner, addresses: string[]): Promise<string[]> {
  if (!addresses.length) return [];
  const rows: Array<{ a: string }> = await db.query(`SELECT DISTINCT host(address) AS a FROM backends WHERE address = ANY($1::inet[])`, [addresses]);
  return rows.map((r) => r.a);
}
