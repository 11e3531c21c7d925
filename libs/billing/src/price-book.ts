// The price book: versioned entries, each effective from a whole UTC hour until the next one.
// Operators write prices per address-hour and per GB as decimal strings in minor units; the book
// stores them per meter unit (address-second, byte) in picominor units, which is exactly what a
// Stripe price's `unit_amount_decimal` can hold. A price that does not divide exactly into those
// units is refused with the nearest exact values, so the local rating and Stripe never disagree.
import { z } from 'zod';
import { formatScaled, parseDecimal, pow10, toScaled } from './decimal';
import { BillingError, BillingErrorCode, type BillingIssue } from './errors';
import { TWO_DECIMAL_CURRENCIES, money, rate, type Money, type Rate } from './money';
import { SECONDS_PER_HOUR, isoInstant, parseIsoInstant, type Period } from './time';

/** Bytes in a billed GB (decimal gigabyte, as cloud providers bill transfer). */
export const BYTES_PER_GB = 1_000_000_000n;
const SECONDS_PER_HOUR_BIG = BigInt(SECONDS_PER_HOUR);

/** What an operator writes (admin API, seed): prices are decimal strings in minor units. */
export interface PriceBookEntryInput {
  /** Positive integer, increasing with effectiveFrom; part of every Stripe meter and price of the entry. */
  version: number;
  /** ISO 8601 instant on a whole UTC hour. */
  effectiveFrom: string;
  /** ISO 4217 code, lower case, two minor digits ("usd"). */
  currency: string;
  /** Minor units (cents) per IPv4 anycast address-hour, e.g. "0.54" = $0.0054. */
  ipv4AddressHour: string;
  /** Minor units per IPv6 anycast address-hour; may be "0". */
  ipv6AddressHour: string;
  /** Minor units per GB (10^9 bytes) forwarded by the edges. */
  trafficGb: string;
  /** PoP region → multiplier of trafficGb ("2" doubles it); regions not listed pay trafficGb. */
  regionMultipliers?: Record<string, string>;
  /** Whole minor units per organization per calendar month, taken off the usage subtotal. */
  freeAllowance: string;
  note?: string;
}

export type Metric = 'ipv4_address_seconds' | 'ipv6_address_seconds' | 'traffic_bytes' | `traffic_bytes.${string}`;

export interface PriceBookEntry {
  readonly version: number;
  /** Epoch seconds, a whole hour. */
  readonly effectiveFrom: number;
  readonly currency: string;
  /** Per address-second for addresses, per byte for traffic. */
  readonly rates: {
    readonly ipv4: Rate;
    readonly ipv6: Rate;
    readonly traffic: Rate;
    /** Only regions whose multiplier is not 1. */
    readonly trafficByRegion: ReadonlyMap<string, Rate>;
  };
  readonly freeAllowance: Money;
  readonly input: PriceBookEntryInput;
}

/** Entries sorted by effectiveFrom (and so by version). */
export interface PriceBook {
  readonly entries: readonly PriceBookEntry[];
}

const REGION = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;
const decimalString = z.string().max(40);
const entrySchema = z.object({
  version: z.number().int().positive().max(1_000_000),
  effectiveFrom: z.string(),
  currency: z.string(),
  ipv4AddressHour: decimalString,
  ipv6AddressHour: decimalString,
  trafficGb: decimalString,
  regionMultipliers: z.record(z.string(), decimalString).optional(),
  freeAllowance: decimalString,
  note: z.string().max(500).optional(),
});
const bookSchema = z.array(entrySchema).min(1).max(1000);

