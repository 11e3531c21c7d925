import fc from 'fast-check';
import type Stripe from 'stripe';
import { parseDecimal, pow10 } from './decimal';
import { DEFAULT_PRICE_BOOK_INPUT, defaultPriceBook } from './defaults';
import type { Holding } from './holdings';
import { divideRoundHalfUp } from './money';
import { parsePriceBook } from './price-book';
import { STRIPE_IDENTIFIER_MAX, meterEventIdentifier, meterEventName, meterEventsForHour, stripeCatalog, type MeterEventParams } from './meter-events';
import { measureUsage, previewInvoice, type TrafficHour } from './rating';
import { SECONDS_PER_HOUR, parseIsoInstant } from './time';

const H = SECONDS_PER_HOUR;
const at = (iso: string) => parseIsoInstant(iso) as number;
const ORG = '0b7c7c1e-4f59-4a4e-9a53-5f6b0d2f3e11';
const CUS = 'cus_test_1';
const HOUR = at('2026-11-03T14:00:00Z');
const book = defaultPriceBook();

const hold = (address: string, family: 4 | 6, from: number, to: number | null): Holding => ({ organizationId: ORG, serviceId: 'svc', address, family, from, to });
const bytes = (hour: number, region: string, b: bigint): TrafficHour => ({ organizationId: ORG, serviceId: 'svc', hour, region, bytes: b });
const hourUsage = (hour: number, holdings: Holding[], traffic: TrafficHour[]) => measureUsage(book, ORG, { from: hour, to: hour + H }, holdings, traffic);

