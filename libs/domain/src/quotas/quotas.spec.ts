import { applyQuotaChange, checkQuota, effectiveQuotas, parseQuotaLimits, quotaExceededMessage, type Quotas } from './quotas';

const defaults: Quotas = { services: 10, ipv4_addresses: 24, backends_per_service: 64, backends_per_organization: 256, api_keys: 25 };

describe('quotas', () => {
  it('effective limits: override over plan over default, each with its source', () => {
    const q = effectiveQuotas({ defaults, plan: { services: 25, api_keys: 2 }, override: { services: 50 } });
    expect(q.services).toEqual({ limit: 50, source: 'override' });
    expect(q.api_keys).toEqual({ limit: 2, source: 'plan' });
    expect(q.backends_per_service).toEqual({ limit: 64, source: 'default' });
    expect(effectiveQuotas({ defaults }).ipv4_addresses).toEqual({ limit: 24, source: 'default' });
  });
  it('an override of 0 is a limit, not "unset"', () => {
    expect(effectiveQuotas({ defaults, override: { services: 0 } }).services).toEqual({ limit: 0, source: 'override' });
  });
  it('reads stored overrides defensively and applies changes (null removes)', () => {
    expect(parseQuotaLimits({ services: 5, api_keys: -1, backends_per_service: 1.5, colour: 3, ipv4_addresses: '7' })).toEqual({ services: 5 });
    expect(parseQuotaLimits(null)).toEqual({});
    expect(applyQuotaChange({ services: 5, api_keys: 3 }, { services: null, ipv4_addresses: 8 })).toEqual({ api_keys: 3, ipv4_addresses: 8 });
  });
  it('checks use plus the request against the limit and names the quota', () => {
    expect(checkQuota('services', 10, 9)).toBeNull();
    expect(checkQuota('services', 10, 10)).toEqual({ quota: 'services', limit: 10, used: 10, requested: 1 });
    expect(checkQuota('ipv4_addresses', 24, 23, 2)).toMatchObject({ quota: 'ipv4_addresses' });
    expect(quotaExceededMessage({ quota: 'ipv4_addresses', limit: 24, used: 24, requested: 2 })).toMatch(/quota "ipv4_addresses".*24 used of 24.*needs 2 more/);
  });
});
