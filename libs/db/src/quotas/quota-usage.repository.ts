import type { QuotaLimits, QuotaName } from '@anyfront/domain';
import type { EntityManager } from 'typeorm';

/** Quota overrides stored on the organization and the counts the quotas limit. */
export class QuotaUsageRepository {
  constructor(private readonly db: EntityManager) {}

  /**
   * The organization's stored overrides (unparsed jsonb), or undefined when it does not exist.
   * `lock` takes FOR NO KEY UPDATE: it serialises reservations of one organization without blocking
   * inserts that reference it (a member's login session, an API key, an audit row) for the whole write.
   */
  async overrides(organizationId: string, lock = false): Promise<unknown> {
    const rows: Array<{ quota_overrides: unknown }> = await this.db.query(`SELECT quota_overrides FROM organizations WHERE id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`, [organizationId]);
    return rows[0] ? rows[0].quota_overrides : undefined;
  }

  async setOverrides(organizationId: string, overrides: QuotaLimits): Promise<void> {
    await this.db.query('UPDATE organizations SET quota_overrides = $2::jsonb WHERE id = $1', [organizationId, JSON.stringify(overrides)]);
  }

  /** How much of one quota the organization uses; backends_per_service counts `serviceId`'s backends, or the fullest service's. */
  async used(organizationId: string, quota: QuotaName, opts: { ipv4PerService: number; serviceId?: string }): Promise<number> {
    const one = async (sql: string, params: unknown[]) => (await this.db.query<Array<{ n: number }>>(sql, params))[0]?.n ?? 0;
    switch (quota) {
      case 'services':
        // A deleting service is on its way out: it frees its place (and its name) at once.
        return one(`SELECT count(*)::int AS n FROM services WHERE organization_id = $1 AND deleted_at IS NULL AND status <> 'deleting'`, [organizationId]);
      case 'ipv4_addresses':
        // Every live service holds (or is about to get) its IPv4 addresses; a deleted service's stay
        // the organization's while quarantined, so deleting and re-creating cannot drain a pool.
        return one(
          `SELECT ((SELECT count(*) FROM services WHERE organization_id = $1 AND deleted_at IS NULL) * $2
                 + (SELECT count(*) FROM anycast_addresses a JOIN services s ON s.id = a.service_id
                     WHERE s.organization_id = $1 AND s.deleted_at IS NOT NULL AND a.family = 4
                       AND a.state = 'quarantined' AND a.quarantined_until > now()))::int AS n`,
          [organizationId, opts.ipv4PerService],
        );
      case 'backends_per_service':
        return opts.serviceId
          ? one('SELECT count(*)::int AS n FROM backends WHERE service_id = $1', [opts.serviceId])
          : one(
              `SELECT coalesce(max(c), 0)::int AS n FROM (SELECT count(*) AS c FROM backends b JOIN services s ON s.id = b.service_id
                WHERE s.organization_id = $1 AND s.deleted_at IS NULL AND s.status <> 'deleting' GROUP BY b.service_id) x`,
              [organizationId],
            );
      case 'backends_per_organization':
        return one(
          `SELECT count(*)::int AS n FROM backends b JOIN services s ON s.id = b.service_id WHERE s.organization_id = $1 AND s.deleted_at IS NULL AND s.status <> 'deleting'`,
          [organizationId],
        );
      case 'api_keys':
        return one('SELECT count(*)::int AS n FROM api_keys WHERE organization_id = $1 AND revoked_at IS NULL', [organizationId]);
    }
  }
}