describe('meter events', () => {
  it('names one meter per metric and price version, within Stripe limits', () => {
    expect(meterEventName('ipv4_address_seconds', 1)).toBe('af.v1.ipv4');
    expect(meterEventName('traffic_bytes', 12)).toBe('af.v12.bytes');
    expect(meterEventName('traffic_bytes.ap-southeast', 2)).toBe('af.v2.bytes.ap-southeast');
    const catalog = stripeCatalog(book);
    expect(catalog.map((c) => [c.eventName, c.price.unit_amount_decimal])).toEqual([
      ['af.v1.ipv4', '0.00015'],
      ['af.v1.ipv6', '0'],
      ['af.v1.bytes', '0.0000000015'],
      ['af.v1.bytes.ap-northeast', '0.000000003'],
      ['af.v1.bytes.ap-southeast', '0.000000003'],
      ['af.v1.bytes.sa-east', '0.0000000045'],
    ]);
    // The params are the SDK's own types (compile-time check).
    const meter: Stripe.Billing.MeterCreateParams = catalog[0].meter;
    expect(meter.default_aggregation.formula).toBe('sum');
  });

  it('turns one organization-hour into one event per metric with a deterministic identifier', () => {
    const usage = hourUsage(HOUR, [hold('192.0.2.1', 4, HOUR - 5000, null), hold('192.0.2.2', 4, HOUR + 1800, null)], [bytes(HOUR, 'eu-west', 123n)]);
    const events = meterEventsForHour({ organizationId: ORG, stripeCustomerId: CUS, hour: HOUR, usage });
    expect(events).toEqual([
      { event_name: 'af.v1.ipv4', identifier: `${ORG}.af.v1.ipv4.2026110314`, timestamp: HOUR, payload: { stripe_customer_id: CUS, value: '5400' } },
      { event_name: 'af.v1.bytes', identifier: `${ORG}.af.v1.bytes.2026110314`, timestamp: HOUR, payload: { stripe_customer_id: CUS, value: '123' } },
    ]);
    expect(meterEventsForHour({ organizationId: ORG, stripeCustomerId: CUS, hour: HOUR, usage })).toEqual(events);
    const sdkParams: Stripe.Billing.MeterEventCreateParams = events[0];
    expect(sdkParams.identifier).toBe(events[0].identifier);
  });

  it('sends only the growth of an hour already exported, under an identifier naming the new total', () => {
    const usage = hourUsage(HOUR, [], [bytes(HOUR, 'eu-west', 500n)]);
    const exported = new Map([['af.v1.bytes', 123n]]);
    expect(meterEventsForHour({ organizationId: ORG, stripeCustomerId: CUS, hour: HOUR, usage, alreadyExported: exported })).toEqual([
      { event_name: 'af.v1.bytes', identifier: `${ORG}.af.v1.bytes.2026110314.u500`, timestamp: HOUR, payload: { stripe_customer_id: CUS, value: '377' } },
    ]);
    expect(meterEventsForHour({ organizationId: ORG, stripeCustomerId: CUS, hour: HOUR, usage, alreadyExported: new Map([['af.v1.bytes', 500n]]) })).toEqual([]);
    expect(() => meterEventsForHour({ organizationId: ORG, stripeCustomerId: CUS, hour: HOUR, usage, alreadyExported: new Map([['af.v1.bytes', 501n]]) })).toThrow(/fell from 501 to 500/);
  });

  it('splits an hour over 15 digits into several events (Stripe refuses longer values)', () => {
    const huge = 2_500_000_000_000_000n;
    const events = meterEventsForHour({ organizationId: ORG, stripeCustomerId: CUS, hour: HOUR, usage: hourUsage(HOUR, [], [bytes(HOUR, 'eu-west', huge)]) });
    expect(events.map((e) => e.payload.value)).toEqual(['999999999999999', '999999999999999', '500000000000002']);
    expect(new Set(events.map((e) => e.identifier)).size).toBe(3);
    expect(events.reduce((s, e) => s + BigInt(e.payload.value), 0n)).toBe(huge);
  });

  it('keeps identifiers within 100 characters, hashing the rare long one deterministically', () => {
    const name = meterEventName('traffic_bytes.abcdefghijklmnopqrstuvwx', 999_999);
    const long = meterEventIdentifier(ORG, name, HOUR, 999_999_999_999_999n);
    expect(long).toMatch(/^h\.[A-Za-z0-9_-]{43}$/);
    expect(meterEventIdentifier(ORG, name, HOUR, 999_999_999_999_999n)).toBe(long);
    expect(meterEventIdentifier(ORG, name, HOUR)).toHaveLength(`${ORG}.${name}.2026110314`.length);
    expect(meterEventIdentifier(ORG, name, HOUR).length).toBeLessThanOrEqual(STRIPE_IDENTIFIER_MAX);
  });

  it('refuses usage that is not exactly the hour', () => {
    const day = measureUsage(book, ORG, { from: HOUR, to: HOUR + 2 * H }, [hold('192.0.2.1', 4, HOUR, null)], []);
    expect(() => meterEventsForHour({ organizationId: ORG, stripeCustomerId: CUS, hour: HOUR, usage: day })).toThrow(/exactly the hour/);
    expect(() => meterEventsForHour({ organizationId: ORG, stripeCustomerId: CUS, hour: HOUR + 1, usage: [] })).toThrow(/whole hour/);
  });

  it('exported quantities × Stripe prices = the invoice preview subtotal, late traffic included', () => {
    const P0 = at('2026-03-01T00:00:00Z');
    const HOURS = 48;
    const changeBook = parsePriceBook([DEFAULT_PRICE_BOOK_INPUT[0], { ...DEFAULT_PRICE_BOOK_INPUT[0], version: 2, effectiveFrom: '2026-03-02T05:00:00Z', ipv4AddressHour: '0.63', trafficGb: '0.9' }]);
    const catalog = new Map(stripeCatalog(changeBook).map((c) => [c.eventName, c.price.unit_amount_decimal]));
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: fc.integer({ min: 1, max: 4 }), v6: fc.boolean(), from: fc.integer({ min: -H, max: HOURS * H }), len: fc.option(fc.integer({ min: 1, max: HOURS * H }), { nil: null }) }), { maxLength: 8 }),
        fc.array(fc.record({ hour: fc.integer({ min: 0, max: HOURS - 1 }), region: fc.constantFrom('eu-west', 'sa-east'), b: fc.bigInt({ min: 0n, max: 10n ** 13n }), late: fc.boolean() }), { maxLength: 30 }),
        (hs, ts) => {
          const holdings = hs.map((h) => hold(h.v6 ? `fd00::${h.a}` : `192.0.2.${h.a}`, h.v6 ? 6 : 4, P0 + h.from, h.len === null ? null : P0 + h.from + h.len));
          const onTime = ts.filter((t) => !t.late).map((t) => bytes(P0 + t.hour * H, t.region, t.b));
          const all = ts.map((t) => bytes(P0 + t.hour * H, t.region, t.b));
          const sent: MeterEventParams[] = [];
          const exported = new Map<string, Map<string, bigint>>();
          // First pass at each hour's end with the traffic known then, second pass after late reports.
          for (const traffic of [onTime, all]) {
            for (let h = P0; h < P0 + HOURS * H; h += H) {
              const usage = measureUsage(changeBook, ORG, { from: h, to: h + H }, holdings, traffic);
              const already = exported.get(String(h)) ?? new Map<string, bigint>();
              const events = meterEventsForHour({ organizationId: ORG, stripeCustomerId: CUS, hour: h, usage, alreadyExported: already });
              for (const e of events) already.set(e.event_name, (already.get(e.event_name) ?? 0n) + BigInt(e.payload.value));
              exported.set(String(h), already);
              sent.push(...events);
            }
          }
          expect(new Set(sent.map((e) => e.identifier)).size).toBe(sent.length);
          // What Stripe does: sum each meter over the period, × unit_amount_decimal, round each line.
          const perMeter = new Map<string, bigint>();
          for (const e of sent) perMeter.set(e.event_name, (perMeter.get(e.event_name) ?? 0n) + BigInt(e.payload.value));
          let stripeSubtotal = 0n;
          for (const [name, quantity] of perMeter) {
            const d = parseDecimal(catalog.get(name) as string)!;
            stripeSubtotal += divideRoundHalfUp(quantity * d.units, pow10(d.scale));
          }
          const preview = previewInvoice({ organizationId: ORG, plan: 'standard', book: changeBook, period: { from: P0, to: P0 + HOURS * H }, holdings, traffic: all });
          expect(stripeSubtotal).toBe(preview.subtotal);
        },
      ),
      { numRuns: 60 },
    );
  });
});