/** Picominor units per second for an hourly price, or the issue explaining the nearest exact values. */
function hourlyToPerSecond(text: string, path: string, issues: BillingIssue[]): Rate {
  const d = parseDecimal(text);
  const perHourPico = d && toScaled(d, 12);
  if (perHourPico === null || perHourPico === undefined) {
    issues.push({ path, message: `"${text}" is not a non-negative decimal with at most 12 places (minor units per address-hour)` });
    return rate(0n);
  }
  if (perHourPico % SECONDS_PER_HOUR_BIG !== 0n) {
    const lower = (perHourPico / SECONDS_PER_HOUR_BIG) * SECONDS_PER_HOUR_BIG;
    issues.push({
      path,
      message:
        `${text} per address-hour does not divide into whole 10^-12 minor units per second (Stripe's finest unit price), ` +
        `so Stripe and the local rating could differ by a cent. Use a multiple of 0.0000000036, e.g. ` +
        `${formatScaled(lower, 12)} or ${formatScaled(lower + SECONDS_PER_HOUR_BIG, 12)} (with two decimals: a multiple of 0.09, such as 0.54)`,
    });
    return rate(0n);
  }
  return rate(perHourPico / SECONDS_PER_HOUR_BIG);
}

function perGbToPerByte(text: string, path: string, issues: BillingIssue[]): Rate {
  const d = parseDecimal(text);
  const perGbPico = d && toScaled(d, 12);
  if (perGbPico === null || perGbPico === undefined || perGbPico % BYTES_PER_GB !== 0n) {
    issues.push({ path, message: `"${text}" must be a non-negative decimal with at most 3 places (minor units per GB): Stripe prices a byte to 10^-12 minor units` });
    return rate(0n);
  }
  return rate(perGbPico / BYTES_PER_GB);
}

function parseEntry(input: PriceBookEntryInput, at: string, issues: BillingIssue[]): PriceBookEntry {
  const effectiveFrom = parseIsoInstant(input.effectiveFrom);
  if (effectiveFrom === null) issues.push({ path: `${at}.effectiveFrom`, message: `"${input.effectiveFrom}" is not an ISO 8601 instant with a zone` });
  else if (effectiveFrom % SECONDS_PER_HOUR !== 0) issues.push({ path: `${at}.effectiveFrom`, message: 'a price change takes effect on a whole UTC hour (meter events are hourly)' });
  if (!TWO_DECIMAL_CURRENCIES.has(input.currency)) {
    issues.push({ path: `${at}.currency`, message: `"${input.currency}" is not a supported currency (${[...TWO_DECIMAL_CURRENCIES].join(', ')})` });
  }
  const ipv4 = hourlyToPerSecond(input.ipv4AddressHour, `${at}.ipv4AddressHour`, issues);
  const ipv6 = hourlyToPerSecond(input.ipv6AddressHour, `${at}.ipv6AddressHour`, issues);
  const traffic = perGbToPerByte(input.trafficGb, `${at}.trafficGb`, issues);
  const trafficByRegion = new Map<string, Rate>();
  for (const [region, text] of Object.entries(input.regionMultipliers ?? {})) {
    const path = `${at}.regionMultipliers.${region}`;
    if (!REGION.test(region)) {
      issues.push({ path, message: 'a region is 1-24 lower-case letters, digits and inner dashes (it becomes part of a Stripe meter name)' });
      continue;
    }
    const m = parseDecimal(text);
    if (!m) {
      issues.push({ path, message: `"${text}" is not a non-negative decimal` });
      continue;
    }
    const scaled = traffic * m.units;
    const divisor = pow10(m.scale);
    if (scaled % divisor !== 0n) {
      issues.push({ path, message: `${input.trafficGb} per GB × ${text} is not a whole number of 10^-12 minor units per byte; use fewer decimals` });
      continue;
    }
    const regional = scaled / divisor;
    if (regional !== traffic) trafficByRegion.set(region, rate(regional));
  }
  const allowance = parseDecimal(input.freeAllowance);
  if (!allowance || allowance.scale !== 0) issues.push({ path: `${at}.freeAllowance`, message: `"${input.freeAllowance}" must be a whole number of minor units` });
  return {
    version: input.version,
    effectiveFrom: effectiveFrom ?? 0,
    currency: input.currency,
    rates: { ipv4, ipv6, traffic, trafficByRegion },
    freeAllowance: money(allowance && allowance.scale === 0 ? allowance.units : 0n),
    input,
  };
}

