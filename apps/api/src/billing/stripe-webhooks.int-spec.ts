import { type AppProcess, createScratchDatabase, signup, startWorkerProcesses, stopProcesses, StripeTestServer, type TestAccount, waitFor } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

/**
 * Stripe webhooks end to end: the real `stripe` SDK signs (generateTestHeaderString, through the
 * Stripe test server) and verifies (constructEvent in the API); a real worker process applies each
 * stored event once. Own database: the worker runs every billing and fleet job it finds.
 */
jest.setTimeout(180_000);

const DAY = 86_400;
type Json = Record<string, unknown>;

describe('Stripe webhooks (/v1/billing/webhooks/stripe) with a worker', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let stripe: StripeTestServer;
  let t: TestApp;
  let worker: AppProcess | undefined;
  let webhookUrl: string;

  beforeAll(async () => {
    stripe = await StripeTestServer.start();
    scratch = await createScratchDatabase('webhooks');
    const stripeEnv = {
      STRIPE_SECRET_KEY: stripe.apiKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(stripe.sdkConfig().port),
      STRIPE_API_PROTOCOL: 'http',
    };
    t = await createTestApp({ env: { DATABASE_URL: scratch.url, ...stripeEnv } });
    [worker] = await startWorkerProcesses(1, {
      DATABASE_URL: scratch.url,
      REDIS_URL: t.config.redisUrl,
      QUEUE_PREFIX: t.config.queuePrefix,
      BILLING_SWEEP_INTERVAL_SECONDS: '1',
      ...stripeEnv,
    });
    webhookUrl = `${t.url}/v1/billing/webhooks/stripe`;
  });

  afterAll(async () => {
    if (worker) await stopProcesses([worker]);
    await t?.close();
    await stripe?.stop();
    await scratch?.drop();
  });

  /** A tenant with a Stripe Customer (created by the API when the owner opens Checkout). */
  async function customer(): Promise<{ account: TestAccount; customerId: string }> {
    const account = await signup(t);
    const res = await account.bearer.post('/v1/billing/checkout-session').send({});
    expect(res.status).toBe(200);
    const [row] = await t.dataSource.query(`SELECT stripe_customer_id FROM billing_accounts WHERE organization_id = $1`, [account.organizationId]);
    return { account, customerId: row.stripe_customer_id as string };
  }

  /** Stripe emits an event without delivering it yet (the test chooses when, how often and in which order). */
  function held(type: string, object: Json): Json {
    stripe.webhookUrl = null;
    return stripe.emit(type, object);
  }

  async function deliver(event: Json, times = 1): Promise<number[]> {
    stripe.webhookUrl = webhookUrl;
    return (await stripe.deliver(event.id as string, times)).map((d) => d.status ?? 0);
  }

  let invoiceSeq = 0;
  function invoice(customerId: string, over: Json = {}): Json {
    const now = stripe.now();
    invoiceSeq++;
    return {
      object: 'invoice',
      id: `in_test_${Date.now()}_${invoiceSeq}`,
      customer: customerId,
      status: 'open',
      created: now,
      currency: 'usd',
      amount_due: 1234,
      amount_paid: 0,
      period_start: now - 30 * DAY,
      period_end: now,
      hosted_invoice_url: `${stripe.url}/invoices/x`,
      ...over,
    };
  }

  const processed = (eventId: unknown) =>
    waitFor(() => `event ${String(eventId)} processed by the worker\n${worker?.output().slice(-3000)}`, async () => {
      const [row] = await t.dataSource.query(`SELECT processed_at, outcome, deliveries FROM stripe_events WHERE id = $1`, [eventId]);
      return row?.processed_at ? row : null;
    }, 60_000, 100);

  const audit = async (org: string, action: string) =>
    t.dataSource.query<Array<{ details: Json }>>(`SELECT details FROM audit_log WHERE organization_id = $1 AND action = $2 ORDER BY created_at`, [org, action]);

  it('a forged, stale or missing signature is refused with a 400 problem and changes nothing; the genuine delivery is accepted', async () => {
    const { account, customerId } = await customer();
    const failed = held('invoice.payment_failed', invoice(customerId));
    const forged = stripe.signedPayload(failed, { secret: 'whsec_not_the_endpoint_secret' });
    const stale = stripe.signedPayload(failed, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const tampered = stripe.signedPayload(failed);
    const send = (payload: string, header?: string) => {
      const req = t.http().post('/v1/billing/webhooks/stripe').set('content-type', 'application/json');
      return (header ? req.set('stripe-signature', header) : req).send(payload);
    };
    const refusals = [
      await send(forged.payload, forged.header),
      await send(stale.payload, stale.header),
      await send(tampered.payload.replace('"amount_due": 1234', '"amount_due": 1'), tampered.header),
      await send(tampered.payload),
    ];
    for (const r of refusals) {
      expect(r.status).toBe(400);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ type: 'urn:anyfront:problem:stripe-signature', status: 400 });
    }
    expect(refusals[1].body.errors[0].message).toMatch(/timestamp outside the tolerance zone/i);
    expect(refusals[3].body.errors[0].field).toBe('header.stripe-signature');
    // Nothing stored, nothing changed.
    expect(await t.dataSource.query(`SELECT 1 FROM stripe_events WHERE id = $1`, [failed.id])).toEqual([]);
    expect((await account.bearer.get('/v1/billing')).body.status).toBe('active');
    // Negative control: the same event, signed by Stripe's secret and fresh, is accepted and applied.
    expect(await deliver(failed)).toEqual([200]);
    await processed(failed.id);
    expect((await account.bearer.get('/v1/billing')).body.status).toBe('past_due');
  });

  it('replay x10: the event is stored once and applied once (one past_due, one audit entry); invoice.paid restores; invoices mirrored', async () => {
    const { account, customerId } = await customer();
    const org = account.organizationId;
    const inv = invoice(customerId);
    const failed = held('invoice.payment_failed', inv);
    expect(await deliver(failed, 10)).toEqual(Array(10).fill(200));
    const row = await processed(failed.id);
    expect(row.outcome).toBe('applied');
    // One row, every delivery counted on it.
    expect(await t.dataSource.query(`SELECT deliveries FROM stripe_events WHERE id = $1`, [failed.id])).toEqual([{ deliveries: 10 }]);
    const billing = (await account.bearer.get('/v1/billing')).body;
    expect(billing).toMatchObject({ status: 'past_due', status_reason: 'payment_failed', grace_until: new Date(((failed.created as number) + 7 * DAY) * 1000).toISOString() });
    const pastDue = await audit(org, 'billing.past_due');
    expect(pastDue).toHaveLength(1);
    expect(pastDue[0].details).toMatchObject({ invoiceIds: [inv.id], stripe_event_id: failed.id });
    const invoices = (await account.bearer.get('/v1/billing/invoices')).body;
    expect(invoices.mode).toBe('stripe');
    expect(invoices.invoices).toEqual([
      expect.objectContaining({ id: inv.id, source: 'stripe', status: 'open', amount_due: '1234', amount_paid: '0', payment_failed_at: new Date((failed.created as number) * 1000).toISOString().replace('.000Z', 'Z') }),
    ]);

    // The customer pays: restored, once, even when Stripe sends it three times.
    const paid = held('invoice.paid', { ...inv, status: 'paid', amount_paid: 1234 });
    expect(await deliver(paid, 3)).toEqual([200, 200, 200]);
    await processed(paid.id);
    expect((await account.bearer.get('/v1/billing')).body).toMatchObject({ status: 'active', status_reason: null, grace_until: null });
    expect(await audit(org, 'billing.restored')).toHaveLength(1);
    expect((await account.bearer.get('/v1/billing/invoices')).body.invoices[0]).toMatchObject({ id: inv.id, status: 'paid', amount_paid: '1234' });
    // A stale payment_failed redelivered after the payment changes nothing.
    expect(await deliver(failed, 1)).toEqual([200]);
    expect((await account.bearer.get('/v1/billing')).body.status).toBe('active');
  });

  it('out of order: invoice.paid before invoice.payment_failed of the same invoice leaves the organization active (never past due)', async () => {
    const { account, customerId } = await customer();
    const inv = invoice(customerId);
    const finalized = held('invoice.finalized', inv);
    const failed = held('invoice.payment_failed', inv);
    const paid = held('invoice.paid', { ...inv, status: 'paid', amount_paid: 1234 });
    // Delivered newest first.
    for (const e of [paid, failed, finalized]) {
      expect(await deliver(e)).toEqual([200]);
      await processed(e.id);
    }
    expect((await account.bearer.get('/v1/billing')).body.status).toBe('active');
    expect(await audit(account.organizationId, 'billing.past_due')).toEqual([]);
    expect((await account.bearer.get('/v1/billing/invoices')).body.invoices).toEqual([expect.objectContaining({ id: inv.id, status: 'paid' })]);
  });

  it("events of a customer no organization has, and unhandled types, are stored and marked, and change nobody's standing", async () => {
    const stray = held('invoice.payment_failed', invoice('cus_nobody'));
    const other = held('charge.refunded', { object: 'charge', id: 'ch_1' });
    expect(await deliver(stray)).toEqual([200]);
    expect(await deliver(other)).toEqual([200]);
    expect((await processed(stray.id)).outcome).toMatch(/^unmatched/);
    expect((await processed(other.id)).outcome).toMatch(/^ignored: event type not handled/);
  });
});
