import { operator, randomPoolPrefix, signup, uniqueSuffix, type Agent } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

/** The operator console's read models against a real database: slot map, address lookup, directory, overview. */
describe('operator views under /v1/admin', () => {
  let t: TestApp;
  let op: Agent;
  const poolIds: string[] = [];
  const popIds: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    op = (await operator(t)).session;
  });
  afterAll(async () => {
    await t.dataSource.query('DELETE FROM anycast_addresses WHERE pool_id = ANY($1::uuid[])', [poolIds]);
    await t.dataSource.query('DELETE FROM pools WHERE id = ANY($1::uuid[])', [poolIds]);
    await t.dataSource.query('DELETE FROM edge_nodes WHERE pop_id = ANY($1::uuid[])', [popIds]);
    await t.dataSource.query('DELETE FROM pops WHERE id = ANY($1::uuid[])', [popIds]);
    await t.close();
  });

  /** A PoP, an IPv4 /24 pool on it, a tenant service holding slot 36 (.37) and a quarantined slot 99 (.100) last held by it. */
  async function scene() {
    const code = `v${uniqueSuffix()}`.slice(0, 12);
    const pop = (await op.post('/v1/admin/pops').send({ code, name: `PoP ${code}`, region: 'eu-west' })).body as { id: string; code: string };
    popIds.push(pop.id);
    const prefix = randomPoolPrefix();
    const pool = (await op.post('/v1/admin/pools').send({ prefix, scope: 'global', pop_ids: [pop.id] })).body as { id: string };
    poolIds.push(pool.id);
    const tenant = await signup(t, { organizationName: `Holder ${uniqueSuffix()}` });
    const [svc] = await t.dataSource.query(
      `INSERT INTO services (organization_id, name, listeners, health_check, status) VALUES ($1, 'web', '[]', '{}', 'active') RETURNING id`,
      [tenant.organizationId],
    );
    const base = prefix.split('.').slice(0, 3).join('.');
    // Slot 99 was the service's first, then released into quarantine (the holding history keeps it).
    await t.dataSource.query(`INSERT INTO anycast_addresses (pool_id, slot_index, address, family, service_id, state) VALUES ($1, 99, $2, 4, $3, 'assigned')`, [pool.id, `${base}.100`, svc.id]);
    await t.dataSource.query(`UPDATE anycast_addresses SET service_id = NULL, state = 'quarantined', quarantined_until = now() + interval '1 day' WHERE address = $1::inet`, [`${base}.100`]);
    await t.dataSource.query(`INSERT INTO anycast_addresses (pool_id, slot_index, address, family, service_id, state) VALUES ($1, 36, $2, 4, $3, 'assigned')`, [pool.id, `${base}.37`, svc.id]);
    await t.dataSource.query(`INSERT INTO backends (service_id, address, family, weight) VALUES ($1, '203.0.113.77', 4, 100)`, [svc.id]);
    return { pop, pool, prefix, base, tenant, serviceId: svc.id as string };
  }

  it('is for operators only', async () => {
    const a = await signup(t);
    for (const path of ['/v1/admin/overview', '/v1/admin/organizations', '/v1/admin/address-lookup?address=192.0.2.1']) {
      expect((await a.session.get(path)).status).toBe(403);
      expect((await t.http().get(path)).status).toBe(401);
    }
  });

  it('slot map: 256 cells of the /24, holders on the taken ones, .0/.255 unusable', async () => {
    const s = await scene();
    const res = await op.get(`/v1/admin/pools/${s.pool.id}/slots`);
    expect(res.status).toBe(200);
    expect(res.body.pool).toMatchObject({ id: s.pool.id, prefix: s.prefix, family: 4, pop_codes: [s.pop.code] });
    const [grid] = res.body.grids;
    expect(grid.slots).toHaveLength(256);
    const cell = (o: number) => grid.slots[o];
    expect(cell(0)).toMatchObject({ state: 'unusable', slot_index: null, holder: null });
    expect(cell(255).state).toBe('unusable');
    expect(cell(37)).toMatchObject({ address: `${s.base}.37`, slot_index: 36, state: 'assigned', holder: { organization_id: s.tenant.organizationId, organization_name: s.tenant.organizationName, service_id: s.serviceId, service_name: 'web' } });
    // Quarantined: who held it last, and until when it stays out of use.
    expect(cell(100)).toMatchObject({ state: 'quarantined', holder: { service_id: s.serviceId } });
    expect(Date.parse(cell(100).quarantined_until)).toBeGreaterThan(Date.now());
    expect(grid.slots.filter((c: { state: string }) => c.state === 'free')).toHaveLength(252);
    expect(res.body.taken.map((x: { slot_index: number }) => x.slot_index)).toEqual([36, 99]);
    expect((await op.get(`/v1/admin/pools/${crypto.randomUUID()}/slots`)).status).toBe(404);
  });

  it('address lookup: holder since when, history, pool and announcing PoPs; backend addresses name their services', async () => {
    const s = await scene();
    const res = await op.get('/v1/admin/address-lookup').query({ address: `${s.base}.100` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ address: `${s.base}.100`, family: 4, pool: { id: s.pool.id }, anycast: { slot_index: 99, state: 'quarantined' } });
    expect(res.body.history).toHaveLength(1);
    expect(res.body.history[0]).toMatchObject({ organization_id: s.tenant.organizationId, service_id: s.serviceId, service_name: 'web' });
    expect(res.body.history[0].to).not.toBeNull();
    expect(res.body.announcing_pops).toEqual([{ pop_id: s.pop.id, pop_code: s.pop.code, pop_name: `PoP ${s.pop.code}`, edge_nodes: 0, announcing: 0 }]);

    const held = (await op.get('/v1/admin/address-lookup').query({ address: `${s.base}.37` })).body;
    expect(held.anycast).toMatchObject({ state: 'assigned', holder: { organization_name: s.tenant.organizationName } });
    expect(held.history[0].to).toBeNull();

    // A free slot: its pool, no holder.
    const free = (await op.get('/v1/admin/address-lookup').query({ address: `${s.base}.200` })).body;
    expect(free).toMatchObject({ pool: { id: s.pool.id }, anycast: null, history: [] });

    const backend = (await op.get('/v1/admin/address-lookup').query({ address: '203.0.113.77' })).body;
    expect(backend.pool).toBeNull();
    expect(backend.backend_of).toEqual(expect.arrayContaining([expect.objectContaining({ service_id: s.serviceId, organization_id: s.tenant.organizationId })]));

    const bad = await op.get('/v1/admin/address-lookup').query({ address: 'not-an-address' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors[0].field).toBe('address');
  });

  it('organizations: search, plan, standing, holdings, paged', async () => {
    const s = await scene();
    const res = await op.get('/v1/admin/organizations').query({ search: s.tenant.organizationName });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([expect.objectContaining({ id: s.tenant.organizationId, plan: 'free', billing_status: 'active', services: 1, ipv4_addresses: 1, members: 1 })]);
    const first = await op.get('/v1/admin/organizations').query({ limit: 1 });
    expect(first.body.data).toHaveLength(1);
    const second = await op.get('/v1/admin/organizations').query({ limit: 1, cursor: first.body.next_cursor });
    expect(second.body.data[0].id).not.toBe(first.body.data[0].id);
    expect((await op.get('/v1/admin/organizations').query({ search: '%' })).body.data.every((o: { name: string }) => o.name.includes('%'))).toBe(true);
  });

  it('overview: services waiting for capacity and failed deploys, with the reason', async () => {
    const s = await scene();
    await t.dataSource.query(`UPDATE services SET status = 'waiting_for_capacity', status_reason = 'no free slot' WHERE id = $1`, [s.serviceId]);
    const [node] = await t.dataSource.query(`INSERT INTO edge_nodes (pop_id, name, state, tunnel_source_ipv6) VALUES ($1, $2, 'active', $3) RETURNING id`, [s.pop.id, `edge-${uniqueSuffix()}`, `fd00:77::${Math.floor(Math.random() * 0xffff).toString(16)}`]);
    await t.dataSource.query(`INSERT INTO edge_node_service_exclusions (edge_node_id, service_id, reason) VALUES ($1, $2, 'encapsulation gue needs a GUE port')`, [node.id, s.serviceId]);
    const res = await op.get('/v1/admin/overview');
    expect(res.status).toBe(200);
    expect(res.body.waiting_services).toEqual(expect.arrayContaining([expect.objectContaining({ id: s.serviceId, organization_id: s.tenant.organizationId, reason: 'no free slot' })]));
    expect(res.body.failed_deploys).toEqual(expect.arrayContaining([expect.objectContaining({ service_id: s.serviceId, edge_node_id: node.id, pop_code: s.pop.code, reason: 'encapsulation gue needs a GUE port' })]));
    await t.dataSource.query('DELETE FROM edge_node_service_exclusions WHERE edge_node_id = $1', [node.id]);

    // Drain impact: services in its desired state, its last hour of traffic, the others of its PoP.
    await t.dataSource.query(
      `INSERT INTO edge_node_fleet_states (edge_node_id, drained, desired_state, announced, capabilities) VALUES ($1, false, $2, true, '{"seg6": true}')
       ON CONFLICT (edge_node_id) DO UPDATE SET desired_state = EXCLUDED.desired_state, announced = true, capabilities = EXCLUDED.capabilities`,
      [node.id, JSON.stringify({ services: [{}, {}, {}] })],
    );
    await t.dataSource.query(`INSERT INTO traffic_reports (edge_node_id, sequence, interval_start, interval_seconds) VALUES ($1, 1, now() - interval '5 minutes', 60)`, [node.id]);
    await t.dataSource.query(
      `INSERT INTO traffic_samples (edge_node_id, sequence, pop_id, interval_start, kind, address, backend_id, service_id, organization_id, bytes, packets) VALUES
         ($1, 1, $2, now() - interval '5 minutes', 'address', $5, NULL, $3, $4, 1500, 3), ($1, 1, $2, now() - interval '5 minutes', 'address', $5, NULL, $3, $4, 500, 1),
         ($1, 1, $2, now() - interval '5 minutes', 'backend', NULL, $6, $3, $4, 9999, 9)`,
      [node.id, s.pop.id, s.serviceId, s.tenant.organizationId, `${s.base}.37`, crypto.randomUUID()],
    );
    const impact = await op.get(`/v1/admin/edge-nodes/${node.id}/impact`);
    expect(impact.status).toBe(200);
    expect(impact.body).toEqual({ edge_node_id: node.id, services: 3, bytes_last_hour: '2000', packets_last_hour: '4', other_announcing_in_pop: 0, capabilities: { seg6: true } });
    expect((await op.get(`/v1/admin/edge-nodes/${crypto.randomUUID()}/impact`)).status).toBe(404);
  });
});
