// Export to Stripe Billing meters. One meter (and one metered price) per metric per price-book
// version, so Stripe splits the invoice at a price change exactly where the rating does; one meter
// event per organization, metric and hour, whose `identifier` is derived from that triple, so a
// replayed export is refused by Stripe as a duplicate instead of being counted twice.
import { createHash } from 'node:crypto';
import { BillingError, BillingErrorCode } from './errors';
import { unitAmountDecimal } from './money';
import { metricsOf, rateOf, type Metric, type PriceBook } from './price-book';
import { describeMetric, type UsageQuantity } from './rating';
import { SECONDS_PER_HOUR, isWholeHour, isoInstant } from './time';

/** Payload keys of every Anyfront meter (Stripe's defaults). */
export const METER_CUSTOMER_KEY = 'stripe_customer_id';
export const METER_VALUE_KEY = 'value';
/** Stripe's limits: event_name and identifier up to 100 characters, values up to 15 digits. */
export const STRIPE_IDENTIFIER_MAX = 100;
export const STRIPE_MAX_EVENT_VALUE = 999_999_999_999_999n;
/** Stripe accepts meter events up to 35 days old; export an hour well before that. */
export const STRIPE_METER_EVENT_MAX_AGE_SECONDS = 35 * 24 * SECONDS_PER_HOUR;

const SHORT: Record<string, string> = { ipv4_address_seconds: 'ipv4', ipv6_address_seconds: 'ipv6', traffic_bytes: 'bytes' };

/** "af.v1.ipv4", "af.v1.bytes", "af.v2.bytes.ap-southeast": the Stripe meter `event_name`. */
export function meterEventName(metric: Metric, priceVersion: number): string {
  const short = SHORT[metric] ?? `bytes.${metric.slice('traffic_bytes.'.length)}`;
  return `af.v${priceVersion}.${short}`;
}

/** The same shape as the SDK's `Stripe.Billing.MeterEventCreateParams`. */
export interface MeterEventParams {
  event_name: string;
  identifier: string;
  /** The hour's start: Stripe files the event into the billing period containing it. */
  timestamp: number;
  payload: { [METER_CUSTOMER_KEY]: string; [METER_VALUE_KEY]: string };
}

/** What to create at Stripe for one metric of one price-book version. */
export interface StripeCatalogItem {
  readonly metric: Metric;
  readonly priceVersion: number;
  readonly eventName: string;
  /** `stripe.billing.meters.create` params. */
  readonly meter: {
    display_name: string;
    event_name: string;
    default_aggregation: { formula: 'sum' };
    customer_mapping: { event_payload_key: string; type: 'by_id' };
    value_settings: { event_payload_key: string };
  };
  /**
   * `stripe.prices.create` params without `product` and `recurring.meter`, which are Stripe ids.
   * `unit_amount_decimal` is a string here; the SDK takes `Stripe.Decimal.from(it)`.
   */
  readonly price: {
    currency: string;
    unit_amount_decimal: string;
    billing_scheme: 'per_unit';
    lookup_key: string;
    nickname: string;
    recurring: { interval: 'month'; usage_type: 'metered' };
  };
}

/** Meters and prices for every metric of every price-book version (create missing ones by event_name / lookup_key). */
export function stripeCatalog(book: PriceBook): StripeCatalogItem[] {
  return book.entries.flatMap((entry) =>
    metricsOf(entry).map((metric) => {
      const eventName = meterEventName(metric, entry.version);
      const unit = metric.startsWith('traffic_bytes') ? 'bytes' : 'address-seconds';
      return {
        metric,
        priceVersion: entry.version,
        eventName,
        meter: {
          display_name: `${describeMetric(metric)} (${unit}, price v${entry.version})`,
          event_name: eventName,
          default_aggregation: { formula: 'sum' },
          customer_mapping: { event_payload_key: METER_CUSTOMER_KEY, type: 'by_id' },
          value_settings: { event_payload_key: METER_VALUE_KEY },
        },
        price: {
          currency: entry.currency,
          unit_amount_decimal: unitAmountDecimal(rateOf(entry, metric)),
          billing_scheme: 'per_unit',
          lookup_key: eventName,
          nickname: `${describeMetric(metric)}, price v${entry.version}`,
          recurring: { interval: 'month', usage_type: 'metered' },
        },
      };
    }),
  );
}

