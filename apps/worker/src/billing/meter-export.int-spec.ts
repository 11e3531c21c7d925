import { Pool as PgPool } from 'pg';
import Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import { defaultPriceBook, measureUsage, meterEventName, previewInvoice, stripeCatalog, type Holding, type TrafficHour } from '@anyfront/billing';
import { createDataSource, OutboxRepository } from '@anyfront/db';
import { createScratchDatabase, FleetFixtures, StripeTestServer } from '@anyfront/testing';
import { measureMeterEvents, sendMeterEvents } from './meter-export';

/**
 * The Stripe meter export through its outbox, against the Stripe test server with the real SDK:
 * Stripe down (503s, then answers lost to timeouts after Stripe recorded the event) for an hour of
 * exports only delays it; when Stripe is back every hour is delivered, nothing lost and nothing
 * counted twice (Stripe's meter totals equal the usage measured independently); late traffic goes
 * out as a delta.
 */
jest.setTimeout(120_000);

const H = 3600;
const PREFIX = 'meter-export-test';

describe('Stripe meter export (export outbox)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PgPool;
  let ds: DataSource;
  let fx: FleetFixtures;
  let server: StripeTestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    scratch = await createScratchDatabase('meters');
    db = new PgPool({ connectionString: scratch.url, max: 2 });
    db.on('error', () => undefined);
    ds = createDataSource(scratch.url, { poolSize: 4 });
    await ds.initialize();
    fx = new FleetFixtures(db);
    server = await StripeTestServer.start();
    stripe = new Stripe(server.apiKey, { ...server.sdkConfig(), maxNetworkRetries: 0, timeout: 1_500 });
  });
  afterAll(async () => {
    await server?.stop();
    await ds?.destroy();
    await db?.end();
    await scratch?.drop();
  });

  it('Stripe down for an hour of exports: caught up afterwards with no loss and no double count; late traffic as a delta', async () => {
    const monthStart = Date.UTC(2026, 10, 1) / 1000;
    const org = await fx.organization();
    const customer = await stripe.customers.create({ metadata: { anyfront_organization_id: org } });
    await db.query(`INSERT INTO billing_accounts (organization_id, stripe_customer_id, plan) VALUES ($1, $2, 'standard')`, [org, customer.id]);
    const [{ id: popId }] = (await db.query(`INSERT INTO pops (code, name, region) VALUES ('mx1', 'mx1', 'eu-west') RETURNING id`)).rows;
    // Usage: two IPv4 addresses all along, one held for 90 minutes from 00:40 on the 2nd, an IPv6 address; traffic some hours.
    const holdings: Holding[] = [
      { organizationId: org, serviceId: '11111111-1111-4111-8111-111111111111', address: '192.0.2.1', family: 4, from: monthStart - 86_400, to: null },
      { organizationId: org, serviceId: '11111111-1111-4111-8111-111111111111', address: '192.0.2.2', family: 4, from: monthStart - 86_400, to: null },
      { organizationId: org, serviceId: '22222222-2222-4222-8222-222222222222', address: '192.0.2.3', family: 4, from: monthStart + 24 * H + 2400, to: monthStart + 24 * H + 2400 + 5400 },
      { organizationId: org, serviceId: '11111111-1111-4111-8111-111111111111', address: 'fd00::1', family: 6, from: monthStart, to: null },
    ];
    for (const h of holdings) {
      await db.query(
        `INSERT INTO address_holdings (organization_id, service_id, anycast_address_id, address, family, held_from, held_to) VALUES ($1, $2, gen_random_uuid(), $3, $4, to_timestamp($5), to_timestamp($6))`,
        [org, h.serviceId, h.address, h.family, h.from, h.to],
      );
    }
    const traffic: TrafficHour[] = [];
    const addTraffic = async (hour: number, bytes: bigint) => {
      traffic.push({ organizationId: org, serviceId: holdings[0].serviceId, hour, region: 'eu-west', bytes });
      await db.query(`INSERT INTO traffic_hourly (hour, service_id, pop_id, organization_id, bytes, packets) VALUES (to_timestamp($1), $2, $3, $4, $5, 1)
                      ON CONFLICT (hour, service_id, pop_id) DO UPDATE SET bytes = traffic_hourly.bytes + EXCLUDED.bytes`, [hour, holdings[0].serviceId, popId, org, bytes.toString()]);
    };
    for (let h = monthStart; h < monthStart + 40 * H; h += 5 * H) await addTraffic(h, BigInt(h % 7919) * 1_000_003n);

    /** Stripe's totals per meter equal the usage measured independently over the exported hours: nothing lost, nothing twice. */
    const expectStripeTotals = async (at: number) => {
      const [{ until }] = (await db.query(`SELECT extract(epoch FROM exported_until)::int AS until FROM meter_export_state WHERE organization_id = $1`, [org])).rows;
      expect(until).toBe(hourStart(at - 600));
      const expected = measureUsage(defaultPriceBook(), org, { from: monthStart, to: until }, holdings, traffic);
      expect(expected.length).toBeGreaterThanOrEqual(3);
      for (const u of expected) {
        expect([u.metric, server.meterTotal(meterEventName(u.metric, u.priceVersion), customer.id, monthStart, until)]).toEqual([u.metric, u.quantity]);
      }
      return { until: until as number, expected };
    };
    const opts = (now: number) => ({ now, delaySeconds: 600, lookbackHours: 24, maxHoursPerRun: 24 * 40, queuePrefix: PREFIX });
    const meters = new Set<string>();
    const send = (now: number) => sendMeterEvents(ds, stripe, { now, batchSize: 5000, concurrency: 8, meters });

    // Stripe up: the first 10 hours go out (and the meters are created).
    let now = monthStart + 10 * H + 900;
    server.setNow(now);
    const first = await measureMeterEvents(ds, opts(now));
    expect(first).toMatchObject({ organizations: 1, hours: 10, skipped: [] });
    expect(await send(now)).toMatchObject({ failed: 0, pending: 0, sent: first.events });
    // The measurement also queued the send job in the transactional outbox.
    expect((await new OutboxRepository(ds, PREFIX).pending()).map((r) => r.name)).toContain('send-meter-events');

    // Stripe down (503) for an hour of exports: every run measures, nothing is sent, nothing is lost.
    server.setDown({ kind: 'status', status: 503 });
    let down = 0;
    for (let t = now + 900; t <= now + H; t += 900) {
      server.setNow(t);
      await measureMeterEvents(ds, opts(t));
      const r = await send(t + 3600); // even when every row is due
      expect(r.sent).toBe(0);
      down = r.pending;
    }
    now += H;
    expect(down).toBeGreaterThan(0);
    // Stripe answers again but the first answers are lost after it recorded the events (timeouts).
    server.setDown(null);
    server.inject({ path: '/v1/billing/meter_events', times: 3, fault: { kind: 'timeout', afterHandling: true } });
    now += 3 * H; // three more hours closed meanwhile
    server.setNow(now);
    await measureMeterEvents(ds, opts(now));
    const afterOutage = await send(now + 3600);
    expect(afterOutage.failed).toBe(3);
    // The next runs deliver the rest: the three lost answers come back as "already exists" (counted once).
    let last = afterOutage;
    for (let i = 0; i < 5 && last.pending > 0; i++) last = await send(now + 7200 + i * 3600);
    expect(last.pending).toBe(0);
    await expectStripeTotals(now);
    const [{ already }] = (await db.query(`SELECT count(*)::int AS already FROM meter_export_events WHERE last_error LIKE 'already delivered%'`)).rows;
    expect(already).toBe(3);

    // Late traffic for an hour already exported: a delta event, with its own identifier.
    const lateHour = monthStart + 10 * H;
    await addTraffic(lateHour, 5_000_000_007n);
    now += H;
    server.setNow(now);
    const late = await measureMeterEvents(ds, opts(now));
    expect(late.skipped).toEqual([]);
    const [{ deltas }] = (await db.query(`SELECT count(*)::int AS deltas FROM meter_export_events WHERE identifier LIKE '%.u%'`)).rows;
    expect(deltas).toBe(1);
    expect((await send(now)).pending).toBe(0);

    const { until, expected } = await expectStripeTotals(now);
    // One row per delivered event at Stripe: a replay of every row changes nothing.
    await db.query(`UPDATE meter_export_events SET sent_at = NULL`);
    const replay = await send(now + 10 * H);
    expect(replay).toMatchObject({ sent: 0, pending: 0 });
    for (const u of expected) expect(server.meterTotal(meterEventName(u.metric, u.priceVersion), customer.id, monthStart, until)).toBe(u.quantity);

    // Exported quantities × the catalog's prices = the preview: Stripe's invoice preview of a
    // subscription on the metered prices equals libs/billing's preview of the same hours, to the cent.
    const book = defaultPriceBook();
    const meterIds = new Map((await stripe.billing.meters.list({ limit: 100 })).data.map((m) => [m.event_name, m.id]));
    const product = await stripe.products.create({ name: 'Anyfront usage' });
    const prices: string[] = [];
    for (const item of stripeCatalog(book)) {
      const meter = meterIds.get(item.eventName) ?? (await stripe.billing.meters.create(item.meter)).id;
      prices.push((await stripe.prices.create({ ...item.price, product: product.id, unit_amount_decimal: Stripe.Decimal.from(item.price.unit_amount_decimal), recurring: { ...item.price.recurring, meter } })).id);
    }
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: prices.map((price) => ({ price })),
      backdate_start_date: monthStart,
      billing_cycle_anchor_config: { day_of_month: 1, hour: 0, minute: 0, second: 0 },
    });
    const theirs = await stripe.invoices.createPreview({ subscription: sub.id });
    const ours = previewInvoice({ organizationId: org, plan: 'standard', book, period: { from: monthStart, to: until }, holdings, traffic });
    expect(ours.subtotal > 0n).toBe(true);
    expect(theirs.subtotal).toBe(parseInt(ours.subtotal.toString(), 10));
    expect(ours.lines.filter((l) => l.kind === 'usage').reduce((a, l) => a + l.amount, 0n)).toBe(ours.subtotal);
  });
});

function hourStart(t: number): number {
  return t - (t % H);
}
