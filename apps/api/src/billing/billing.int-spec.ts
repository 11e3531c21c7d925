import { randomUUID } from 'node:crypto';
import { member, randomPoolPrefix, signup, uniqueSuffix, type TestAccount } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';
import { BillingService } from './billing.service';

jest.setTimeout(60_000);

const H = 3600;
/** round(n / d), halves up, for non-negative n: the expectation's own arithmetic, not the lib's. */
const roundHalfUp = (n: bigint, d: bigint) => (n * 2n + d) / (2n * d);

describe('tenant billing (/v1/billing) in local-ledger mode', () => {
  let t: TestApp;
  let owner: TestAccount;
  const popIds: string[] = [];
  const poolIds: string[] = [];

  const pop = async (region: string) => {
    const [row] = await t.dataSource.query(`INSERT INTO pops (code, name, region) VALUES ($1, $1, $2) RETURNING id`, [`b${uniqueSuffix()}`.slice(0, 16), region]);
    popIds.push(row.id);
    return row.id as string;
  };
  const holding = (org: string, service: string, address: string, family: 4 | 6, from: number, to: number | null) =>
    t.dataSource.query(
      `INSERT INTO address_holdings (organization_id, service_id, anycast_address_id, address, family, held_from, held_to)
       VALUES ($1, $2, gen_random_uuid(), $3, $4, to_timestamp($5), to_timestamp($6))`,
      [org, service, address, family, from, to],
    );
  const traffic = (org: string, service: string, popId: string, hour: number, bytes: bigint) =>
    t.dataSource.query(`INSERT INTO traffic_hourly (hour, service_id, pop_id, organization_id, bytes, packets) VALUES (to_timestamp($1), $2, $3, $4, $5, 1)`, [
      hour,
      service,
      popId,
      org,
      bytes.toString(),
    ]);

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signup(t);
  });
  afterAll(async () => {
    await t.dataSource.query(`DELETE FROM anycast_addresses WHERE pool_id = ANY($1::uuid[])`, [poolIds]);
    await t.dataSource.query(`DELETE FROM pools WHERE id = ANY($1::uuid[])`, [poolIds]);
    await t.dataSource.query(`DELETE FROM traffic_hourly WHERE pop_id = ANY($1::uuid[])`, [popIds]);
    await t.dataSource.query(`DELETE FROM pops WHERE id = ANY($1::uuid[])`, [popIds]);
    await t.close();
  });

  it('a full month of usage: the invoice preview equals an independently computed invoice', async () => {
    const a = await signup(t);
    const org = a.organizationId;
    await t.dataSource.query(`INSERT INTO billing_accounts (organization_id, plan, operator_plan) VALUES ($1, 'standard', 'standard')`, [org]);
    const from = Date.UTC(2026, 10, 1) / 1000; // November 2026: 30 days
    const to = Date.UTC(2026, 11, 1) / 1000;
    const [eu, sa] = [await pop('eu-west'), await pop('sa-east')];
    const [s1, s2, s3] = [randomUUID(), randomUUID(), randomUUID()];
    // Fresh addresses each run (the test database is shared and the history is append-only).
    const b = () => 1 + Math.floor(Math.random() * 250);
    const [a1, a2, a3, a4] = [`10.${b()}.${b()}.${b()}`, `10.${b()}.${b()}.${b()}`, `10.${b()}.${b()}.${b()}`, `10.${b()}.${b()}.${b()}`];
    const a6 = `fd00:b::${b().toString(16)}:${b().toString(16)}:${b().toString(16)}`;
    // s1: two IPv4 and one IPv6 all month (held since October, still held).
    await holding(org, s1, a1, 4, from - 5 * 86_400, null);
    await holding(org, s1, a2, 4, from - 5 * 86_400, null);
    await holding(org, s1, a6, 6, from - 5 * 86_400, null);
    // s2: created on the 10th at 10:15:30, deleted on the 20th at 08:00:07.
    const s2From = from + 9 * 86_400 + 10 * H + 15 * 60 + 30;
    const s2To = from + 19 * 86_400 + 8 * H + 7;
    await holding(org, s2, a3, 4, s2From, s2To);
    await holding(org, s2, a4, 4, s2From, s2To);
    // s3: reused address of s2's, from the 25th until after the month.
    await holding(org, s3, a3, 4, from + 24 * 86_400 + 1234, to + 7 * 86_400);
    // Someone else's holding of the same address in the month is not ours.
    await holding(randomUUID(), randomUUID(), `10.${b()}.${b()}.${b()}`, 4, from, to);
    // Traffic: every 6th hour 7 GB + 123 bytes through eu-west; s3 sends 2.5 GB through sa-east (×3) daily; an hour after the month is not counted.
    let euBytes = 0n;
    let saBytes = 0n;
    for (let h = from; h < to; h += 6 * H) {
      await traffic(org, s1, eu, h, 7_000_000_123n);
      euBytes += 7_000_000_123n;
    }
    for (let h = from + 25 * 86_400; h < to; h += 86_400) {
      await traffic(org, s3, sa, h, 2_500_000_000n);
      saBytes += 2_500_000_000n;
    }
    await traffic(org, s1, eu, to, 999_000_000_000n);

    // The expectation, by hand: seconds × 0.54 ¢ / 3600, bytes × 1.5 ¢ / 10^9 (× 3 in sa-east), each line rounded once; $10 off.
    // As of the month's last second: holdings still open count up to it.
    const asOf = to - 1;
    const v4Seconds = BigInt(2 * (asOf - from) + 2 * (s2To - s2From) + (asOf - (from + 24 * 86_400 + 1234)));
    const v6Seconds = BigInt(asOf - from);
    const expectedLines = [
      { metric: 'ipv4_address_seconds', quantity: v4Seconds, amount: roundHalfUp(v4Seconds * 54n, 360_000n) },
      { metric: 'ipv6_address_seconds', quantity: v6Seconds, amount: 0n },
      { metric: 'traffic_bytes', quantity: euBytes, amount: roundHalfUp(euBytes * 15n, 10n * 1_000_000_000n) },
      { metric: 'traffic_bytes.sa-east', quantity: saBytes, amount: roundHalfUp(saBytes * 45n, 10n * 1_000_000_000n) },
    ];
    const subtotal = expectedLines.reduce((s, l) => s + l.amount, 0n);
    const total = subtotal - 1000n;

    // At the month's last second the preview covers the whole month.
    const overview = await t.app.get(BillingService).overview(org, new Date(asOf * 1000));
    const preview = overview.invoice_preview;
    expect(preview.period).toEqual({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    const usageLines = preview.lines.filter((l) => l.kind === 'usage');
    expect(usageLines.map((l) => ({ metric: l.metric, quantity: BigInt(l.quantity ?? -1), amount: BigInt(l.amount) })).sort((x, y) => String(x.metric).localeCompare(String(y.metric)))).toEqual(
      [...expectedLines].sort((x, y) => x.metric.localeCompare(y.metric)),
    );
    expect(preview.lines.find((l) => l.kind === 'allowance')?.amount).toBe('-1000');
    expect(preview).toMatchObject({ currency: 'usd', subtotal: subtotal.toString(), total: total.toString(), amount_due: total.toString() });
    expect(preview.lines.reduce((s, l) => s + BigInt(l.amount), 0n)).toBe(total);
    expect(overview).toMatchObject({ plan: 'standard', status: 'active', mode: 'local_ledger' });

    // The usage route counts the same quantities, per service and day.
    const usage = await a.bearer.get('/v1/billing/usage').query({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', step: '1d' });
    expect(usage.status).toBe(200);
    expect(usage.body.services).toHaveLength(3);
    const points = (usage.body.services as Array<{ points: Array<{ ipv4_address_seconds: number; ipv6_address_seconds: number; traffic_bytes: string }> }>).flatMap((s) => s.points);
    expect(points.filter((p) => p.ipv4_address_seconds || p.ipv6_address_seconds || p.traffic_bytes !== '0').length).toBeGreaterThan(30);
    // (Asked after the month, the usage route counts open holdings to its end: one second more for each of the 3.)
    expect(BigInt(points.reduce((s, p) => s + p.ipv4_address_seconds, 0))).toBe(v4Seconds + 3n);
    expect(points.reduce((s, p) => s + BigInt(p.traffic_bytes), 0n)).toBe(euBytes + saBytes);
  });

  it('GET /v1/billing: a new organization is free and active, its preview counts its live slot by the second; members read', async () => {
    const res = await owner.session.get('/v1/billing');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ organization_id: owner.organizationId, mode: 'local_ledger', plan: 'free', status: 'active', status_reason: null, has_payment_method: false });
    expect(res.body.quotas).toMatchObject({ services: 1, ipv4_addresses: 2, traffic_gb_per_month: 10 });
    expect(res.body.invoice_preview).toMatchObject({ currency: 'usd', total: '0', amount_due: '0' });

    // A slot given to one of its services opens a holding (the trigger): the preview counts it by the second.
    const [svc] = await t.dataSource.query(
      `INSERT INTO services (organization_id, name, listeners, health_check, status)
       VALUES ($1, 'billed', '[{"protocol":"tcp","ports":"80"}]', '{"protocol":"tcp","port":80,"path":null,"interval_seconds":10,"timeout_seconds":5,"healthy_threshold":3,"unhealthy_threshold":3}', 'active')
       RETURNING id`,
      [owner.organizationId],
    );
    const prefix = randomPoolPrefix(4);
    const [pool] = await t.dataSource.query(`INSERT INTO pools (prefix, family, scope) VALUES ($1, 4, 'global') RETURNING id`, [prefix]);
    poolIds.push(pool.id);
    await t.dataSource.query(`INSERT INTO anycast_addresses (pool_id, slot_index, address, family, service_id, state) VALUES ($1, 1, $2, 4, $3, 'assigned')`, [
      pool.id,
      prefix.replace(/\.0\/24$/, '.1'),
      svc.id,
    ]);
    await new Promise((r) => setTimeout(r, 2100));
    const grown = (await owner.session.get('/v1/billing')).body.invoice_preview;
    const v4 = grown.lines.find((l: { metric: string | null }) => l.metric === 'ipv4_address_seconds');
    expect(Number(v4.quantity)).toBeGreaterThanOrEqual(1);
    expect(grown.lines.reduce((s: bigint, l: { amount: string }) => s + BigInt(l.amount), 0n)).toBe(BigInt(grown.total));
    const usage = (await owner.session.get('/v1/billing/usage').query({ step: '1h' })).body;
    expect(usage.services).toEqual([expect.objectContaining({ service_id: svc.id, service_name: 'billed' })]);
    const m = await member(t, owner.organizationId);
    expect((await m.session.get('/v1/billing')).status).toBe(200);
    expect((await m.session.get('/v1/billing/invoices')).body).toEqual({ mode: 'local_ledger', invoices: [] });
    expect((await m.session.post('/v1/billing/checkout-session').send({})).status).toBe(403);
    expect((await m.session.post('/v1/billing/portal-session').send({})).status).toBe(403);
  });

  it('checkout and portal sessions need Stripe: 409 problem in local-ledger mode; bad input 400', async () => {
    const res = await owner.bearer.post('/v1/billing/checkout-session').send({});
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.type).toBe('urn:anyfront:problem:billing-local-ledger');
    expect((await owner.bearer.post('/v1/billing/portal-session').send({})).status).toBe(409);
    const bad = await owner.bearer.post('/v1/billing/checkout-session').send({ plan: 'custom' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('plan');
    const badUsage = await owner.bearer.get('/v1/billing/usage').query({ step: '30m' });
    expect(badUsage.status).toBe(400);
    expect(badUsage.body.errors[0].field).toBe('query.step');
  });
});
