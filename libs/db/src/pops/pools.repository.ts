import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { Pool } from '../entities/pool.entity';
import { Pop } from '../entities/pop.entity';
import { keysetPage, type PageRequest, type PageRows } from '../pagination';

/** Assigned and still-quarantined addresses of a pool (rows of anycast_addresses). */
export interface PoolUsage {
  assigned: number;
  quarantined: number;
}

/**
 * Address pools with their PoP sets. Pass the transaction's EntityManager for writes; an
 * overlapping concurrent insert surfaces as the exclusion (or unique) violation for the caller to
 * explain, a delete of a pool still referenced as the foreign-key violation.
 */
export class PoolsRepository {
  constructor(private readonly db: EntityManager) {}

  /** The prefix of an existing pool sharing addresses with `prefix`, or null. */
  async overlapping(prefix: string): Promise<string | null> {
    const rows: Array<{ prefix: string }> = await this.db.query('SELECT prefix FROM pools WHERE prefix && $1::cidr LIMIT 1', [prefix]);
    return rows[0]?.prefix ?? null;
  }

  create(values: Pick<Pool, 'prefix' | 'family' | 'scope' | 'region' | 'state' | 'pops'>): Promise<Pool> {
    return this.db.save(this.db.create(Pool, values));
  }

  /** Pools with their PoPs in creation order. */
  page(req: PageRequest): Promise<PageRows<Pool>> {
    return keysetPage(this.db.getRepository(Pool).createQueryBuilder('pool').leftJoinAndSelect('pool.pops', 'pop'), req);
  }

  findWithPops(id: string): Promise<Pool | null> {
    return this.db.findOne(Pool, { where: { id }, relations: { pops: true } });
  }

  /** The pool locked for a change (FOR UPDATE, without its PoPs), or null. */
  lock(id: string): Promise<Pool | null> {
    return this.db.findOne(Pool, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** The PoPs the pool is announced from now. */
  async pops(poolId: string): Promise<Pop[]> {
    const rows: Array<{ pop_id: string }> = await this.db.query('SELECT pop_id FROM pool_pops WHERE pool_id = $1', [poolId]);
    return this.findPops(rows.map((r) => r.pop_id));
  }

  /** The PoPs of these ids that exist (the caller names the missing ones). */
  findPops(ids: string[]): Promise<Pop[]> {
    return ids.length ? this.db.find(Pop, { where: { id: In(ids) } }) : Promise.resolve([]);
  }

  /** Saves the pool's columns and its PoP set. */
  save(pool: Pool): Promise<Pool> {
    return this.db.save(pool);
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(Pool, { id });
  }

  /**
   * Assigned and still-quarantined addresses per pool. With `allRows`, every quarantined row
   * counts, also expired ones (they still reference the pool).
   */
  async usage(ids: string[], allRows = false): Promise<Map<string, PoolUsage>> {
    if (!ids.length) return new Map();
    const rows: Array<{ pool_id: string; assigned: number; quarantined: number }> = await this.db.query(
      `SELECT pool_id,
              count(*) FILTER (WHERE state = 'assigned')::int AS assigned,
              count(*) FILTER (WHERE state = 'quarantined' AND ($2 OR quarantined_until > now()))::int AS quarantined
         FROM anycast_addresses WHERE pool_id = ANY($1::uuid[]) GROUP BY pool_id`,
      [ids, allRows],
    );
    return new Map(rows.map((r) => [r.pool_id, { assigned: r.assigned, quarantined: r.quarantined }]));
  }
}
