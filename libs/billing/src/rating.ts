// The rating engine: usage -> line items -> invoice preview, for one organization.
//
// Quantities are exact integers: address-seconds (every instant floored to the second, so a split
// never gains or loses one) and bytes. A line is one metric under one price-book version; its
// amount is quantity × rate (picominor units, exact) rounded ONCE to minor units, halves up, as
// Stripe rounds a line. Nothing else rounds, so every line is within half a minor unit of its
// exact value, and the total of any period is within (number of lines) / 2 minor units of exact.
import { BillingError, BillingErrorCode } from './errors';
import { heldSeconds, validateHolding, type Holding } from './holdings';
import { priceQuantity, sumMoney, money, unitAmountDecimal, ZERO, type Money, type Rate } from './money';
import { PLANS, type PlanId } from './plans';
import {
  addressMetric,
  displayUnitPrice,
  entryAt,
  metricsOf,
  priceSegments,
  rateOf,
  trafficMetric,
  unitOf,
  type Metric,
  type PriceBook,
} from './price-book';
import { isWholeHour, isoInstant, type Period } from './time';

/** Bytes one organization's service forwarded in one hour through PoPs of one region. */
export interface TrafficHour {
  readonly organizationId: string;
  readonly serviceId: string;
  /** Epoch seconds, a whole hour: the hour's traffic belongs to the period containing its start. */
  readonly hour: number;
  readonly region: string;
  readonly bytes: bigint;
}

/** How much of one metric was used under one price-book version, inside [from, to). */
export interface UsageQuantity {
  readonly metric: Metric;
  readonly priceVersion: number;
  readonly from: number;
  readonly to: number;
  readonly quantity: bigint;
}

export interface UsageLineItem extends UsageQuantity {
  readonly kind: 'usage';
  readonly unit: 'address-second' | 'byte';
  readonly rate: Rate;
  /** Stripe `unit_amount_decimal` of the matching price (minor units per unit). */
  readonly unitAmountDecimal: string;
  readonly unitPrice: string;
  /** quantity × rate in picominor units, before the line's single rounding. */
  readonly exactPico: bigint;
  readonly amount: Money;
  readonly description: string;
}

/** The monthly free allowance, as a negative line capped at the usage subtotal. */
export interface AllowanceLineItem {
  readonly kind: 'allowance';
  readonly priceVersion: number;
  readonly allowance: Money;
  readonly amount: Money;
  readonly description: string;
}

export type InvoiceLine = UsageLineItem | AllowanceLineItem;

export interface InvoicePreview {
  readonly organizationId: string;
  readonly period: Period;
  readonly currency: string;
  readonly plan: PlanId;
  /** Usage lines in time then metric order, then the allowance line. They sum to `total`. */
  readonly lines: readonly InvoiceLine[];
  /** Sum of the usage lines. */
  readonly subtotal: Money;
  readonly total: Money;
  /** What will be collected: the total on a paying plan, 0 on the free plan. */
  readonly amountDue: Money;
}

const METRIC_LABELS: Record<string, string> = {
  ipv4_address_seconds: 'IPv4 anycast address time',
  ipv6_address_seconds: 'IPv6 anycast address time',
  traffic_bytes: 'Traffic forwarded',
};

export function describeMetric(metric: Metric): string {
  return METRIC_LABELS[metric] ?? `Traffic forwarded in ${metric.slice('traffic_bytes.'.length)}`;
}

export function validatePeriod(period: Period): void {
  if (!isWholeHour(period.from) || !isWholeHour(period.to) || period.to <= period.from) {
    throw new BillingError(BillingErrorCode.InvalidPeriod, 'a billing period is [from, to) on whole UTC hours with from < to');
  }
}

/**
 * One organization's usage in a period, split at every price change: one quantity per metric per
 * price-book version, zero quantities left out. Holdings and traffic of other organizations are an
 * error (a wiring bug would otherwise bill one tenant for another).
 */
export function measureUsage(
  book: PriceBook,
  organizationId: string,
  period: Period,
  holdings: readonly Holding[],
  traffic: readonly TrafficHour[],
): UsageQuantity[] {
  validatePeriod(period);
  const segments = priceSegments(book, period);
  // Per segment: address seconds by family, and region -> slot of its traffic metric with the bytes
  // per slot (the hot loop avoids building metric names and map updates per row).
  const acc = segments.map((seg) => ({ seg, v4: 0, v6: 0, regionSlots: new Map<string, number>(), metrics: [] as Metric[], bytes: [] as bigint[] }));
  for (const h of holdings) {
    if (h.organizationId !== organizationId) throw new BillingError(BillingErrorCode.InvalidUsage, `holding of ${h.address} belongs to another organization`);
    validateHolding(h);
    for (const a of acc) {
      const s = heldSeconds(h, a.seg.from, a.seg.to);
      if (h.family === 4) a.v4 += s;
      else a.v6 += s;
    }
  }
  for (const t of traffic) {
    if (t.organizationId !== organizationId) throw new BillingError(BillingErrorCode.InvalidUsage, `traffic of service ${t.serviceId} belongs to another organization`);
    if (!isWholeHour(t.hour)) throw new BillingError(BillingErrorCode.InvalidUsage, `traffic hour ${t.hour} is not a whole hour`);
    if (typeof t.bytes !== 'bigint' || t.bytes < 0n) throw new BillingError(BillingErrorCode.InvalidUsage, 'traffic bytes must be a non-negative bigint');
    if (t.hour < period.from || t.hour >= period.to) continue;
    // The segments cover the period in order: the hour's is the first that ends after it.
    const a = acc.find((x) => t.hour < x.seg.to);
    if (!a) continue;
    let slot = a.regionSlots.get(t.region);
    if (slot === undefined) {
      const metric = trafficMetric(a.seg.entry, t.region);
      slot = a.metrics.indexOf(metric);
      if (slot < 0) {
        slot = a.metrics.push(metric) - 1;
        a.bytes.push(0n);
      }
      a.regionSlots.set(t.region, slot);
    }
    a.bytes[slot] = (a.bytes[slot] ?? 0n) + t.bytes;
  }
  const out: UsageQuantity[] = [];
  for (const { seg, v4, v6, metrics, bytes } of acc) {
    for (const metric of metricsOf(seg.entry)) {
      const quantity =
        metric === addressMetric(4) ? exactSeconds(v4) : metric === addressMetric(6) ? exactSeconds(v6) : (bytes[metrics.indexOf(metric)] ?? 0n);
      if (quantity > 0n) out.push({ metric, priceVersion: seg.entry.version, from: seg.from, to: seg.to, quantity });
    }
  }
  return out;
}

