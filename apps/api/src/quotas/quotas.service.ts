import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { QuotaUsageRepository } from '@anyfront/db';
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
    await new QuotaUsageRepository(tx).setOverrides(orgId, next);
  }

  private async overrides(m: EntityManager, orgId: string, lock = false) {
    const stored = await new QuotaUsageRepository(m).overrides(orgId, lock);
    if (stored === undefined) throw problems.notFound('organization', orgId);
    return parseQuotaLimits(stored);
  }

  private used(m: EntityManager, orgId: string, quota: QuotaName, serviceId?: string): Promise<number> {
    return new QuotaUsageRepository(m).used(orgId, quota, { ipv4PerService: IPV4_ADDRESSES_PER_SERVICE, serviceId });
  }
}
