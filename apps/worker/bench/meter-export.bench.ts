// Stripe meter export throughput through the export outbox, on real Postgres, sending with the real
// `stripe` SDK to the Stripe test server on loopback (so the figure is our overhead, not Stripe's
// rate limit). Same run, same events, three paths:
//   baseline: the meter events, precomputed in memory, sent straight with the SDK (8 at once);
//   measure:  measureMeterEvents (read holdings and traffic, rate, insert into meter_export_events);
//   send:     sendMeterEvents (read due rows, send 8 at once, mark each sent).
// Own scratch database (dropped at the end).
// Run: node -r ./scripts/register.js apps/worker/bench/meter-export.bench.ts
//   env: DATABASE_URL (server; default postgres://postgres@127.0.0.1:5432/postgres), BENCH_ORGS (default 100), BENCH_HOURS (default 24)
import { loadavg } from 'node:os';
import { Pool as PgPool } from 'pg';
import Stripe from 'stripe';
import { defaultPriceBook, measureUsage, meterEventsForHour, stripeCatalog, type Holding, type MeterEventParams } from '@anyfront/billing';
import { createDataSource } from '@anyfront/db';
import { createScratchDatabase, FleetFixtures, StripeTestServer } from '@anyfront/testing';
import { measureMeterEvents, sendMeterEvents } from '../src/billing/meter-export';

const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ORGS = Number(process.env.BENCH_ORGS ?? 100);
const HOURS = Number(process.env.BENCH_HOURS ?? 24);
const H = 3600;
const CONCURRENCY = 8;

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('meter_bench', BASE_URL);
  const db = new PgPool({ connectionString: scratch.url, max: 4 });
  db.on('error', () => undefined);
  const ds = createDataSource(scratch.url, { poolSize: 4 });
  await ds.initialize();
  const server = await StripeTestServer.start({ identifierWindowSeconds: 365 * 86_400 });
  try {
    const monthStart = Date.UTC(2026, 10, 1) / 1000;
    const now = monthStart + HOURS * H + 900;
    server.setNow(now);
    const stripe = new Stripe(server.apiKey, { ...server.sdkConfig(), maxNetworkRetries: 0 });
    const baselineStripe = await StripeTestServer.start({ identifierWindowSeconds: 365 * 86_400 });
    baselineStripe.setNow(now);
    const baseline = new Stripe(baselineStripe.apiKey, { ...baselineStripe.sdkConfig(), maxNetworkRetries: 0 });
    const book = defaultPriceBook();
    for (const item of stripeCatalog(book)) {
      await stripe.billing.meters.create(item.meter);
      await baseline.billing.meters.create(item.meter);
    }

    // Usage: per organization 2 IPv4 + 1 IPv6 address all along, traffic every hour through one region.
    const fx = new FleetFixtures(db);
    const [{ id: popId }] = (await db.query(`INSERT INTO pops (code, name, region) VALUES ('mb1', 'mb1', 'eu-west') RETURNING id`)).rows;
    const expected: MeterEventParams[] = [];
    const baselineCustomer = new Map<string, string>();
    for (let o = 0; o < ORGS; o++) {
      const org = await fx.organization(`bench ${o}`);
      const customer = (await stripe.customers.create({})).id;
      baselineCustomer.set(customer, (await baseline.customers.create({})).id);
      await db.query(`INSERT INTO billing_accounts (organization_id, stripe_customer_id, plan) VALUES ($1, $2, 'standard')`, [org, customer]);
      const service = `00000000-0000-4000-8000-${o.toString().padStart(12, '0')}`;
      const holdings: Holding[] = [`10.${(o >> 8) & 255}.${o & 255}.1`, `10.${(o >> 8) & 255}.${o & 255}.2`, `fd00::${o.toString(16)}:1`].map((address) => ({
        organizationId: org, serviceId: service, address, family: address.includes(':') ? 6 : 4, from: monthStart - 86_400, to: null,
      }));
      for (const h of holdings) {
        await db.query(`INSERT INTO address_holdings (organization_id, service_id, anycast_address_id, address, family, held_from) VALUES ($1, $2, gen_random_uuid(), $3, $4, to_timestamp($5))`,
          [org, service, h.address, h.family, h.from]);
      }
      const traffic = [];
      for (let h = monthStart; h < monthStart + HOURS * H; h += H) traffic.push({ organizationId: org, serviceId: service, hour: h, region: 'eu-west', bytes: BigInt(1_000_000 + o * 7 + h % 997) });
      await db.query(
        `INSERT INTO traffic_hourly (hour, service_id, pop_id, organization_id, bytes, packets) SELECT to_timestamp(x.h), $1, $2, $3, x.b, 1 FROM unnest($4::bigint[], $5::bigint[]) AS x(h, b)`,
        [service, popId, org, traffic.map((t) => t.hour), traffic.map((t) => t.bytes.toString())],
      );
      for (let h = monthStart; h < monthStart + HOURS * H; h += H) {
        expected.push(...meterEventsForHour({ organizationId: org, stripeCustomerId: customer, hour: h, usage: measureUsage(book, org, { from: h, to: h + H }, holdings, traffic) }));
      }
    }

    // Baseline: the same events straight to Stripe.
    const direct = expected.map((e) => ({ ...e, payload: { ...e.payload, stripe_customer_id: baselineCustomer.get(e.payload.stripe_customer_id) as string } }));
    let t0 = performance.now();
    for (let i = 0; i < direct.length; i += CONCURRENCY) await Promise.all(direct.slice(i, i + CONCURRENCY).map((e) => baseline.billing.meterEvents.create(e)));
    const baselineMs = performance.now() - t0;

    t0 = performance.now();
    const measured = await measureMeterEvents(ds, { now, delaySeconds: 600, lookbackHours: 0, maxHoursPerRun: HOURS, queuePrefix: 'bench' });
    const measureMs = performance.now() - t0;
    t0 = performance.now();
    const sent = await sendMeterEvents(ds, stripe, { now, batchSize: expected.length + 1, concurrency: CONCURRENCY, meters: new Set(stripeCatalog(book).map((c) => c.eventName)) });
    const sendMs = performance.now() - t0;
    if (measured.events !== expected.length || sent.sent !== expected.length || sent.pending !== 0) {
      throw new Error(`export mismatch: expected ${expected.length} events, measured ${measured.events}, sent ${sent.sent}, pending ${sent.pending}`);
    }
    await baselineStripe.stop();

    const rate = (ms: number) => ((expected.length / ms) * 1000).toFixed(0);
    console.log(`\nStripe meter export: ${ORGS} organizations × ${HOURS} h = ${expected.length} meter events (load average ${loadavg()[0].toFixed(1)})`);
    console.log(`  baseline, SDK only (${CONCURRENCY} at once): ${baselineMs.toFixed(0)} ms, ${rate(baselineMs)} events/s, 1.00x`);
    console.log(`  measure into the export outbox        : ${measureMs.toFixed(0)} ms, ${rate(measureMs)} events/s, ${(measureMs / baselineMs).toFixed(2)}x`);
    console.log(`  send from the export outbox            : ${sendMs.toFixed(0)} ms, ${rate(sendMs)} events/s, ${(sendMs / baselineMs).toFixed(2)}x`);
  } finally {
    await server.stop();
    await ds.destroy();
    await db.end();
    await scratch.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
