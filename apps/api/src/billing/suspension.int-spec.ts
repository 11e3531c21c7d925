import {
  type AppProcess,
  createScratchDatabase,
  FleetFixtures,
  operator,
  signup,
  startWorkerProcesses,
  stopProcesses,
  StripeTestServer,
  type TestAccount,
  waitFor,
} from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

/**
 * Dunning and suspension through the API and a real worker process: a suspended organization's
 * services leave every edge node's desired state (the deploy status says why) while another
 * tenant's stay; it cannot add services or backends (402); restoring puts them back. Own database:
 * the worker syncs every node it finds.
 */
jest.setTimeout(180_000);

const DAY = 86_400;
type Json = Record<string, unknown>;

describe('suspension: fleet withdrawal, 402, operator hold, grace expiry', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let stripe: StripeTestServer;
  let t: TestApp;
  let worker: AppProcess | undefined;
  let fx: FleetFixtures;
  let nodeId: string;
  let pool: { id: string; prefix: string };
  let op: Awaited<ReturnType<typeof operator>>;

  beforeAll(async () => {
    stripe = await StripeTestServer.start();
    scratch = await createScratchDatabase('suspend');
    const stripeEnv = {
      STRIPE_SECRET_KEY: stripe.apiKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(stripe.sdkConfig().port),
      STRIPE_API_PROTOCOL: 'http',
    };
    t = await createTestApp({ env: { DATABASE_URL: scratch.url, BILLING_ADDRESS_RESERVE_DAYS: '30', ...stripeEnv } });
    [worker] = await startWorkerProcesses(1, {
      DATABASE_URL: scratch.url,
      REDIS_URL: t.config.redisUrl,
      QUEUE_PREFIX: t.config.queuePrefix,
      BILLING_SWEEP_INTERVAL_SECONDS: '1',
      FLEET_SWEEP_INTERVAL_SECONDS: '1',
      SLOT_RETRY_INTERVAL_SECONDS: '1',
      ...stripeEnv,
    });
    stripe.webhookUrl = `${t.url}/v1/billing/webhooks/stripe`;
    fx = new FleetFixtures(t.dataSource);
    const pop = await fx.pop();
    pool = await fx.pool([pop.id]);
    nodeId = await fx.node(pop.id);
    // The worker (already running) may have created the node's fleet row on its first sync.
    await t.dataSource.query(`INSERT INTO edge_node_fleet_states (edge_node_id, registered_at) VALUES ($1, now())
      ON CONFLICT (edge_node_id) DO UPDATE SET registered_at = now()`, [nodeId]);
    op = await operator(t);
  });

  afterAll(async () => {
    if (worker) await stopProcesses([worker]);
    await t?.close();
    await stripe?.stop();
    await scratch?.drop();
  });

  /** A tenant with one active service holding an address announced by the node's PoP. */
  async function tenantWithService(): Promise<{ account: TestAccount; serviceId: string }> {
    const account = await signup(t);
    const { id } = await fx.service(account.organizationId, [pool]);
    return { account, serviceId: id };
  }

  const published = async (): Promise<string[]> => {
    const [row] = await t.dataSource.query(`SELECT desired_state FROM edge_node_fleet_states WHERE edge_node_id = $1`, [nodeId]);
    return ((row?.desired_state?.services ?? []) as Array<{ id: string }>).map((s) => s.id);
  };

  /** Waits until the node's stored desired state has exactly these of `ids` in it. */
  const waitPublished = (ids: string[], expected: string[]) =>
    waitFor(() => `node state to hold ${JSON.stringify(expected)} of ${JSON.stringify(ids)}\n${worker?.output().slice(-3000)}`, async () => {
      const now = await published();
      return JSON.stringify(ids.filter((i) => now.includes(i)).sort()) === JSON.stringify([...expected].sort());
    }, 60_000, 100);

  const resync = () => t.dataSource.query(`UPDATE edge_node_fleet_states SET requested_seq = nextval('fleet_change_seq') WHERE edge_node_id = $1`, [nodeId]);

  const tryToAdd = async (a: TestAccount, serviceId: string) => ({
    service: await a.bearer.post('/v1/services').send({ name: `n${Date.now()}`, listeners: [{ protocol: 'tcp', ports: '80' }] }),
    backend: await a.bearer.post(`/v1/services/${serviceId}/backends`).send({ address: '2001:db8::7' }),
  });

  it('operator suspend withdraws only that organization\'s services and refuses new ones with 402; unsuspend restores; both audit-logged', async () => {
    const a = await tenantWithService();
    const b = await tenantWithService();
    const ids = [a.serviceId, b.serviceId];
    await resync();
    await waitPublished(ids, ids);

    const reason = 'chargeback under investigation';
    const res = await op.session.post(`/v1/admin/organizations/${a.account.organizationId}/suspend`).send({ reason });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'suspended', status_reason: 'operator', operator_hold: { reason } });
    expect(Date.parse(res.body.addresses_reserved_until) - Date.parse(res.body.suspended_at)).toBe(30 * DAY * 1000);
    // Withdrawn from the node; the other tenant's service stays (negative control).
    await waitPublished(ids, [b.serviceId]);
    const deployment = JSON.stringify((await a.account.bearer.get(`/v1/services/${a.serviceId}`)).body);
    expect(deployment).toContain('withdrawn: the organization is suspended (by an operator: chargeback under investigation)');
    // Addresses kept: still assigned to the service.
    expect(await t.dataSource.query(`SELECT state FROM anycast_addresses WHERE service_id = $1`, [a.serviceId])).toEqual([{ state: 'assigned' }]);
    // The tenant sees it.
    expect((await a.account.bearer.get('/v1/billing')).body).toMatchObject({ status: 'suspended', status_reason: 'operator', suspension_reason: reason });
    // Nothing new: 402 problems, nothing written.
    const servicesBefore = await t.dataSource.query(`SELECT count(*)::int AS n FROM services WHERE organization_id = $1`, [a.account.organizationId]);
    const refused = await tryToAdd(a.account, a.serviceId);
    for (const r of [refused.service, refused.backend]) {
      expect(r.status).toBe(402);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ type: 'urn:anyfront:problem:organization-suspended', status: 402 });
    }
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM services WHERE organization_id = $1`, [a.account.organizationId])).toEqual(servicesBefore);
    expect(await t.dataSource.query(`SELECT 1 FROM backends WHERE service_id = $1 AND address = '2001:db8::7'`, [a.serviceId])).toEqual([]);
    // Negative control: the other tenant adds both.
    const allowed = await tryToAdd(b.account, b.serviceId);
    expect([allowed.service.status, allowed.backend.status]).toEqual([201, 201]);
    // Only operators.
    expect((await a.account.bearer.post(`/v1/admin/organizations/${a.account.organizationId}/unsuspend`).send({ reason: 'me' })).status).toBe(403);
    expect((await op.session.post(`/v1/admin/organizations/${a.account.organizationId}/unsuspend`).send({})).status).toBe(400);

    const back = await op.session.post(`/v1/admin/organizations/${a.account.organizationId}/unsuspend`).send({ reason: 'resolved' });
    expect(back.body).toMatchObject({ status: 'active', status_reason: null, operator_hold: null, suspended_at: null });
    await waitPublished(ids, ids);
    expect((await a.account.bearer.post(`/v1/services/${a.serviceId}/backends`).send({ address: '2001:db8::8' })).status).toBe(201);
    const actions = await t.dataSource.query(`SELECT action, actor_user_id, details->>'reason' AS reason FROM audit_log WHERE organization_id = $1 AND action IN ('organization.suspend', 'organization.unsuspend', 'billing.suspended', 'billing.restored') ORDER BY created_at, action`, [a.account.organizationId]);
    expect(actions).toEqual([
      { action: 'billing.suspended', actor_user_id: op.userId, reason },
      { action: 'organization.suspend', actor_user_id: op.userId, reason },
      { action: 'billing.restored', actor_user_id: op.userId, reason: 'resolved' },
      { action: 'organization.unsuspend', actor_user_id: op.userId, reason: 'resolved' },
    ]);
    expect((await op.session.post(`/v1/admin/organizations/00000000-0000-4000-8000-000000000000/suspend`).send({ reason })).status).toBe(404);
  });

  it('suspended longer than the reserve period: addresses released into quarantine, the service waits (no new addresses while suspended); restored: new addresses', async () => {
    await fx.seedPools([
      { prefix: '192.0.2.0/24', pops: ['rsv-a'] },
      { prefix: '198.51.100.0/24', pops: ['rsv-b'] },
      { prefix: '2a0e:77::/48', pops: ['rsv-a'] },
    ]);
    const a = await signup(t);
    const org = a.organizationId;
    const created = (await a.bearer.post('/v1/services').send({ name: 'kept', listeners: [{ protocol: 'tcp', ports: '80' }] })).body;
    const serviceWith = (n: number) =>
      waitFor(() => `service ${created.id} active with ${n} addresses\n${worker?.output().slice(-2000)}`, async () => {
        const s = (await a.bearer.get(`/v1/services/${created.id}`)).body;
        return s.status === 'active' && s.addresses.length === n && s;
      }, 60_000, 100);
    const before = ((await serviceWith(3)).addresses as Array<{ address: string }>).map((x) => x.address).sort();

    expect((await op.session.post(`/v1/admin/organizations/${org}/suspend`).send({ reason: 'fraud review' })).status).toBe(200);
    // Reserved: nothing released yet.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await a.bearer.get('/v1/billing')).body.addresses_released_at).toBeNull();
    // The reserve period (30 days) is over.
    await t.dataSource.query(`UPDATE billing_accounts SET suspended_at = now() - interval '31 days' WHERE organization_id = $1`, [org]);
    const released = await waitFor('addresses released', async () => {
      const b = (await a.bearer.get('/v1/billing')).body;
      return b.addresses_released_at && b;
    }, 30_000, 100);
    expect(released.status).toBe('suspended');
    expect(await t.dataSource.query(`SELECT host(address) AS address, state FROM anycast_addresses WHERE service_id = $1 ORDER BY 1`, [created.id])).toEqual(
      before.map((address) => ({ address, state: 'quarantined' })).sort((x, y) => (x.address < y.address ? -1 : 1)),
    );
    const waiting = (await a.bearer.get(`/v1/services/${created.id}`)).body;
    expect(waiting).toMatchObject({ status: 'pending', addresses: [] });
    expect(waiting.status_reason).toMatch(/suspended longer than its addresses are reserved/);
    const [audit] = await t.dataSource.query(`SELECT details FROM audit_log WHERE organization_id = $1 AND action = 'billing.addresses_released'`, [org]);
    expect(audit.details.addresses).toEqual(before);
    // While suspended the slot assigner gives it nothing, though the retry of waiting services (every
    // second here) would pick up a pending service this old.
    await t.dataSource.query(`UPDATE services SET created_at = now() - interval '1 hour' WHERE id = $1`, [created.id]);
    await new Promise((r) => setTimeout(r, 4000));
    expect((await a.bearer.get(`/v1/services/${created.id}`)).body).toMatchObject({ status: 'pending', addresses: [] });

    expect((await op.session.post(`/v1/admin/organizations/${org}/unsuspend`).send({ reason: 'review passed' })).body.status).toBe('active');
    const after = ((await serviceWith(3)).addresses as Array<{ address: string }>).map((x) => x.address);
    // New addresses: the released ones are in quarantine.
    expect(after.filter((x) => before.includes(x))).toEqual([]);
    expect((await a.bearer.get('/v1/billing')).body).toMatchObject({ status: 'active', addresses_released_at: null });
  });

  it('a failed payment makes the organization past due; the grace timer suspends it (withdrawn); paying restores it and re-publishes', async () => {
    const a = await tenantWithService();
    const b = await tenantWithService();
    const ids = [a.serviceId, b.serviceId];
    await resync();
    await waitPublished(ids, ids);
    expect((await a.account.bearer.post('/v1/billing/checkout-session').send({})).status).toBe(200);
    const [{ stripe_customer_id: customerId }] = await t.dataSource.query(`SELECT stripe_customer_id FROM billing_accounts WHERE organization_id = $1`, [a.account.organizationId]);

    // Stripe's payment failed 7 days minus 3 seconds ago (its event time counts, not ours): past due for 3 more seconds.
    const failedAt = stripe.now() - 7 * DAY + 3;
    const inv: Json = {
      object: 'invoice',
      id: `in_grace_${Date.now()}`,
      customer: customerId,
      status: 'open',
      created: failedAt - 60,
      currency: 'usd',
      amount_due: 2500,
      amount_paid: 0,
      period_start: failedAt - 30 * DAY,
      period_end: failedAt - 3600,
    };
    stripe.setNow(failedAt);
    stripe.emit('invoice.payment_failed', inv);
    stripe.setNow(Math.floor(Date.now() / 1000));
    await stripe.flushWebhooks();
    const pastDue = await waitFor('past due', async () => {
      const body = (await a.account.bearer.get('/v1/billing')).body;
      return body.status !== 'active' && body;
    }, 30_000, 100);
    // Seen as past due first (grace shown), unless the machine was slower than the 3 s of grace left.
    if (pastDue.status === 'past_due') {
      expect(pastDue).toMatchObject({ status_reason: 'payment_failed', grace_until: new Date((failedAt + 7 * DAY) * 1000).toISOString() });
      expect(await published()).toContain(a.serviceId);
    }
    // The sweep suspends it when grace ends: withdrawn, the other tenant untouched.
    await waitFor('suspended', async () => (await a.account.bearer.get('/v1/billing')).body.status === 'suspended', 30_000, 200);
    expect((await a.account.bearer.get('/v1/billing')).body).toMatchObject({ status_reason: 'grace_expired', grace_until: null });
    await waitPublished(ids, [b.serviceId]);
    expect((await tryToAdd(a.account, a.serviceId)).service.status).toBe(402);

    // The customer pays: restored, services re-published.
    stripe.emit('invoice.paid', { ...inv, status: 'paid', amount_paid: 2500 });
    await stripe.flushWebhooks();
    await waitPublished(ids, ids);
    expect((await a.account.bearer.get('/v1/billing')).body).toMatchObject({ status: 'active', status_reason: null });
    const actions = await t.dataSource.query<Json[]>(`SELECT action, actor_credential FROM audit_log WHERE organization_id = $1 AND action IN ('billing.past_due', 'billing.suspended', 'billing.restored') ORDER BY created_at`, [a.account.organizationId]);
    expect(actions.map((r) => r.action)).toEqual([...(pastDue.status === 'past_due' ? ['billing.past_due'] : []), 'billing.suspended', 'billing.restored']);
    expect(new Set(actions.map((r) => r.actor_credential))).toEqual(new Set(['system']));
  });
});
