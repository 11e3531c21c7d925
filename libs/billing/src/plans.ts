// Plans and their quotas. Quotas are counts (not money). The security issue's per-organization
// quotas read their defaults from the organization's plan; an operator can override any of them.
import { BillingError, BillingErrorCode } from './errors';
import { BYTES_PER_GB, type PriceBookEntry } from './price-book';
import { priceQuantity, sumMoney, type Money } from './money';
import { SECONDS_PER_HOUR } from './time';

export type PlanId = 'free' | 'standard' | 'custom';
export const PLAN_IDS: readonly PlanId[] = ['free', 'standard', 'custom'];

export interface PlanQuotas {
  services: number;
  /** IPv4 anycast addresses held at once (each service holds at least two, from two pools). */
  ipv4Addresses: number;
  backendsPerService: number;
  backendsPerOrganization: number;
  apiKeys: number;
  /** GB forwarded per calendar month; null = unlimited. Keeps a free organization inside its allowance. */
  trafficGbPerMonth: number | null;
}

export interface Plan {
  readonly id: PlanId;
  readonly name: string;
  /** A payment method must be on file before an organization can be on this plan. */
  readonly requiresPaymentMethod: boolean;
  /** Whether invoices are collected (a free organization is rated and shown, never charged). */
  readonly collectsPayment: boolean;
  /** Only an operator may put an organization on (or take it off) this plan. */
  readonly operatorOnly: boolean;
  readonly quotas: Readonly<PlanQuotas>;
}

export const PLANS: Readonly<Record<PlanId, Plan>> = {
  free: {
    id: 'free',
    name: 'Free',
    requiresPaymentMethod: false,
    collectsPayment: false,
    operatorOnly: false,
    quotas: { services: 1, ipv4Addresses: 2, backendsPerService: 4, backendsPerOrganization: 4, apiKeys: 2, trafficGbPerMonth: 10 },
  },
  standard: {
    id: 'standard',
    name: 'Standard',
    requiresPaymentMethod: true,
    collectsPayment: true,
    operatorOnly: false,
    quotas: { services: 25, ipv4Addresses: 50, backendsPerService: 64, backendsPerOrganization: 500, apiKeys: 25, trafficGbPerMonth: null },
  },
  custom: {
    id: 'custom',
    name: 'Custom',
    requiresPaymentMethod: true,
    collectsPayment: true,
    operatorOnly: true,
    // Starting point only: an operator sets the real numbers per organization.
    quotas: { services: 25, ipv4Addresses: 50, backendsPerService: 64, backendsPerOrganization: 500, apiKeys: 25, trafficGbPerMonth: null },
  },
};

export function isPlanId(value: string): value is PlanId {
  return (PLAN_IDS as readonly string[]).includes(value);
}

const QUOTA_KEYS: readonly (keyof PlanQuotas)[] = ['services', 'ipv4Addresses', 'backendsPerService', 'backendsPerOrganization', 'apiKeys', 'trafficGbPerMonth'];

/** The plan's quotas with an operator's per-organization overrides on top. */
export function effectiveQuotas(plan: PlanId, overrides: Partial<PlanQuotas> = {}): PlanQuotas {
  const out: PlanQuotas = { ...PLANS[plan].quotas };
  const issues: { path: string; message: string }[] = [];
  for (const key of QUOTA_KEYS) {
    const v = overrides[key];
    if (v === undefined) continue;
    if (v === null && key === 'trafficGbPerMonth') {
      out.trafficGbPerMonth = null;
    } else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      out[key] = v;
    } else {
      issues.push({ path: key, message: 'a quota is a whole number of at least 0' + (key === 'trafficGbPerMonth' ? ' (or null for unlimited)' : '') });
    }
  }
  if (issues.length) throw new BillingError(BillingErrorCode.InvalidQuotas, 'invalid quota override', issues);
  return out;
}

export type PlanChangeRefusal = 'payment_method_required' | 'operator_only' | 'unchanged';

/**
 * Whether an organization may move between plans. Upgrading to a paid plan needs a card on file;
 * `custom` is set (and left) by operators only.
 */
export function checkPlanChange(input: { from: PlanId; to: PlanId; hasPaymentMethod: boolean; actor: 'owner' | 'operator' }): { ok: true } | { ok: false; reason: PlanChangeRefusal } {
  if (input.from === input.to) return { ok: false, reason: 'unchanged' };
  if ((PLANS[input.to].operatorOnly || PLANS[input.from].operatorOnly) && input.actor !== 'operator') return { ok: false, reason: 'operator_only' };
  if (PLANS[input.to].requiresPaymentMethod && !input.hasPaymentMethod) return { ok: false, reason: 'payment_method_required' };
  return { ok: true };
}

/**
 * The most a month (31 days) under these quotas can cost at an entry's prices: every IPv4 quota
 * address held all month plus the whole traffic quota at the dearest region. IPv6 is one address
 * per service. Null when traffic is unlimited.
 */
export function maxMonthlyCharge(quotas: PlanQuotas, entry: PriceBookEntry): Money | null {
  if (quotas.trafficGbPerMonth === null) return null;
  const seconds = BigInt(31 * 24 * SECONDS_PER_HOUR);
  let dearestByte = entry.rates.traffic;
  for (const r of entry.rates.trafficByRegion.values()) if (r > dearestByte) dearestByte = r;
  return sumMoney([
    priceQuantity(BigInt(quotas.ipv4Addresses) * seconds, entry.rates.ipv4).amount,
    priceQuantity(BigInt(quotas.services) * seconds, entry.rates.ipv6).amount,
    priceQuantity(BigInt(quotas.trafficGbPerMonth) * BYTES_PER_GB, dearestByte).amount,
  ]);
}
