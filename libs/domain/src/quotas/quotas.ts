/**
 * Per-organization quotas (issue 8): what one tenant may hold of the platform's scarce things — the
 * shared IPv4 /24s above all, and the edges' data-plane tables (backends become fwmarks and nft
 * elements on every edge of the service's PoPs).
 */
export const QUOTA_NAMES = ['services', 'ipv4_addresses', 'backends_per_service', 'backends_per_organization', 'api_keys'] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];
export type Quotas = Record<QuotaName, number>;
/** A partial set of limits from one source (an operator's override, later a billing plan). */
export type QuotaLimits = Partial<Quotas>;

export const QUOTA_DESCRIPTIONS: Record<QuotaName, string> = {
  services: 'live services',
  ipv4_addresses: 'IPv4 anycast addresses, held or in quarantine after a delete',
  backends_per_service: 'backends of one service',
  backends_per_organization: 'backends across all services',
  api_keys: 'active API keys',
};

/** Largest value a limit may be set to (keeps arithmetic and the database's integers safe). */
export const MAX_QUOTA = 1_000_000;

export type QuotaSource = 'default' | 'plan' | 'override';

export interface EffectiveQuota {
  limit: number;
  source: QuotaSource;
}

/**
 * The one place that decides an organization's limits: the deployment's defaults (config), then
 * its billing plan's (when billing supplies them), then an operator's per-organization override.
 */
export function effectiveQuotas(sources: { defaults: Quotas; plan?: QuotaLimits | null; override?: QuotaLimits | null }): Record<QuotaName, EffectiveQuota> {
  const out = {} as Record<QuotaName, EffectiveQuota>;
  for (const name of QUOTA_NAMES) {
    const override = sources.override?.[name];
    const plan = sources.plan?.[name];
    out[name] =
      override !== undefined ? { limit: override, source: 'override' } : plan !== undefined ? { limit: plan, source: 'plan' } : { limit: sources.defaults[name], source: 'default' };
  }
  return out;
}

/** Reads stored overrides defensively (jsonb written by older code or by hand): keeps only valid limits. */
export function parseQuotaLimits(raw: unknown): QuotaLimits {
  const out: QuotaLimits = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const name of QUOTA_NAMES) {
    const v = (raw as Record<string, unknown>)[name];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_QUOTA) out[name] = v;
  }
  return out;
}

/** Applies a change (a number sets, null removes) to stored overrides. */
export function applyQuotaChange(current: QuotaLimits, change: Partial<Record<QuotaName, number | null>>): QuotaLimits {
  const next: QuotaLimits = { ...current };
  for (const name of QUOTA_NAMES) {
    const v = change[name];
    if (v === null) delete next[name];
    else if (v !== undefined) next[name] = v;
  }
  return next;
}

export interface QuotaExceeded {
  quota: QuotaName;
  limit: number;
  used: number;
  requested: number;
}

/** Null when `used + requested` fits within the limit. */
export function checkQuota(quota: QuotaName, limit: number, used: number, requested = 1): QuotaExceeded | null {
  return used + requested > limit ? { quota, limit, used, requested } : null;
}

export function quotaExceededMessage(e: QuotaExceeded): string {
  const what = QUOTA_DESCRIPTIONS[e.quota];
  return `This would exceed the organization's quota "${e.quota}" (${what}): ${e.used} used of ${e.limit}, this request needs ${e.requested} more. Remove some, or ask an operator to raise the quota.`;
}