function exactSeconds(n: number): bigint {
  // Seconds are summed as numbers for speed; beyond 2^53 they would stop being exact.
  if (!Number.isSafeInteger(n)) throw new BillingError(BillingErrorCode.InvalidUsage, 'address-seconds exceed the exact integer range');
  return BigInt(n);
}

/** Prices usage quantities: one line each, rounded once. */
export function rateUsage(book: PriceBook, usage: readonly UsageQuantity[]): UsageLineItem[] {
  return usage.map((u) => {
    const entry = book.entries.find((e) => e.version === u.priceVersion);
    if (!entry) throw new BillingError(BillingErrorCode.InvalidUsage, `no price book version ${u.priceVersion}`);
    const unitRate = rateOf(entry, u.metric);
    const { exactPico, amount } = priceQuantity(u.quantity, unitRate);
    return {
      kind: 'usage',
      ...u,
      unit: unitOf(u.metric),
      rate: unitRate,
      unitAmountDecimal: unitAmountDecimal(unitRate),
      unitPrice: displayUnitPrice(u.metric, unitRate),
      exactPico,
      amount,
      description: `${describeMetric(u.metric)} (price v${u.priceVersion}, ${isoInstant(u.from)} to ${isoInstant(u.to)})`,
    };
  });
}

export interface PreviewInput {
  readonly organizationId: string;
  readonly plan: PlanId;
  readonly book: PriceBook;
  /** The invoice's period (a calendar month, or month-to-date for a running preview). */
  readonly period: Period;
  readonly holdings: readonly Holding[];
  readonly traffic: readonly TrafficHour[];
}

/**
 * The invoice for a period: usage lines, then the free allowance of the price-book entry in force at
 * the period's start (once per invoice, capped at the subtotal so a total is never negative).
 */
export function previewInvoice(input: PreviewInput): InvoicePreview {
  const usageLines = rateUsage(input.book, measureUsage(input.book, input.organizationId, input.period, input.holdings, input.traffic));
  const subtotal = sumMoney(usageLines.map((l) => l.amount));
  const entry = entryAt(input.book, input.period.from);
  if (!entry) throw new BillingError(BillingErrorCode.NoPriceEffective, `no price book entry is effective at ${isoInstant(input.period.from)}`);
  const credit = money(-((subtotal < entry.freeAllowance ? subtotal : entry.freeAllowance) as bigint));
  const lines: InvoiceLine[] = [...usageLines];
  if (entry.freeAllowance > 0n) {
    lines.push({ kind: 'allowance', priceVersion: entry.version, allowance: entry.freeAllowance, amount: credit, description: 'Free monthly allowance' });
  }
  const total = sumMoney(lines.map((l) => l.amount));
  return {
    organizationId: input.organizationId,
    period: input.period,
    currency: entry.currency,
    plan: input.plan,
    lines,
    subtotal,
    total,
    amountDue: PLANS[input.plan].collectsPayment ? total : ZERO,
  };
}

/** One invoice line as JSON (the API's line shape; also how local statements store their lines). */
export interface InvoiceLineJson {
  kind: 'usage' | 'allowance';
  description: string;
  metric: string | null;
  price_version: number;
  from: string | null;
  to: string | null;
  quantity: string | null;
  unit: string | null;
  unit_price: string | null;
  /** Integer minor units as a decimal string. */
  amount: string;
}

export function invoiceLineJson(l: InvoiceLine): InvoiceLineJson {
  if (l.kind === 'allowance') {
    return { kind: 'allowance', description: l.description, metric: null, price_version: l.priceVersion, from: null, to: null, quantity: null, unit: null, unit_price: null, amount: l.amount.toString() };
  }
  return {
    kind: 'usage',
    description: l.description,
    metric: l.metric,
    price_version: l.priceVersion,
    from: isoInstant(l.from),
    to: isoInstant(l.to),
    quantity: l.quantity.toString(),
    unit: l.unit,
    unit_price: l.unitPrice,
    amount: l.amount.toString(),
  };
}
