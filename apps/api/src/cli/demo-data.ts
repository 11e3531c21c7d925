import { ApiKey, Membership, Organization, User } from '@anyfront/db';
import { DataSource } from 'typeorm';
import { DEMO } from '@anyfront/contracts';
import { parsePoolPrefix } from '../admin/pool-prefix';
import { createOrganizationWithOwner, upsertOperator } from '../auth/accounts';
import { hashApiKey } from '../auth/tokens';

export { DEMO };

export interface DemoSeedResult {
  operatorId: string;
  organizationId: string;
  ownerId: string;
  apiKeyId: string;
  poolIds: string[];
}

/** Idempotent: running it again changes nothing that exists and adds what is missing. */
export async function seedDemoData(ds: DataSource): Promise<DemoSeedResult> {
  const operator = await upsertOperator(ds.manager, DEMO.operator.email, DEMO.operator.password);

  for (const pop of DEMO.pops) {
    await ds.query('INSERT INTO pops (code, name, region) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING', [pop.code, pop.name, pop.region]);
  }
  const poolIds: string[] = [];
  for (const pool of DEMO.pools) {
    const parsed = parsePoolPrefix(pool.prefix, { allowDocumentation: true });
    if (!parsed.ok) throw new Error(`demo pool ${pool.prefix} ${parsed.message}`);
    await ds.query(`INSERT INTO pools (prefix, family, scope) VALUES ($1, $2, 'global') ON CONFLICT (prefix) DO NOTHING`, [parsed.prefix, parsed.family]);
    const [{ id }] = await ds.query('SELECT id FROM pools WHERE prefix = $1', [parsed.prefix]);
    await ds.query(
      'INSERT INTO pool_pops (pool_id, pop_id) SELECT $1, id FROM pops WHERE code = ANY($2) ON CONFLICT DO NOTHING',
      [id, pool.pops],
    );
    poolIds.push(id);
  }

  let owner = await ds.getRepository(User).createQueryBuilder('u').where('lower(u.email) = :e', { e: DEMO.owner.email }).getOne();
  let organizationId: string;
  if (!owner) {
    const created = await createOrganizationWithOwner(ds.manager, {
      email: DEMO.owner.email,
      password: DEMO.owner.password,
      organizationName: DEMO.owner.organization,
    });
    owner = created.user;
    organizationId = created.organization.id;
  } else {
    const m = await ds.getRepository(Membership).findOneByOrFail({ userId: owner.id });
    organizationId = m.organizationId;
  }
  await ds.getRepository(Organization).findOneByOrFail({ id: organizationId });
  const hash = hashApiKey(DEMO.apiKey);
  let key = await ds.getRepository(ApiKey).findOneBy({ secretHash: hash });
  if (!key) {
    key = await ds.getRepository(ApiKey).save({
      organizationId,
      name: 'demo',
      role: 'owner',
      prefix: DEMO.apiKey.slice(0, 12),
      secretHash: hash,
      createdBy: owner.id,
      lastUsedAt: null,
      revokedAt: null,
    });
  }
  return { operatorId: operator.id, organizationId, ownerId: owner.id, apiKeyId: key.id, poolIds };
}
