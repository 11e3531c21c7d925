/**
 * Dunning on the real data plane: two tenants' anycast addresses answer the lab client; tenant A's
 * payment fails (a Stripe webhook signed by the real SDK through the Stripe test server) and its
 * grace period ends -> the worker suspends A, the fleet withdraws A's service from both edges and A's
 * addresses stop answering within seconds while B's keep answering; A pays -> A's service is
 * re-published and answers again. Figures (seconds from the end of grace to the last answer gone,
 * from the payment to the first answer back) are printed; no timing is asserted.
 */
import { StripeTestServer } from '@anyfront/testing';
import { nsRun, waitFor } from '../exec';
import { backends, clients, edges } from '../topology';
import { ok, type TenantClient } from './api-client';
import { addKitTokens } from '../backend-prep';
import { prepareLabBackends, startControlPlaneLab, stopControlPlaneLab, waitForRouteVia } from './control-plane-lab';
import { hostOf, LAB_ROUTED_PREFIXES, reachableAddresses } from './lab-addresses';
import { type Platform, startPlatform } from './platform';

jest.setTimeout(300_000);

const DAY = 86_400;
const GRACE_DAYS = 7;

/** One HTTP request from the lab client with a short timeout: does the address answer? */
async function answers(address: string): Promise<boolean> {
  const r = await nsRun(clients[0].ns, 'curl', ['-sS', '-m', '1', '-o', '/dev/null', '-w', '%{http_code}', `http://${hostOf(address)}/whoami`], { allowFail: true, timeoutMs: 5_000 });
  return r.code === 0 && r.stdout.trim() === '200';
}

const allAnswer = async (addresses: string[]) => (await Promise.all(addresses.map(answers))).every(Boolean);
const noneAnswers = async (addresses: string[]) => (await Promise.all(addresses.map(answers))).every((a) => !a);

