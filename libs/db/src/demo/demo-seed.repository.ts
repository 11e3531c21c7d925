import type { EntityManager } from 'typeorm';
import { ApiKey } from '../entities/api-key.entity';

/**
 * The writes of the local demo seed that no tenant or operator route makes: PoPs and pools by their
 * natural keys, idempotently (a second run adds what is missing and changes nothing else).
 */
export class DemoSeedRepository {
  constructor(private readonly db: EntityManager) {}

  async ensurePop(pop: { code: string; name: string; region: string }): Promise<void> {
    await this.db.query('INSERT INTO pops (code, name, region) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING', [pop.code, pop.name, pop.region]);
  }

  /** The global pool of this prefix announced from these PoPs (created when missing); its id. */
  async ensurePool(pool: { prefix: string; family: 4 | 6; popCodes: readonly string[] }): Promise<string> {
    await this.db.query(`INSERT INTO pools (prefix, family, scope) VALUES ($1, $2, 'global') ON CONFLICT (prefix) DO NOTHING`, [pool.prefix, pool.family]);
    const [row] = await this.db.query<Array<{ id: string }>>('SELECT id FROM pools WHERE prefix = $1', [pool.prefix]);
    if (!row) throw new Error(`pool ${pool.prefix} vanished after its upsert`);
    await this.db.query('INSERT INTO pool_pops (pool_id, pop_id) SELECT $1, id FROM pops WHERE code = ANY($2) ON CONFLICT DO NOTHING', [row.id, pool.popCodes]);
    return row.id;
  }

  findApiKeyBySecretHash(secretHash: string): Promise<ApiKey | null> {
    return this.db.findOneBy(ApiKey, { secretHash });
  }
}
