// The Stripe test server driven by the real `stripe` SDK (host/port/protocol pointed at it): shapes,
// errors, Idempotency-Key semantics, meter-event dedupe, failure injection, webhook signatures, and
// an invoice preview that matches libs/billing's rating of the same usage.
import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import {
  INITIAL_APPLIED_STATE,
  classifyStripeError,
  defaultPriceBook,
  handleStripeEvent,
  measureUsage,
  meterEventsForHour,
  newBillingAccount,
  previewInvoice,
  stripeCatalog,
  type Holding,
  type TrafficHour,
} from '@anyfront/billing';
import { StripeTestServer } from './server';

const H = 3600;
jest.setTimeout(60_000);

let server: StripeTestServer;
let stripe: Stripe;

function client(options: Partial<Stripe.StripeConfig> = {}): Stripe {
  return new Stripe(server.apiKey, { ...server.sdkConfig(), maxNetworkRetries: 0, ...options });
}

async function rejection(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await p;
  } catch (e) {
    return e as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}

beforeEach(async () => {
  server = await StripeTestServer.start();
  stripe = client();
});
afterEach(async () => {
  await server.stop();
});

describe('Stripe test server through the real SDK', () => {
  it('creates and retrieves customers; unknown ids and bad keys fail like Stripe', async () => {
    const c = await stripe.customers.create({ email: 'owner@example.com', metadata: { anyfront_organization_id: 'org-1' } });
    expect(c).toMatchObject({ object: 'customer', email: 'owner@example.com', metadata: { anyfront_organization_id: 'org-1' } });
    expect(c.id).toMatch(/^cus_/);
    expect((await stripe.customers.retrieve(c.id)).id).toBe(c.id);
    const missing = await rejection(stripe.customers.retrieve('cus_nope'));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', message: "No such customer: 'cus_nope'" });
    const badKey = await rejection(new Stripe('sk_test_wrong_key_123456', { ...server.sdkConfig(), maxNetworkRetries: 0 }).customers.create({}));
    expect(badKey).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const missingParam = await rejection(stripe.billing.meters.create({ display_name: 'x' } as Stripe.Billing.MeterCreateParams));
    expect(missingParam).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'event_name' });
  });

  it('answers errors in Stripe\'s JSON shape', async () => {
    const res = await fetch(`${server.url}/v1/customers/cus_x`, { headers: { authorization: `Bearer ${server.apiKey}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { type: 'invalid_request_error', message: "No such customer: 'cus_x'", code: 'resource_missing', param: 'id' } });
  });

  it('creates the billing catalog (meters, metered prices) and lists it', async () => {
    const product = await stripe.products.create({ name: 'Anyfront usage' });
    const catalog = stripeCatalog(defaultPriceBook());
    for (const item of catalog) {
      const meter = await stripe.billing.meters.create(item.meter);
      await stripe.prices.create({ ...item.price, product: product.id, unit_amount_decimal: Stripe.Decimal.from(item.price.unit_amount_decimal), recurring: { ...item.price.recurring, meter: meter.id } });
    }
    const meters = await stripe.billing.meters.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(meters.map((m) => m.event_name).sort()).toEqual(catalog.map((c) => c.eventName).sort());
    const dup = await rejection(stripe.billing.meters.create(catalog[0].meter));
    expect(dup).toMatchObject({ statusCode: 400, param: 'event_name' });
    const prices = await stripe.prices.list({ lookup_keys: ['af.v1.ipv4', 'af.v1.bytes'] });
    expect(prices.data.map((p) => [p.lookup_key, p.unit_amount_decimal?.toString()]).sort()).toEqual([
      ['af.v1.bytes', '0.0000000015'],
      ['af.v1.ipv4', '0.00015'],
    ]);
  });

  it('refuses a second meter event with the same identifier (a replayed export counts once)', async () => {
    const customer = await stripe.customers.create({});
    await stripe.billing.meters.create(stripeCatalog(defaultPriceBook())[0].meter);
    const now = server.now();
    const params = { event_name: 'af.v1.ipv4', identifier: `org-1.af.v1.ipv4.h1`, timestamp: now - H, payload: { stripe_customer_id: customer.id, value: '3600' } };
    expect(await stripe.billing.meterEvents.create(params)).toMatchObject({ object: 'billing.meter_event', identifier: params.identifier });
    const again = await rejection(stripe.billing.meterEvents.create(params));
    expect(again).toMatchObject({ statusCode: 400, message: `An event already exists with identifier ${params.identifier}.` });
    expect(classifyStripeError(again)).toEqual({ kind: 'already_delivered' });
    expect(server.meterTotal('af.v1.ipv4', customer.id, 0, now + 1)).toBe(3600n);
    // Stripe only promises to remember identifiers for about a day: after that a replay would count.
    server.advance(25 * H);
    await stripe.billing.meterEvents.create({ ...params, timestamp: server.now() - H });
    expect(server.meterTotal('af.v1.ipv4', customer.id, 0, server.now() + 1)).toBe(7200n);
    const stale = await rejection(stripe.billing.meterEvents.create({ ...params, identifier: 'other', timestamp: server.now() - 36 * 24 * H }));
    expect(stale).toMatchObject({ statusCode: 400, param: 'timestamp' });
    const decimal = await rejection(stripe.billing.meterEvents.create({ ...params, identifier: 'dec', payload: { ...params.payload, value: '1.5' } }));
    expect(decimal).toMatchObject({ statusCode: 400, param: 'payload[value]' });
  });

  it('Idempotency-Key: same key and params replay the response; other params are an idempotency error', async () => {
    const a = await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'org-1:customer' });
    const b = await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'org-1:customer' });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(server.state.customers.size).toBe(1);
    const other = await rejection(stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: 'org-1:customer' }));
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(other.statusCode).toBe(400);
    expect(server.state.customers.size).toBe(1);
  });

  it('5xx and timeouts are retried by the SDK with one idempotency key: the effect happens once', async () => {
    server.inject({ path: '/v1/customers', fault: { kind: 'status', status: 503 } });
    const retrying = client({ maxNetworkRetries: 2 });
    await retrying.customers.create({ email: 'x@example.com' });
    // The response to the first attempt is lost after the customer was created: the retry is a replay.
    server.inject({ path: '/v1/customers', fault: { kind: 'timeout', afterHandling: true } });
    await client({ maxNetworkRetries: 2, timeout: 400 }).customers.create({ email: 'y@example.com' });
    expect([...server.state.customers.values()].map((c) => c.email).sort()).toEqual(['x@example.com', 'y@example.com']);
    const posts = server.requests.filter((r) => r.path === '/v1/customers');
    expect(posts.map((r) => [r.fault, r.status, r.replayed])).toEqual([
      ['status', 503, false],
      [null, 200, false],
      ['timeout', 'no response', false],
      [null, 200, true],
    ]);
    expect(posts[0].idempotencyKey).toBe(posts[1].idempotencyKey);
    expect(posts[2].idempotencyKey).toBe(posts[3].idempotencyKey);
    // Without retries a timeout surfaces as a connection error, which the export retries later.
    server.inject({ path: '/v1/customers', fault: { kind: 'timeout' } });
    const timedOut = await rejection(client({ timeout: 300 }).customers.create({}));
    expect(timedOut).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(classifyStripeError(timedOut)).toMatchObject({ kind: 'retry' });
  });

  it('429 carries Retry-After; "Stripe down" fails everything until it is back', async () => {
    server.inject({ method: 'POST', path: /^\/v1\/billing\//, times: 2, fault: { kind: 'rate_limit', retryAfterSeconds: 7 } });
    const limited = await rejection(stripe.billing.meters.create(stripeCatalog(defaultPriceBook())[0].meter));
    expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(limited.headers?.['retry-after']).toBe('7');
    expect(classifyStripeError(limited)).toMatchObject({ kind: 'retry', afterSeconds: 7 });
    server.clearFaults();
    server.setDown({ kind: 'status', status: 500 });
    expect(await rejection(stripe.customers.create({}))).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(await rejection(stripe.customers.retrieve('cus_x'))).toMatchObject({ statusCode: 500 });
    server.setDown(null);
    expect((await stripe.customers.create({})).id).toMatch(/^cus_/);
    expect(server.state.customers.size).toBe(1);
  });

  it('a dropped connection after the request took effect is retried once by the SDK and replayed', async () => {
    server.inject({ path: '/v1/customers', fault: { kind: 'reset', afterHandling: true } });
    await stripe.customers.create({ email: 'z@example.com' });
    expect(server.state.customers.size).toBe(1);
    expect(server.requests.filter((r) => r.path === '/v1/customers').map((r) => r.replayed)).toEqual([false, true]);
  });

  it('signs webhooks with the SDK helper; constructEvent accepts them and rejects forged and stale ones', async () => {
    const event = server.emit('invoice.paid', { object: 'invoice', id: 'in_1' });
    const { payload, header } = server.signedPayload(event);
    const parsed = stripe.webhooks.constructEvent(payload, header, server.webhookSecret);
    expect(parsed).toMatchObject({ id: event.id, type: 'invoice.paid' });
    const forged = server.signedPayload(event, { secret: 'whsec_attacker' });
    expect(() => stripe.webhooks.constructEvent(forged.payload, forged.header, server.webhookSecret)).toThrow(Stripe.errors.StripeSignatureVerificationError);
    const stale = server.signedPayload(event, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(() => stripe.webhooks.constructEvent(stale.payload, stale.header, server.webhookSecret)).toThrow(/tolerance/);
    expect(() => stripe.webhooks.constructEvent(payload.replace('in_1', 'in_2'), header, server.webhookSecret)).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('a month of exported usage: the Stripe invoice preview equals libs/billing\'s preview; dunning through signed webhooks', async () => {
    // The subscription starts on a whole hour (backdated) and renews on the 1st, 00:00 UTC.
    const start = Date.UTC(2026, 10, 1) / 1000; // 2026-11-01
    const end = Date.UTC(2026, 11, 1) / 1000;
    server.setNow(end - 30 * 60); // 23:30 on the last day of the month
    const book = defaultPriceBook();
    const product = await stripe.products.create({ name: 'Anyfront usage' });
    const prices: string[] = [];
    for (const item of stripeCatalog(book)) {
      const meter = await stripe.billing.meters.create(item.meter);
      prices.push((await stripe.prices.create({ ...item.price, product: product.id, unit_amount_decimal: Stripe.Decimal.from(item.price.unit_amount_decimal), recurring: { ...item.price.recurring, meter: meter.id } })).id);
    }
    const allowance = book.entries[0].freeAllowance;
    const coupon = await stripe.coupons.create({ id: 'anyfront-allowance-v1', amount_off: parseInt(allowance.toString(), 10), currency: 'usd', duration: 'forever' });
    const customer = await stripe.customers.create({ metadata: { anyfront_organization_id: 'org-1' } }, { idempotencyKey: 'customer:org-1' });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: prices.map((price) => ({ price })),
      backdate_start_date: start,
      billing_cycle_anchor_config: { day_of_month: 1, hour: 0, minute: 0, second: 0 },
      discounts: [{ coupon: coupon.id }],
      metadata: { anyfront_plan: 'standard' },
    });
    expect(sub.items.data[0]).toMatchObject({ current_period_start: start, current_period_end: end });

    // Usage: three services' addresses (one released mid-month, one partial hour) and traffic in three regions.
    const org = 'org-1';
    const holdings: Holding[] = [
      ...[1, 2, 3, 4].map((i) => ({ organizationId: org, serviceId: `s${i >> 1}`, address: `192.0.2.${i}`, family: 4 as const, from: start - 86_400, to: null })),
      { organizationId: org, serviceId: 's9', address: '192.0.2.9', family: 4, from: start + 10 * 86_400 + 1234, to: start + 20 * 86_400 + 17 },
      { organizationId: org, serviceId: 's1', address: 'fd00::1', family: 6, from: start, to: null },
    ];
    const traffic: TrafficHour[] = [];
    for (let h = start; h < end - H; h += 7 * H) {
      traffic.push({ organizationId: org, serviceId: 's1', hour: h, region: ['eu-west', 'ap-southeast', 'sa-east'][(h / H) % 3], bytes: BigInt(h % 9973) * 1_000_003n });
    }
    // The hourly export, as the worker will run it, up to the last closed hour.
    const exportUntil = end - H;
    for (let day = start; day < exportUntil; day += 24 * H) {
      const events = [];
      for (let h = day; h < Math.min(day + 24 * H, exportUntil); h += H) {
        const usage = measureUsage(book, org, { from: h, to: h + H }, holdings, traffic);
        events.push(...meterEventsForHour({ organizationId: org, stripeCustomerId: customer.id, hour: h, usage }));
      }
      await Promise.all(events.map((e) => stripe.billing.meterEvents.create(e)));
    }
    const ours = previewInvoice({ organizationId: org, plan: 'standard', book, period: { from: start, to: exportUntil }, holdings, traffic });
    const theirs = await stripe.invoices.createPreview({ subscription: sub.id });
    const theirLines = new Map(theirs.lines.data.map((l) => [l.pricing?.price_details?.price, l]));
    const byLookup = new Map((await stripe.prices.list({ limit: 100 })).data.map((p) => [p.lookup_key, p.id]));
    for (const line of ours.lines) {
      if (line.kind !== 'usage') continue;
      const theirsLine = theirLines.get(byLookup.get(`af.v${line.priceVersion}.${line.metric === 'ipv4_address_seconds' ? 'ipv4' : line.metric === 'ipv6_address_seconds' ? 'ipv6' : line.metric.replace('traffic_bytes', 'bytes')}`));
      expect([line.metric, theirsLine?.quantity_decimal?.toString(), theirsLine?.amount]).toEqual([line.metric, line.quantity.toString(), parseInt(line.amount.toString(), 10)]);
    }
    expect(theirs.subtotal).toBe(parseInt(ours.subtotal.toString(), 10));
    expect(theirs.total).toBe(parseInt(ours.total.toString(), 10));
    expect(ours.total > 0n).toBe(true);

    // Period end: the invoice's payment fails, then succeeds. The events reach a webhook endpoint signed.
    const received: { payload: string; signature: string }[] = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ payload: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature']) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    server.webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/billing/webhooks/stripe`;
    try {
      server.setNow(end + 600);
      const invoice = server.closePeriod(sub.id, 'failed');
      expect((await stripe.invoices.retrieve(invoice.id as string)).status).toBe('open');
      server.advance(2 * 86_400);
      server.payInvoice(invoice.id as string);
      await server.flushWebhooks();
      const events = received.map((r) => stripe.webhooks.constructEvent(r.payload, r.signature, server.webhookSecret));
      expect(events.map((e) => e.type)).toEqual(['invoice.finalized', 'invoice.payment_failed', 'invoice.paid']);
      // Delivered in reverse (paid first), the dunning outcome is the same: never suspended, restored.
      let account = newBillingAccount(org);
      let applied = INITIAL_APPLIED_STATE;
      const types: string[] = [];
      for (const e of [...events].reverse()) {
        const r = handleStripeEvent(applied, account, e, server.now());
        account = r.account;
        applied = r.applied;
        types.push(...r.transitions.map((t) => t.type));
      }
      expect(types).toEqual([]);
      // In order, the failure makes the organization past due and the payment restores it.
      account = newBillingAccount(org);
      applied = INITIAL_APPLIED_STATE;
      for (const e of events) {
        const r = handleStripeEvent(applied, account, e, e.created);
        account = r.account;
        applied = r.applied;
        types.push(...r.transitions.map((t) => t.type));
      }
      expect(types).toEqual(['past_due', 'restored']);
      const listed = await stripe.invoices.list({ customer: customer.id });
      expect(listed.data.map((i) => [i.id, i.status, i.amount_paid])).toEqual([[invoice.id, 'paid', theirs.total]]);
      // The next period started where the last one ended.
      expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]).toMatchObject({ current_period_start: end, current_period_end: Date.UTC(2027, 0, 1) / 1000 });
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });

  it('Checkout and the customer portal return URLs; completing Checkout subscribes and emits checkout.session.completed', async () => {
    const product = await stripe.products.create({ name: 'Anyfront usage' });
    const item = stripeCatalog(defaultPriceBook())[0];
    const meter = await stripe.billing.meters.create(item.meter);
    const price = await stripe.prices.create({ ...item.price, product: product.id, unit_amount_decimal: Stripe.Decimal.from(item.price.unit_amount_decimal), recurring: { ...item.price.recurring, meter: meter.id } });
    const customer = await stripe.customers.create({});
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      client_reference_id: 'org-1',
      line_items: [{ price: price.id }],
      subscription_data: { metadata: { anyfront_plan: 'standard' } },
      success_url: 'http://localhost:3000/billing?checkout={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://localhost:3000/billing',
    });
    expect(session.url).toMatch(new RegExp(`^${server.url}/checkout/cs_`));
    const meteredWithQuantity = await rejection(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], success_url: 'http://x' }));
    expect(meteredWithQuantity).toMatchObject({ statusCode: 400, param: 'line_items[0][quantity]' });
    // The customer visits the hosted page: the test server completes the session and redirects back.
    const location = await new Promise<string | undefined>((resolve, reject) => httpGet(session.url as string, (res) => { res.resume(); resolve(res.headers.location); }).on('error', reject));
    expect(location).toBe(`http://localhost:3000/billing?checkout=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: 'complete', customer: customer.id });
    const completed = server.eventsOf('checkout.session.completed');
    expect(completed).toHaveLength(1);
    const r = handleStripeEvent(INITIAL_APPLIED_STATE, newBillingAccount('org-1'), completed[0] as unknown as Stripe.Event, server.now());
    expect(r.transitions).toEqual([{ type: 'payment_method_added' }, { type: 'plan_changed', from: 'free', to: 'standard' }]);
    const subscription = await stripe.subscriptions.retrieve(done.subscription as string);
    expect(subscription.metadata).toEqual({ anyfront_plan: 'standard' });
    const updated = await stripe.subscriptions.update(subscription.id, { metadata: { anyfront_plan: 'custom' }, cancel_at_period_end: true });
    expect(updated).toMatchObject({ cancel_at_period_end: true, metadata: { anyfront_plan: 'custom' } });
    expect(server.eventsOf('customer.subscription.updated')).toHaveLength(1);

    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://localhost:3000/billing' });
    expect(portal).toMatchObject({ object: 'billing_portal.session', customer: customer.id });
    expect(await rejection(stripe.billingPortal.sessions.create({ customer: 'cus_nope' }))).toMatchObject({ statusCode: 400, code: 'resource_missing' });
  });
});