describe('billing suspension on the lab fleet: withdrawn within seconds, other tenants unaffected, restored on payment', () => {
  let stripe: StripeTestServer;
  let platform: Platform;
  const tenants: Array<{ api: TenantClient; organizationId: string; serviceId: string; targets: string[] }> = [];

  beforeAll(async () => {
    stripe = await StripeTestServer.start();
    const stripeEnv = {
      STRIPE_SECRET_KEY: stripe.apiKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(stripe.sdkConfig().port),
      STRIPE_API_PROTOCOL: 'http',
      BILLING_GRACE_DAYS: String(GRACE_DAYS),
    };
    platform = await startPlatform({ tag: 'labbill', apiEnv: stripeEnv, workerEnv: { ...stripeEnv, BILLING_SWEEP_INTERVAL_SECONDS: '1' } });
    stripe.webhookUrl = `${platform.apiUrl}/v1/billing/webhooks/stripe`;
    const op = platform.operator;
    const pop = async (code: string) => (await ok(op.POST('/v1/admin/pops', { body: { code, name: `Lab ${code}`, region: 'lab' } }))).id;
    const [lab1, lab2, lab3] = [await pop('lab1'), await pop('lab2'), await pop('lab3')];
    // As in fleet-e2e: the lab-routed pools on the edges' PoPs, the second IPv4 pool on a PoP without edges.
    await ok(op.POST('/v1/admin/pools', { body: { prefix: LAB_ROUTED_PREFIXES[0], scope: 'global', pop_ids: [lab1, lab2] } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: '198.51.100.0/24', scope: 'global', pop_ids: [lab3] } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: LAB_ROUTED_PREFIXES[1], scope: 'global', pop_ids: [lab1, lab2] } }));
    await startControlPlaneLab({ apiUrl: platform.apiUrl, operator: op, popCodes: { edge1: 'lab1', edge2: 'lab2' }, statusIntervalSeconds: 1, pullIntervalSeconds: 3600 });

    // Two tenants, one service each, answered by the three lab backends.
    for (const name of ['tenant-a', 'tenant-b']) {
      const t = await platform.tenant();
      const created = await ok(t.api.POST('/v1/services', { body: {
        name,
        listeners: [{ protocol: 'tcp', ports: '80' }],
        health_check: { protocol: 'http', port: 80, path: '/health', interval_seconds: 2, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 2 },
      } }));
      const svc = await waitFor(`${name}'s service active`, async () => {
        const s = await ok(t.api.GET('/v1/services/{id}', { params: { path: { id: created.id } } }));
        return s.status === 'active' && s.addresses.length === 3 ? s : undefined;
      }, 60_000, 250);
      tenants.push({ api: t.api, organizationId: t.organizationId, serviceId: created.id, targets: reachableAddresses(svc.addresses) });
    }
    await prepareLabBackends(tenants.flatMap((t) => t.targets));
    // Both tenants' backends first, then one kit call per backend with both tokens (each call is a
    // Node start): the tenants' kits prove they run these backends.
    const tokens = new Map(backends.map((b) => [b.name, [] as string[]]));
    for (const t of tenants) {
      for (const b of backends) {
        const created = await ok(t.api.POST('/v1/services/{id}/backends', { params: { path: { id: t.serviceId } }, body: { address: b.link.peerV6 } }));
        tokens.get(b.name)?.push(created.verification_token);
      }
    }
    await Promise.all(backends.map((b) => addKitTokens(b, tokens.get(b.name) ?? [])));
    // Routes appear once the edges verified a backend (challenges back off up to 30 s apart).
    for (const p of LAB_ROUTED_PREFIXES) await waitForRouteVia(p, edges.map((e) => e.name));
  }, 300_000);

  afterAll(async () => {
    if (!process.env.ANYFRONT_LAB_KEEP) await stopControlPlaneLab().catch((e) => console.error(e));
    await platform?.stop();
    await stripe?.stop();
  }, 120_000);

  it("suspends A at the end of grace (A's addresses stop answering, B's keep answering) and restores A on payment", async () => {
    const [a, b] = tenants;
    expect(a.targets).toHaveLength(2);
    expect(b.targets).toHaveLength(2);
    await waitFor('both tenants answer', async () => (await allAnswer(a.targets)) && (await allAnswer(b.targets)), 90_000, 500);

    // A gets a Stripe Customer (Checkout), then Stripe reports a failed payment whose grace ends 4 s from now.
    await ok(a.api.POST('/v1/billing/checkout-session', { body: {} }));
    const { rows: [account] } = await platform.db.query(`SELECT stripe_customer_id FROM billing_accounts WHERE organization_id = $1`, [a.organizationId]);
    const graceEnds = Math.floor(Date.now() / 1000) + 4;
    const failedAt = graceEnds - GRACE_DAYS * DAY;
    const invoice = {
      object: 'invoice', id: `in_lab_${Date.now()}`, customer: account.stripe_customer_id, status: 'open', created: failedAt - 60, currency: 'usd',
      amount_due: 1999, amount_paid: 0, period_start: failedAt - 30 * DAY, period_end: failedAt - 3600,
    };
    stripe.setNow(failedAt);
    stripe.emit('invoice.payment_failed', invoice);
    stripe.setNow(Math.floor(Date.now() / 1000));
    await stripe.flushWebhooks();

    // Past due: still served (unless the 4 s of grace were over before the webhook was applied).
    const pastDue = await waitFor('the failed payment applied', async () => {
      const r = await ok(a.api.GET('/v1/billing'));
      return r.status !== 'active' ? r : undefined;
    }, 30_000, 100);
    if (pastDue.status === 'past_due') {
      expect(pastDue.grace_until).toBe(new Date(graceEnds * 1000).toISOString());
      expect(await allAnswer(a.targets)).toBe(true);
    }

    // Grace over: suspended by the worker's sweep, withdrawn from both edges.
    await waitFor("A's addresses stop answering", () => noneAnswers(a.targets), 60_000, 200);
    const withdrawnAfter = Date.now() / 1000 - graceEnds;
    expect((await ok(a.api.GET('/v1/billing'))).status).toBe('suspended');
    const deployment = await ok(a.api.GET('/v1/services/{id}/deployment', { params: { path: { id: a.serviceId } } }));
    expect(JSON.stringify(deployment)).toContain('withdrawn: the organization is suspended (an invoice is unpaid past its grace period)');
    // Negative control: B is untouched, on every address, several times over.
    for (let i = 0; i < 5; i++) expect(await allAnswer(b.targets)).toBe(true);
    expect(await noneAnswers(a.targets)).toBe(true);

    // A pays: restored and re-published.
    const paidAt = Date.now() / 1000;
    stripe.emit('invoice.paid', { ...invoice, status: 'paid', amount_paid: 1999 });
    await stripe.flushWebhooks();
    await waitFor("A's addresses answer again", () => allAnswer(a.targets), 90_000, 200);
    const restoredAfter = Date.now() / 1000 - paidAt;
    expect((await ok(a.api.GET('/v1/billing'))).status).toBe('active');
    expect(await allAnswer(b.targets)).toBe(true);
    console.log(`[lab billing] A's addresses stopped answering ${withdrawnAfter.toFixed(1)} s after its grace ended (sweep every 1 s); answered again ${restoredAfter.toFixed(1)} s after invoice.paid`);
  });
});
