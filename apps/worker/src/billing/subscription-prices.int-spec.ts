import { Pool as PgPool } from 'pg';
import Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import { DEFAULT_PRICE_BOOK_INPUT, defaultPriceBook, ensureCatalogPrices, stripeCatalog } from '@anyfront/billing';
import { BillingRepository, createDataSource } from '@anyfront/db';
import { createScratchDatabase, FleetFixtures, StripeTestServer } from '@anyfront/testing';
import { syncSubscriptionPrices } from './subscription-prices';

/**
 * A price-book change reaches Stripe: the subscriptions get the new version's metered prices once it
 * is in force (its usage meters into af.v2.*, which bills only through them), the old ones stay for
 * the rest of the period, and a second run changes nothing. Real SDK against the Stripe test server.
 */
jest.setTimeout(120_000);

describe('subscription prices follow the price book', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PgPool;
  let ds: DataSource;
  let server: StripeTestServer;
  let stripe: Stripe;

  beforeAll(async () => {
    scratch = await createScratchDatabase('subprices');
    db = new PgPool({ connectionString: scratch.url, max: 2 });
    db.on('error', () => undefined);
    ds = createDataSource(scratch.url, { poolSize: 2 });
    await ds.initialize();
    server = await StripeTestServer.start();
    stripe = new Stripe(server.apiKey, { ...server.sdkConfig(), maxNetworkRetries: 0, timeout: 5_000 });
  });
  afterAll(async () => {
    await server?.stop();
    await ds?.destroy();
    await db?.end();
    await scratch?.drop();
  });

  it('adds version 2 prices when version 2 takes effect, keeps version 1 for the period, once', async () => {
    const org = await new FleetFixtures(db).organization();
    const customer = await stripe.customers.create({ metadata: { anyfront_organization_id: org } });
    const v1Items = stripeCatalog(defaultPriceBook()).filter((c) => c.priceVersion === 1);
    const v1Prices = await ensureCatalogPrices(stripe, v1Items);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [...v1Prices.values()].map((price) => ({ price })) });
    await db.query(
      `INSERT INTO billing_subscriptions (id, organization_id, status, created, plan, event_id, event_created) VALUES ($1, $2, 'active', $3, 'standard', 'evt_test', 0)`,
      [sub.id, org, sub.created],
    );
    const nextHour = (Math.floor(Date.now() / 3_600_000) + 1) * 3600;
    const v1 = DEFAULT_PRICE_BOOK_INPUT[0];
    await new BillingRepository(ds).insertPriceBookEntry({ ...v1, version: 2, effectiveFrom: new Date(nextHour * 1000).toISOString(), trafficGb: '2' }, null);

    const lookupKeys = async () => (await stripe.subscriptions.retrieve(sub.id)).items.data.map((i) => i.price.lookup_key).sort();
    // Before version 2 is in force: nothing changes.
    expect((await syncSubscriptionPrices(ds, stripe, nextHour - 60)).changed).toEqual([]);
    expect(await lookupKeys()).toEqual(v1Items.map((i) => i.price.lookup_key).sort());

    const after = await syncSubscriptionPrices(ds, stripe, nextHour + 60);
    const v2Keys = v1Items.map((i) => i.price.lookup_key.replace('af.v1.', 'af.v2.'));
    expect(after.changed).toEqual([{ subscription: sub.id, added: expect.arrayContaining(v2Keys), removed: [] }]);
    expect(await lookupKeys()).toEqual([...v1Items.map((i) => i.price.lookup_key), ...v2Keys].sort());
    // The new traffic price is the one v2 asked for (2 cents per GB = 2e-9 cents per byte).
    const bytesPrice = (await stripe.subscriptions.retrieve(sub.id)).items.data.find((i) => i.price.lookup_key === 'af.v2.bytes')?.price;
    expect(String(bytesPrice?.unit_amount_decimal)).toBe('0.000000002');

    // Idempotent: a second run (or a retried job) changes nothing.
    expect((await syncSubscriptionPrices(ds, stripe, nextHour + 120)).changed).toEqual([]);
    // With the caller's settled set, a subscription is read from Stripe once per version and period.
    const settled = new Set<string>();
    expect((await syncSubscriptionPrices(ds, stripe, nextHour + 150, settled)).checked).toBe(1);
    expect((await syncSubscriptionPrices(ds, stripe, nextHour + 180, settled)).checked).toBe(0);
    expect(await lookupKeys()).toHaveLength(v1Items.length * 2);
  });
});
