import { randomPoolPrefix, uniqueSuffix } from './unique';

/** A TypeORM DataSource or EntityManager (query resolves to the rows) or a pg Pool or Client (to `{ rows }`). */
interface Db {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(sql: string, params?: unknown[]): Promise<any>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

/** A pool with fixed prefix and PoP set (by code) for a scratch database. */
export interface PoolSpec {
  prefix: string;
  pops: string[];
  scope?: 'global' | 'regional';
}

/**
 * Fleet test data (PoPs, pools with PoP sets, edge nodes, organizations, pending or active services
 * with addresses and backends) written straight to Postgres; cleanup() removes everything it made.
 * In a database shared with other suites use pop()/pool() (unique codes, random prefixes); in a
 * scratch database seedPools() with fixed prefixes.
 */
export class FleetFixtures {
  readonly popIds: string[] = [];
  readonly poolIds: string[] = [];
  readonly nodeIds: string[] = [];
  readonly serviceIds: string[] = [];

  private octet = 20;

  constructor(private readonly db: Db) {}

  private async rows(sql: string, params?: unknown[]): Promise<Row[]> {
    const r = await this.db.query(sql, params);
    return (Array.isArray(r) ? r : r.rows) as Row[];
  }

  private async one(sql: string, params?: unknown[]): Promise<Row> {
    const [row] = await this.rows(sql, params);
    if (!row) throw new Error(`no row from: ${sql}`);
    return row;
  }

  async pop(): Promise<{ id: string; code: string }> {
    const code = `f${uniqueSuffix()}`;
    const r = await this.one(`INSERT INTO pops (code, name, region) VALUES ($1, $1, 'eu') RETURNING id`, [code]);
    this.popIds.push(r.id);
    return { id: r.id, code };
  }

  async pool(popIds: string[], family: 4 | 6 = 4): Promise<{ id: string; prefix: string }> {
    const prefix = randomPoolPrefix(family);
    // Draining: still announced (so in desired states) but never given to new services, so slot
    // assignment for other tests' services sharing the database cannot change these nodes' states.
    const r = await this.one(`INSERT INTO pools (prefix, family, scope, state) VALUES ($1, $2, 'global', 'draining') RETURNING id, prefix::text AS prefix`, [prefix, family]);
    await this.rows(`INSERT INTO pool_pops (pool_id, pop_id) SELECT $1, unnest($2::uuid[])`, [r.id, popIds]);
    this.poolIds.push(r.id);
    return { id: r.id, prefix: r.prefix };
  }

  async node(popId: string): Promise<string> {
    const n = this.nodeIds.length + 1;
    const v6 = `fd00:f6:${uniqueSuffix().slice(0, 4)}::${n}`;
    const r = await this.one(`INSERT INTO edge_nodes (pop_id, name, tunnel_source_ipv6) VALUES ($1, $2, $3) RETURNING id`, [popId, `edge-${uniqueSuffix()}`, v6]);
    this.nodeIds.push(r.id);
    return r.id;
  }

  /** PoPs by code (made when missing) and active pools with exactly these prefixes; ids by prefix. */
  async seedPools(specs: PoolSpec[]): Promise<Map<string, string>> {
    for (const code of new Set(specs.flatMap((p) => p.pops))) {
      const made = await this.rows(`INSERT INTO pops (code, name, region) VALUES ($1, $1, 'eu') ON CONFLICT (code) DO NOTHING RETURNING id`, [code]);
      this.popIds.push(...made.map((r) => r.id as string));
    }
    const ids = new Map<string, string>();
    for (const p of specs) {
      const scope = p.scope ?? 'global';
      const r = await this.one(`INSERT INTO pools (prefix, family, scope, region) VALUES ($1, $2, $3, $4) RETURNING id`, [
        p.prefix, p.prefix.includes(':') ? 6 : 4, scope, scope === 'regional' ? 'eu' : null,
      ]);
      await this.rows(`INSERT INTO pool_pops (pool_id, pop_id) SELECT $1, id FROM pops WHERE code = ANY($2::text[])`, [r.id, p.pops]);
      this.poolIds.push(r.id);
      ids.set(p.prefix, r.id);
    }
    return ids;
  }

