import type { OrganizationRole } from '@anyfront/contracts';
import type { EntityManager } from 'typeorm';
import { ApiKey } from '../entities/api-key.entity';
import { keysetPage, type PageRequest, type PageRows } from '../pagination';

/** What an API key's secret resolves to, with its creator's standing in the organization now. */
export interface ApiKeyPrincipalRow {
  id: string;
  organization_id: string;
  role: OrganizationRole;
  created_by: string | null;
  /** The creator's current role in the key's organization; null once the creator left it. */
  creator_role: OrganizationRole | null;
  creator_is_operator: boolean | null;
}

/** API keys of organizations (only their SHA-256 secret hashes are stored). */
export class ApiKeysRepository {
  constructor(private readonly db: EntityManager) {}

  insert(values: Pick<ApiKey, 'organizationId' | 'name' | 'role' | 'prefix' | 'secretHash' | 'createdBy'>): Promise<ApiKey> {
    return this.db.save(this.db.create(ApiKey, { ...values, lastUsedAt: null, revokedAt: null }));
  }

  page(organizationId: string, req: PageRequest): Promise<PageRows<ApiKey>> {
    return keysetPage(this.db.getRepository(ApiKey).createQueryBuilder('k').where('k.organization_id = :organizationId', { organizationId }), req);
  }

  /** The organization's key locked for a change, or null. */
  lock(organizationId: string, id: string): Promise<ApiKey | null> {
    return this.db.findOne(ApiKey, { where: { id, organizationId }, lock: { mode: 'pessimistic_write' } });
  }

  async revoke(id: string): Promise<void> {
    await this.db.update(ApiKey, { id }, { revokedAt: () => 'now()' });
  }

  /** Revokes the keys a member created in the organization; their ids in creation order. */
  async revokeCreatedBy(organizationId: string, userId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `WITH r AS (UPDATE api_keys SET revoked_at = now() WHERE organization_id = $1 AND created_by = $2 AND revoked_at IS NULL RETURNING id, created_at)
       SELECT id FROM r ORDER BY created_at, id`,
      [organizationId, userId],
    );
    return rows.map((r) => r.id);
  }

  /** The live key with this secret hash, or null; marks it used (at most once a minute, so busy keys do not turn every read into a write). */
  async principal(secretHash: string): Promise<ApiKeyPrincipalRow | null> {
    const rows: ApiKeyPrincipalRow[] = await this.db.query(
      `WITH k AS (
         SELECT a.id, a.organization_id, a.role, a.last_used_at, a.created_by, m.role AS creator_role, u.is_operator AS creator_is_operator
           FROM api_keys a
           LEFT JOIN memberships m ON m.user_id = a.created_by AND m.organization_id = a.organization_id
           LEFT JOIN users u ON u.id = a.created_by
          WHERE a.secret_hash = $1 AND a.revoked_at IS NULL
       ), touch AS (
         UPDATE api_keys a SET last_used_at = now() FROM k
          WHERE a.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '60 seconds')
       )
       SELECT id, organization_id, role, created_by, creator_role, creator_is_operator FROM k`,
      [secretHash],
    );
    return rows[0] ?? null;
  }
}
