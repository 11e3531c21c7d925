import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  applyQuotaChange,
  checkQuota,
  effectiveQuotas,
  IPV4_ADDRESSES_PER_SERVICE,
  parseQuotaLimits,
  QUOTA_NAMES,
  quotaExceededMessage,
  type EffectiveQuota,
  type QuotaName,
} from '@anyfront/domain';
import { ProblemException, problems } from '../common/problem';
import { AppConfig } from '../config';

export interface QuotaView extends EffectiveQuota {
  used: number;
}

/**
 * Per-organization quotas: limits from effectiveQuotas (config defaults, later the billing plan,
 * then an operator's override stored on the organization) and usage counted from the tables.
 * `reserve` runs inside the caller's write transaction and locks the organization row, so two
 * concurrent creates cannot both take the last unit.
 */
@Injectable()
export class QuotasService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Throws 403 `quota-exceeded` naming the quota when `requested` more would not fit. */
  async reserve(tx: EntityManager, orgId: string, quota: QuotaName, requested = 1, serviceId?: string): Promise<void> {
    const overrides = await this.overrides(tx, orgId, true);
    const { limit } = effectiveQuotas({ defaults: this.config.quotas, override: overrides })[quota];
    const used = await this.used(tx, orgId, quota, serviceId);
    const exceeded = checkQuota(quota, limit, used, requested);
    if (exceeded) {
      throw new ProblemException(HttpStatus.FORBIDDEN, quotaExceededMessage(exceeded), {
        slug: 'quota-exceeded',
        title: 'Quota exceeded',
        errors: [{ field: `quota.${quota}`, message: `${used} of ${limit} used; ${requested} more requested` }],
      });
    }
  }

  /** Every quota with its limit, where the limit comes from, and the current use. */
  async view(orgId: string): Promise<Record<QuotaName, QuotaView>> {
    const overrides = await this.overrides(this.ds.manager, orgId);
    const effective = effectiveQuotas({ defaults: this.config.quotas, override: overrides });
    const out = {} as Record<QuotaName, QuotaView>;
    for (const name of QUOTA_NAMES) {
      // backends_per_service: the fullest service is what matters.
      out[name] = { ...effective[name], used: await this.used(this.ds.manager, orgId, name) };
    }
    return out;
  }

  /** Operator change: a number sets an override, null returns to the default. */
  async setOverrides(tx: EntityManager, orgId: string, change: Partial<Record<QuotaName, number | null>>): Promise<void> {
    const next = applyQuotaChange(await this.overrides(tx, orgId, true), change);
    await tx.query('UPDATE organizations SET quota_overrides = $2::jsonb WHERE id = $1', [orgId, JSON.stringify(next)]);
  }

  private async overrides(m: EntityManager, orgId: string, lock = false) {
    // NO KEY UPDATE: serialises reservations of one organization without blocking inserts that
    // reference it (a member's login session, an API key, an audit row) for the whole write.
    const rows: Array<{ quota_overrides: unknown }> = await m.query(`SELECT quota_overrides FROM organizations WHERE id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`, [orgId]);
    if (!rows[0]) throw problems.notFound('organization', orgId);
    return parseQuotaLimits(rows[0].quota_overrides);
  }

  private async used(m: EntityManager, orgId: string, quota: QuotaName, serviceId?: string): Promise<number> {
    const one = async (sql: string, params: unknown[]) => (await m.query<Array<{ n: number }>>(sql, params))[0]?.n ?? 0;
    switch (quota) {
      case 'services':
        // A deleting service is on its way out: it frees its place (and its name) at once.
        return one(`SELECT count(*)::int AS n FROM services WHERE organization_id = $1 AND deleted_at IS NULL AND status <> 'deleting'`, [orgId]);
      case 'ipv4_addresses':
        // Every live service holds (or is about to get) its IPv4 addresses; a deleted service's stay
        // the organization's while quarantined, so deleting and re-creating cannot drain a pool.
        return one(
          `SELECT ((SELECT count(*) FROM services WHERE organization_id = $1 AND deleted_at IS NULL) * $2
                 + (SELECT count(*) FROM anycast_addresses a JOIN services s ON s.id = a.service_id
                     WHERE s.organization_id = $1 AND s.deleted_at IS NOT NULL AND a.family = 4
                       AND a.state = 'quarantined' AND a.quarantined_until > now()))::int AS n`,
          [orgId, IPV4_ADDRESSES_PER_SERVICE],
        );
      case 'backends_per_service':
        return serviceId
          ? one('SELECT count(*)::int AS n FROM backends WHERE service_id = $1', [serviceId])
          : one(
              `SELECT coalesce(max(c), 0)::int AS n FROM (SELECT count(*) AS c FROM backends b JOIN services s ON s.id = b.service_id
                WHERE s.organization_id = $1 AND s.deleted_at IS NULL AND s.status <> 'deleting' GROUP BY b.service_id) x`,
              [orgId],
            );
      case 'backends_per_organization':
        return one(
          `SELECT count(*)::int AS n FROM backends b JOIN services s ON s.id = b.service_id WHERE s.organization_id = $1 AND s.deleted_at IS NULL AND s.status <> 'deleting'`,
          [orgId],
        );
      case 'api_keys':
        return one('SELECT count(*)::int AS n FROM api_keys WHERE organization_id = $1 AND revoked_at IS NULL', [orgId]);
    }
  }
}