/** "2026110314" for 2026-11-03T14:00Z. */
function hourLabel(hour: number): string {
  return isoInstant(hour).slice(0, 13).replace(/[-T]/g, '');
}

/**
 * The identifier of an organization's meter event for one metric and hour. A later correction of the
 * same hour (late traffic) gets its own identifier naming the cumulative quantity it brings the hour
 * to, so it is just as deterministic. Identifiers over Stripe's 100 characters are hashed.
 */
export function meterEventIdentifier(organizationId: string, eventName: string, hour: number, cumulative?: bigint): string {
  const id = `${organizationId}.${eventName}.${hourLabel(hour)}${cumulative === undefined ? '' : `.u${cumulative}`}`;
  if (id.length <= STRIPE_IDENTIFIER_MAX) return id;
  return `h.${createHash('sha256').update(id).digest('base64url')}`;
}

export interface HourExport {
  readonly organizationId: string;
  readonly stripeCustomerId: string;
  /** Epoch seconds, a whole hour. */
  readonly hour: number;
  /** measureUsage over [hour, hour + 1 h): one quantity per metric. */
  readonly usage: readonly UsageQuantity[];
  /**
   * Quantity per event name already written to the outbox for this hour (sent or not). The outbox,
   * not Stripe's answer, is the record: an event's identifier and value are fixed when it is queued.
   */
  readonly alreadyExported?: ReadonlyMap<string, bigint>;
}

/**
 * The meter events that bring Stripe's count for one organization-hour up to `usage`: the first
 * export of a metric uses the base identifier, later growth (traffic reported late) a delta event.
 * Calling it again with the same inputs yields the same events, so a retry is a duplicate at
 * Stripe. A quantity below what was already exported cannot be unbilled and is an error.
 */
export function meterEventsForHour(input: HourExport): MeterEventParams[] {
  if (!isWholeHour(input.hour)) throw new BillingError(BillingErrorCode.InvalidUsage, `hour ${input.hour} is not a whole hour`);
  const out: MeterEventParams[] = [];
  for (const u of input.usage) {
    if (u.from !== input.hour || u.to !== input.hour + SECONDS_PER_HOUR) {
      throw new BillingError(BillingErrorCode.InvalidUsage, `usage ${u.metric} does not cover exactly the hour ${isoInstant(input.hour)}`);
    }
    const eventName = meterEventName(u.metric, u.priceVersion);
    const before = input.alreadyExported?.get(eventName) ?? 0n;
    if (u.quantity < before) {
      throw new BillingError(BillingErrorCode.UsageDecreased, `${eventName} for ${isoInstant(input.hour)} fell from ${before} to ${u.quantity} after export`);
    }
    let remaining = u.quantity - before;
    let part = 0;
    while (remaining > 0n) {
      // Stripe refuses values over 15 digits; a (very) large hour goes out in several events.
      const value = remaining > STRIPE_MAX_EVENT_VALUE ? STRIPE_MAX_EVENT_VALUE : remaining;
      const cumulative = u.quantity - remaining + value;
      const base = before === 0n && cumulative === u.quantity && part === 0;
      out.push({
        event_name: eventName,
        identifier: meterEventIdentifier(input.organizationId, eventName, input.hour, base ? undefined : cumulative),
        timestamp: input.hour,
        payload: { [METER_CUSTOMER_KEY]: input.stripeCustomerId, [METER_VALUE_KEY]: value.toString() },
      });
      remaining -= value;
      part++;
    }
  }
  return out;
}