  async organization(name = `Org ${uniqueSuffix()}`): Promise<string> {
    const r = await this.one(`INSERT INTO organizations (name) VALUES ($1) RETURNING id`, [name]);
    return r.id;
  }

  /** A pending service row (TCP 443), as the API creates it before slot assignment. */
  async pendingService(organizationId: string, name = `svc-${uniqueSuffix()}`): Promise<string> {
    const r = await this.one(
      `INSERT INTO services (organization_id, name, listeners, health_check)
       VALUES ($1, $2, '[{"protocol":"tcp","ports":"443"}]',
               '{"protocol":"tcp","port":443,"path":null,"interval_seconds":10,"timeout_seconds":5,"healthy_threshold":3,"unhealthy_threshold":3}')
       RETURNING id`,
      [organizationId, name],
    );
    this.serviceIds.push(r.id);
    return r.id;
  }

  /** An active service with one address in each given pool and the given backends. */
  async service(organizationId: string, pools: { id: string; prefix: string }[], backends: string[] = ['2001:db8::1']): Promise<{ id: string; addresses: string[]; backendIds: string[] }> {
    const s = await this.one(
      `INSERT INTO services (organization_id, name, listeners, health_check, status)
       VALUES ($1, $2, '[{"protocol":"tcp","ports":"80"}]',
               '{"protocol":"tcp","port":80,"path":null,"interval_seconds":10,"timeout_seconds":5,"healthy_threshold":3,"unhealthy_threshold":3}', 'active')
       RETURNING id`,
      [organizationId, `svc-${uniqueSuffix()}`],
    );
    this.serviceIds.push(s.id);
    const addresses: string[] = [];
    for (const p of pools) {
      const slot = this.octet++;
      const address = p.prefix.includes(':') ? `${p.prefix.split('/')[0]}${slot.toString(16)}` : p.prefix.replace(/\.0\/24$/, `.${slot}`);
      await this.rows(
        `INSERT INTO anycast_addresses (pool_id, slot_index, address, family, service_id, state) VALUES ($1, $2, $3, $4, $5, 'assigned')`,
        [p.id, slot, address, p.prefix.includes(':') ? 6 : 4, s.id],
      );
      addresses.push(address);
    }
    const backendIds: string[] = [];
    for (const b of backends) backendIds.push(await this.backend(s.id, b));
    return { id: s.id, addresses, backendIds };
  }

  async backend(serviceId: string, address: string, enabled = true): Promise<string> {
    const b = await this.one(
      `INSERT INTO backends (service_id, address, family, enabled) VALUES ($1, $2, $3, $4) RETURNING id`,
      [serviceId, address, address.includes(':') ? 6 : 4, enabled],
    );
    return b.id;
  }

  async cleanup(): Promise<void> {
    await this.rows(`DELETE FROM traffic_reports WHERE edge_node_id = ANY($1::uuid[])`, [this.nodeIds]);
    await this.rows(`DELETE FROM traffic_hourly WHERE service_id = ANY($1::uuid[])`, [this.serviceIds]);
    await this.rows(`DELETE FROM anycast_addresses WHERE pool_id = ANY($1::uuid[])`, [this.poolIds]);
    await this.rows(`DELETE FROM services WHERE id = ANY($1::uuid[])`, [this.serviceIds]);
    await this.rows(`DELETE FROM pools WHERE id = ANY($1::uuid[])`, [this.poolIds]);
    await this.rows(`DELETE FROM edge_nodes WHERE id = ANY($1::uuid[])`, [this.nodeIds]);
    await this.rows(`DELETE FROM pops WHERE id = ANY($1::uuid[])`, [this.popIds]);
  }
}
