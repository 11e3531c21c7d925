import { releaseDueRelocations } from '@anyfront/db';
import { type AppProcess, createScratchDatabase, FleetFixtures, operator, signup, startWorkerProcesses, stopProcesses, type TestAccount, sleep, waitFor } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

/**
 * Address relocation with notice through the API and a real worker process (own database: the
 * worker syncs every node it finds). A moved service gets its new address at once, alongside the
 * old one (both in the edge node's desired state); the tenant sees a notice with the deadline;
 * the old address is released into quarantine only when the notice ends (here: shortened by the
 * operator, with a reason); at no moment does the service hold fewer than two IPv4 addresses in two
 * pools (the holding history shows the overlap). Bad input is a problem and changes nothing.
 */
jest.setTimeout(180_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('address relocation with notice', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let worker: AppProcess | undefined;
  let fx: FleetFixtures;
  let nodeId: string;
  let poolA: { id: string; prefix: string };
  let poolB: { id: string; prefix: string };
  let target: { id: string; prefix: string };
  let v6: { id: string; prefix: string };
  let op: Awaited<ReturnType<typeof operator>>;

  beforeAll(async () => {
    scratch = await createScratchDatabase('reloc');
    t = await createTestApp({ env: { DATABASE_URL: scratch.url } });
    [worker] = await startWorkerProcesses(1, {
      DATABASE_URL: scratch.url,
      REDIS_URL: t.config.redisUrl,
      QUEUE_PREFIX: t.config.queuePrefix,
      RELOCATION_SWEEP_INTERVAL_SECONDS: '1',
      FLEET_SWEEP_INTERVAL_SECONDS: '1',
      SLOT_RETRY_INTERVAL_SECONDS: '3600',
    });
    fx = new FleetFixtures(t.dataSource);
    const pop = await fx.pop();
    poolA = await fx.pool([pop.id]);
    poolB = await fx.pool([pop.id]);
    target = await fx.pool([pop.id]);
    v6 = await fx.pool([pop.id], 6);
    await t.dataSource.query(`UPDATE pools SET state = 'active' WHERE id = ANY($1::uuid[])`, [[target.id, v6.id]]);
    nodeId = await fx.node(pop.id);
    // The worker (already running) may have created the node's fleet row on its first sync.
    await t.dataSource.query(`INSERT INTO edge_node_fleet_states (edge_node_id, registered_at) VALUES ($1, now())
      ON CONFLICT (edge_node_id) DO UPDATE SET registered_at = now()`, [nodeId]);
    op = await operator(t);
  });

  afterAll(async () => {
    if (worker) await stopProcesses([worker]);
    await t?.close();
    await scratch?.drop();
  });

  async function tenantWithService(pools = [poolA, poolB]): Promise<{ account: TestAccount; serviceId: string; addresses: string[] }> {
    const account = await signup(t);
    const s = await fx.service(account.organizationId, pools);
    // Fixture rows bypass the API: ask for the node's sync the way a write would.
    await t.dataSource.query(`UPDATE edge_node_fleet_states SET requested_seq = nextval('fleet_change_seq') WHERE edge_node_id = $1`, [nodeId]);
    return { account, serviceId: s.id, addresses: s.addresses };
  }

  /**
   * IPv4 addresses of the service in the node's stored desired state (relocations move IPv4; an IPv6
   * address comes from whatever global IPv6 pool other suites left in the shared test database).
   */
  const published = async (serviceId: string): Promise<string[]> => {
    const [row] = await t.dataSource.query(`SELECT desired_state FROM edge_node_fleet_states WHERE edge_node_id = $1`, [nodeId]);
    const svc = ((row?.desired_state?.services ?? []) as Array<{ id: string; addresses: Array<{ address: string; family: number }> }>).find((s) => s.id === serviceId);
    return (svc?.addresses ?? []).filter((a) => a.family === 4).map((a) => a.address).sort();
  };
  const waitPublished = (serviceId: string, expected: string[]) =>
    waitFor(() => `node state of ${serviceId} to be ${JSON.stringify(expected)}\n${worker?.output().slice(-2000)}`, async () => {
      return JSON.stringify(await published(serviceId)) === JSON.stringify([...expected].sort());
    }, 60_000, 100);

  const assignedV4 = async (serviceId: string) =>
    t.dataSource.query<Array<{ address: string; pool_id: string }>>(`SELECT host(address) AS address, pool_id FROM anycast_addresses WHERE service_id = $1 AND state = 'assigned' AND family = 4 ORDER BY address`, [serviceId]);
  const snapshot = async () =>
    JSON.stringify(await t.dataSource.query(`SELECT (SELECT count(*) FROM relocations) AS r, (SELECT count(*) FROM relocation_moves) AS m,
      (SELECT json_agg(json_build_object('a', host(address), 's', state, 'svc', service_id) ORDER BY address) FROM anycast_addresses) AS a,
      (SELECT count(*) FROM outbox) AS o, (SELECT count(*) FROM audit_log WHERE action LIKE 'relocation.%') AS l`));

  it('refuses bad input with problems on the fields, and changes nothing', async () => {
    const s = await tenantWithService();
    const before = await snapshot();
    const cases: Array<[Json, string]> = [
      [{ target_pool_id: target.id, reason: 'retire' }, 'address'],
      [{ address: s.addresses[0], pool_id: poolA.id, target_pool_id: target.id, reason: 'retire' }, 'address'],
      [{ address: 'not-an-ip', target_pool_id: target.id, reason: 'retire' }, 'address'],
      [{ address: s.addresses[0], target_pool_id: crypto.randomUUID(), reason: 'retire' }, 'target_pool_id'],
      [{ address: s.addresses[0], target_pool_id: v6.id, reason: 'retire' }, 'target_pool_id'],
      [{ address: s.addresses[0], target_pool_id: target.id }, 'reason'],
      [{ address: s.addresses[0], target_pool_id: target.id, reason: 'retire', notice_days: 0 }, 'notice_days'],
      // Two IPv4 addresses outside the target: which one moves?
      [{ service_id: s.serviceId, target_pool_id: target.id, reason: 'retire' }, 'service_id'],
      // Its other address is in B already: moving A to B would leave it one pool.
      [{ address: s.addresses[0], target_pool_id: poolB.id, reason: 'retire' }, 'target_pool_id'],
      // Not an assigned address.
      [{ address: s.addresses[0].replace(/\.\d+$/, '.250'), target_pool_id: target.id, reason: 'retire' }, 'address'],
      [{ pool_id: target.id, target_pool_id: target.id, reason: 'retire' }, 'target_pool_id'],
    ];
    for (const [body, field] of cases) {
      const res = await op.session.post('/v1/admin/relocations').send(body);
      expect([res.status, res.headers['content-type']]).toEqual([400, expect.stringContaining('application/problem+json')]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // Operators only.
    expect((await s.account.session.post('/v1/admin/relocations').send({ address: s.addresses[0], target_pool_id: target.id, reason: 'retire' })).status).toBe(403);
    expect(await snapshot()).toBe(before);
  });

  it('moves an address with notice: new address at once, both announced, notice to the tenant, old one released when the (shortened) notice ends', async () => {
    const s = await tenantWithService();
    const other = await tenantWithService();
    const [oldAddress, keptAddress] = s.addresses as [string, string];
    await waitPublished(s.serviceId, s.addresses);

    const res = await op.session.post('/v1/admin/relocations').send({ address: oldAddress, target_pool_id: target.id, reason: 'Prefix returned to the upstream', notice_days: 7 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ scope: 'address', status: 'notice', source: { address: oldAddress }, target_pool: target, progress: { moves: 1, released: 0 } });
    const days = (Date.parse(res.body.notice_ends_at) - Date.parse(res.body.created_at)) / 86_400_000;
    expect(days).toBeCloseTo(7, 3);
    const [move] = res.body.moves;
    expect(move).toMatchObject({ service_id: s.serviceId, organization_id: s.account.organizationId, old_address: oldAddress, state: 'notice' });
    const newAddress: string = move.new_address;
    expect(newAddress.startsWith(target.prefix.replace(/0\/24$/, ''))).toBe(true);
    // Both announced and forwarding: the node's state carries old, new and the kept address.
    expect((await assignedV4(s.serviceId)).map((a) => a.address).sort()).toEqual([oldAddress, keptAddress, newAddress].sort());
    await waitPublished(s.serviceId, [oldAddress, keptAddress, newAddress]);

    // The tenant's notice, with the deadline; another tenant sees none of it.
    const notices = (await s.account.bearer.get('/v1/notices')).body.data;
    expect(notices).toEqual([expect.objectContaining({ type: 'address_relocation', state: 'open', service_id: s.serviceId, old_address: oldAddress, new_address: newAddress, deadline: res.body.notice_ends_at, reason: 'Prefix returned to the upstream' })]);
    expect((await other.account.bearer.get('/v1/notices')).body.data).toEqual([]);

    // The same address twice: 409, nothing written.
    const again = await op.session.post('/v1/admin/relocations').send({ address: oldAddress, target_pool_id: target.id, reason: 'twice' });
    expect(again.status).toBe(409);

    // Operator views: list with progress, detail with the moves.
    const list = (await op.session.get('/v1/admin/relocations').query({ status: 'notice' })).body.data;
    expect(list.find((r: Json) => r.id === res.body.id)).toMatchObject({ progress: { moves: 1, released: 0 } });
    expect((await op.session.get(`/v1/admin/relocations/${res.body.id}`)).body.moves).toHaveLength(1);

    // Negative control: the worker's sweep runs every second and leaves a relocation under notice alone.
    await sleep(2500);
    expect((await assignedV4(s.serviceId)).map((a) => a.address)).toContain(oldAddress);

    // Shortening: later than the current end, or without a reason, is refused and changes nothing.
    const before = await snapshot();
    const later = await op.session.post(`/v1/admin/relocations/${res.body.id}/shorten`).send({ notice_ends_at: new Date(Date.now() + 30 * 86_400_000).toISOString(), reason: 'later' });
    expect(later.status).toBe(400);
    expect(later.body.errors[0].field).toBe('notice_ends_at');
    expect((await op.session.post(`/v1/admin/relocations/${res.body.id}/shorten`).send({ notice_ends_at: new Date().toISOString() })).status).toBe(400);
    expect(await snapshot()).toBe(before);

    const shortened = await op.session.post(`/v1/admin/relocations/${res.body.id}/shorten`).send({ notice_ends_at: new Date(Date.now() - 60_000).toISOString(), reason: 'upstream needs it tonight' });
    expect(shortened.status).toBe(200);
    expect(shortened.body.shortened_reason).toBe('upstream needs it tonight');
    // The worker releases it (the outbox job, or the sweep).
    await waitFor(() => `relocation ${res.body.id} to complete\n${worker?.output().slice(-2000)}`, async () => (await op.session.get(`/v1/admin/relocations/${res.body.id}`)).body.status === 'completed', 60_000, 100);
    const done = (await op.session.get(`/v1/admin/relocations/${res.body.id}`)).body;
    expect(done).toMatchObject({ progress: { moves: 1, released: 1 }, moves: [{ state: 'released' }] });
    const [old] = await t.dataSource.query(`SELECT state, service_id, quarantined_until > now() AS quarantined FROM anycast_addresses WHERE address = $1::inet`, [oldAddress]);
    expect(old).toMatchObject({ state: 'quarantined', quarantined: true });
    // Two IPv4 addresses in two pools, before and after.
    const after = await assignedV4(s.serviceId);
    expect(after.map((a) => a.address).sort()).toEqual([keptAddress, newAddress].sort());
    expect(new Set(after.map((a) => a.pool_id)).size).toBe(2);
    await waitPublished(s.serviceId, [keptAddress, newAddress]);
    // The other tenant's service was never touched (negative control).
    expect((await assignedV4(other.serviceId)).map((a) => a.address).sort()).toEqual([...other.addresses].sort());

    // Holding history: the old address held until the release, the new one from the relocation on; they overlap.
    const h = await t.dataSource.query(
      `SELECT host(address) AS address, held_from, held_to FROM address_holdings WHERE service_id = $1 AND family = 4 ORDER BY held_from, address`,
      [s.serviceId],
    );
    const oldH = h.find((x: Json) => x.address === oldAddress);
    const newH = h.find((x: Json) => x.address === newAddress);
    expect(oldH.held_to).not.toBeNull();
    expect(newH.held_to).toBeNull();
    expect(newH.held_from.getTime()).toBeLessThanOrEqual(oldH.held_to.getTime());
    expect(Math.abs(oldH.held_to.getTime() - Date.parse(done.moves[0].released_at))).toBeLessThan(1000);
    expect(h.filter((x: Json) => x.held_to === null).map((x: Json) => x.address).sort()).toEqual([keptAddress, newAddress].sort());

    // The tenant's notice is done; audit log has create, shorten (with reason) and complete.
    expect((await s.account.bearer.get('/v1/notices')).body.data[0]).toMatchObject({ state: 'done', old_address: oldAddress });
    const audit = await t.dataSource.query(`SELECT action, details FROM audit_log WHERE target_id = $1 ORDER BY created_at`, [res.body.id]);
    expect(audit.map((a: Json) => a.action)).toEqual(['relocation.create', 'relocation.shorten', 'relocation.complete']);
    expect(audit[1].details).toMatchObject({ reason: 'upstream needs it tonight' });

    // Idempotent: a duplicate job finds nothing to do; shortening a completed relocation is a 409.
    expect(await releaseDueRelocations(t.dataSource, { queuePrefix: t.config.queuePrefix, quarantineDays: 7, relocationId: res.body.id })).toEqual([]);
    expect((await op.session.post(`/v1/admin/relocations/${res.body.id}/shorten`).send({ notice_ends_at: new Date().toISOString(), reason: 'again' })).status).toBe(409);
  });

  it("relocates a whole pool's tenants; a service already in the target pool is refused by name", async () => {
    const pop = await fx.pop();
    const retiring = await fx.pool([pop.id]);
    const a = await tenantWithService([retiring, poolA]);
    const b = await tenantWithService([retiring, poolB]);
    const res = await op.session.post('/v1/admin/relocations').send({ pool_id: retiring.id, target_pool_id: target.id, reason: 'retiring the /24' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ scope: 'pool', source: { pool: retiring }, progress: { moves: 2, released: 0 } });
    expect(res.body.moves.map((m: Json) => m.service_id).sort()).toEqual([a.serviceId, b.serviceId].sort());
    for (const s of [a, b]) expect(await assignedV4(s.serviceId)).toHaveLength(3);

    // Already being relocated: 409.
    expect((await op.session.post('/v1/admin/relocations').send({ pool_id: retiring.id, target_pool_id: target.id, reason: 'again' })).status).toBe(409);

    const retiring2 = await fx.pool([pop.id]);
    await tenantWithService([retiring2, poolA]);
    const c = await tenantWithService([retiring2, target]);
    const before = await snapshot();
    const refused = await op.session.post('/v1/admin/relocations').send({ pool_id: retiring2.id, target_pool_id: target.id, reason: 'retiring the /24' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ field: 'target_pool_id', message: expect.stringContaining(c.addresses[0]) });
    expect(await snapshot()).toBe(before);
  });

  it("pool utilization over time is replayed from the holding history", async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const before = (await op.session.get(`/v1/admin/pools/${pool.id}/utilization`).query({ days: 1 })).body;
    expect(before).toMatchObject({ pool_id: pool.id, prefix: pool.prefix, capacity: 254, step_seconds: 3600 });
    expect(before.points.length).toBeGreaterThanOrEqual(25);
    expect(before.points.every((p: Json) => p.assigned === 0)).toBe(true);
    const s = await tenantWithService([pool, poolA]);
    await tenantWithService([pool, poolB]);
    const week = (await op.session.get(`/v1/admin/pools/${pool.id}/utilization`)).body;
    expect(week.points.length).toBeGreaterThanOrEqual(7 * 24 + 1);
    expect(week.points.at(-1).assigned).toBe(2);
    expect(week.points.at(-2).assigned).toBe(0);
    // Releasing one (quarantine) lowers the latest point; the earlier history stays.
    await t.dataSource.query(`UPDATE anycast_addresses SET state = 'quarantined', quarantined_until = now() + interval '1 day' WHERE address = $1::inet`, [s.addresses[0]]);
    expect((await op.session.get(`/v1/admin/pools/${pool.id}/utilization`)).body.points.at(-1).assigned).toBe(1);
    const month = (await op.session.get(`/v1/admin/pools/${pool.id}/utilization`).query({ days: 30 })).body;
    expect(month.step_seconds).toBe(86_400);
    for (const days of ['0', '91', 'x']) {
      const bad = await op.session.get(`/v1/admin/pools/${pool.id}/utilization`).query({ days });
      expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'days']);
    }
    expect((await op.session.get(`/v1/admin/pools/${crypto.randomUUID()}/utilization`)).status).toBe(404);
  });
});