/** Validates operator input into a price book; throws a BillingError listing every issue. */
export function parsePriceBook(inputs: readonly PriceBookEntryInput[]): PriceBook {
  const shape = bookSchema.safeParse(inputs);
  if (!shape.success) {
    const issues = shape.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new BillingError(BillingErrorCode.InvalidPriceBook, 'the price book is malformed', issues);
  }
  const issues: BillingIssue[] = [];
  const entries = shape.data.map((e, i) => parseEntry(e, String(i), issues));
  const sorted = [...entries].sort((a, b) => a.effectiveFrom - b.effectiveFrom);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.effectiveFrom === prev.effectiveFrom) issues.push({ path: 'effectiveFrom', message: `versions ${prev.version} and ${cur.version} take effect at the same instant` });
    if (cur.version <= prev.version) issues.push({ path: 'version', message: `version ${cur.version} takes effect after version ${prev.version}: versions must increase with effectiveFrom` });
    if (cur.currency !== prev.currency) issues.push({ path: 'currency', message: 'every entry of a price book uses the same currency' });
  }
  if (issues.length) throw new BillingError(BillingErrorCode.InvalidPriceBook, `the price book has ${issues.length} problem(s)`, issues);
  return { entries: sorted };
}

/** The entry in force at t, or undefined before the first one. */
export function entryAt(book: PriceBook, t: number): PriceBookEntry | undefined {
  let found: PriceBookEntry | undefined;
  for (const e of book.entries) {
    if (e.effectiveFrom <= t) found = e;
    else break;
  }
  return found;
}

export interface PriceSegment extends Period {
  readonly entry: PriceBookEntry;
}

/** The period cut at every price change inside it; throws if part of it has no price. */
export function priceSegments(book: PriceBook, period: Period): PriceSegment[] {
  const first = entryAt(book, period.from);
  if (!first) {
    throw new BillingError(BillingErrorCode.NoPriceEffective, `no price book entry is effective at ${isoInstant(period.from)}`);
  }
  const out: PriceSegment[] = [];
  let current = first;
  let from = period.from;
  for (const e of book.entries) {
    if (e.effectiveFrom <= period.from) continue;
    if (e.effectiveFrom >= period.to) break;
    out.push({ from, to: e.effectiveFrom, entry: current });
    current = e;
    from = e.effectiveFrom;
  }
  out.push({ from, to: period.to, entry: current });
  return out;
}

export function trafficMetric(entry: PriceBookEntry, region: string): Metric {
  return entry.rates.trafficByRegion.has(region) ? `traffic_bytes.${region}` : 'traffic_bytes';
}

export function addressMetric(family: 4 | 6): Metric {
  return family === 4 ? 'ipv4_address_seconds' : 'ipv6_address_seconds';
}

/** Every metric an entry prices, in a stable order. */
export function metricsOf(entry: PriceBookEntry): Metric[] {
  const regional = [...entry.rates.trafficByRegion.keys()].sort().map((r) => `traffic_bytes.${r}` as Metric);
  return ['ipv4_address_seconds', 'ipv6_address_seconds', 'traffic_bytes', ...regional];
}

export function rateOf(entry: PriceBookEntry, metric: Metric): Rate {
  if (metric === 'ipv4_address_seconds') return entry.rates.ipv4;
  if (metric === 'ipv6_address_seconds') return entry.rates.ipv6;
  if (metric === 'traffic_bytes') return entry.rates.traffic;
  const regional = entry.rates.trafficByRegion.get(metric.slice('traffic_bytes.'.length));
  if (regional === undefined) throw new BillingError(BillingErrorCode.InvalidUsage, `price book version ${entry.version} has no metric ${metric}`);
  return regional;
}

/** The unit a metric counts. */
export function unitOf(metric: Metric): 'address-second' | 'byte' {
  return metric.startsWith('traffic_bytes') ? 'byte' : 'address-second';
}

/** A rate the way people read it: minor units per address-hour or per GB. */
export function displayUnitPrice(metric: Metric, unitRate: Rate): string {
  return unitOf(metric) === 'byte'
    ? `${formatScaled(unitRate * BYTES_PER_GB, 12)} per GB`
    : `${formatScaled(unitRate * SECONDS_PER_HOUR_BIG, 12)} per address-hour`;
}

/** Picominor units as minor units, for display only. */
export function picoToMinorString(pico: bigint): string {
  return formatScaled(pico, 12);
}

