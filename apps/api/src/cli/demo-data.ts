import { AccountsRepository, ApiKeysRepository, DemoSeedRepository } from '@anyfront/db';
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

  const seedRepo = new DemoSeedRepository(ds.manager);
  for (const pop of DEMO.pops) await seedRepo.ensurePop(pop);
  const poolIds: string[] = [];
  for (const pool of DEMO.pools) {
    const parsed = parsePoolPrefix(pool.prefix, { allowDocumentation: true });
    if (!parsed.ok) throw new Error(`demo pool ${pool.prefix} ${parsed.message}`);
    poolIds.push(await seedRepo.ensurePool({ prefix: parsed.prefix, family: parsed.family, popCodes: pool.pops }));
  }

  const accounts = new AccountsRepository(ds.manager);
  let owner = await accounts.findUserByEmail(DEMO.owner.email);
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
    const m = await accounts.firstMembership(owner.id);
    if (!m) throw new Error(`demo owner ${DEMO.owner.email} belongs to no organization`);
    organizationId = m.organizationId;
  }
  const hash = hashApiKey(DEMO.apiKey);
  let key = await seedRepo.findApiKeyBySecretHash(hash);
  if (!key) {
    key = await new ApiKeysRepository(ds.manager).insert({
      organizationId,
      name: 'demo',
      role: 'owner',
      prefix: DEMO.apiKey.slice(0, 12),
      secretHash: hash,
      createdBy: owner.id,
    });
  }
  return { operatorId: operator.id, organizationId, ownerId: owner.id, apiKeyId: key.id, poolIds };
}
