import { operator, randomPoolPrefix, signup, uniqueSuffix, type Agent } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

describe('operator resources under /v1/admin', () => {
  let t: TestApp;
  let op: Agent;
  const poolIds: string[] = [];
  const popIds: string[] = [];

  const newPop = async (region = 'eu-west') => {
    const code = `p${uniqueSuffix()}`;
    const res = await op.post('/v1/admin/pops').send({ code, name: `PoP ${code}`, region });
    expect(res.status).toBe(201);
    popIds.push(res.body.id);
    return res.body as { id: string; code: string; region: string };
  };
  const newPool = async (body: Record<string, unknown>) => {
    const res = await op.post('/v1/admin/pools').send(body);
    if (res.status === 201) poolIds.push(res.body.id);
    return res;
  };

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

  it('is for operators only: owners and members get 403, anonymous callers 401', async () => {
    const a = await signup(t);
    for (const agent of [a.session, a.bearer]) {
      const res = await agent.get('/v1/admin/pools');
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(/operator role/);
      expect((await agent.post('/v1/admin/pops').send({ code: 'zz', name: 'x', region: 'x' })).status).toBe(403);
    }
    expect((await t.http().get('/v1/admin/pops')).status).toBe(401);
  });

  it('PoPs: create, read, update, list, unique code, delete', async () => {
    const pop = await newPop();
    expect(pop).toMatchObject({ region: 'eu-west' });
    expect((await op.get(`/v1/admin/pops/${pop.id}`)).body).toMatchObject({ id: pop.id, code: pop.code });
    const dup = await op.post('/v1/admin/pops').send({ code: pop.code, name: 'again', region: 'eu-west' });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].field).toBe('code');
    const upd = await op.patch(`/v1/admin/pops/${pop.id}`).send({ name: 'Renamed' });
    expect(upd.status).toBe(200);
    expect(upd.body.name).toBe('Renamed');
    const bad = await op.post('/v1/admin/pops').send({ code: 'AMS!', name: '', region: 'EU West' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['code', 'name', 'region']);
    expect((await op.delete(`/v1/admin/pops/${pop.id}`)).status).toBe(204);
    expect((await op.get(`/v1/admin/pops/${pop.id}`)).status).toBe(404);
    expect((await op.get('/v1/admin/pops/not-a-uuid')).status).toBe(404);
  });

  it('pools: IPv4 /24 and IPv6 /48 with a PoP set and utilization; refuses bad prefixes and overlaps', async () => {
    const [a, b] = [await newPop(), await newPop()];
    const v4 = randomPoolPrefix(4);
    const res = await newPool({ prefix: v4, scope: 'global', pop_ids: [a.id, b.id] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      prefix: v4,
      family: 4,
      scope: 'global',
      region: null,
      state: 'active',
      utilization: { capacity: 254, assigned: 0, quarantined: 0, free: 254 },
    });
    expect(res.body.pop_ids.sort()).toEqual([a.id, b.id].sort());

    const v6 = await newPool({ prefix: randomPoolPrefix(6), scope: 'global', pop_ids: [a.id] });
    expect(v6.status).toBe(201);
    expect(v6.body.family).toBe(6);

    // Documentation ranges are accepted here because the test app allows them (lab setting).
    const [x, y, z] = v4.split('.');
    const cases: Array<[unknown, RegExp]> = [
      [`${x}.${y}.0.0/16`, /\/24/],
      [`${x}.${y}.${z}.9/24`, /host bits/],
      ['10.9.8.0/24', /private/],
      ['nonsense', /CIDR/],
      [42, /string/],
    ];
    for (const [prefix, message] of cases) {
      const bad = await newPool({ prefix, scope: 'global', pop_ids: [a.id] });
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/problem\+json/);
      expect(bad.body.errors).toEqual([{ field: 'prefix', message: expect.stringMatching(message) }]);
    }

    const overlap = await newPool({ prefix: v4, scope: 'global', pop_ids: [a.id] });
    expect(overlap.status).toBe(409);
    expect(overlap.body.errors[0].field).toBe('prefix');

    const missingPop = await newPool({ prefix: randomPoolPrefix(4), scope: 'global', pop_ids: [a.id, '00000000-0000-4000-8000-000000000000'] });
    expect(missingPop.status).toBe(400);
    expect(missingPop.body.errors).toEqual([{ field: 'pop_ids[1]', message: expect.stringMatching(/no PoP/) }]);
    expect((await newPool({ prefix: randomPoolPrefix(4), scope: 'global', pop_ids: [] })).body.errors[0].field).toBe('pop_ids');
  });

  it('regional pools need a region and PoPs in it', async () => {
    const eu = await newPop('eu-west');
    const us = await newPop('us-east');
    expect((await newPool({ prefix: randomPoolPrefix(4), scope: 'regional', pop_ids: [eu.id] })).body.errors).toEqual([
      { field: 'region', message: expect.stringMatching(/required/) },
    ]);
    const wrong = await newPool({ prefix: randomPoolPrefix(4), scope: 'regional', region: 'eu-west', pop_ids: [eu.id, us.id] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([{ field: 'pop_ids[1]', message: expect.stringMatching(/us-east/) }]);
    const ok = await newPool({ prefix: randomPoolPrefix(4), scope: 'regional', region: 'eu-west', pop_ids: [eu.id] });
    expect(ok.status).toBe(201);
    expect((await newPool({ prefix: randomPoolPrefix(4), scope: 'global', region: 'eu-west', pop_ids: [eu.id] })).status).toBe(400);

    // Changing the PoP set and state; switching to global drops the region.
    const upd = await op.patch(`/v1/admin/pools/${ok.body.id}`).send({ scope: 'global', pop_ids: [eu.id, us.id], state: 'draining' });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ scope: 'global', region: null, state: 'draining' });
    expect(upd.body.pop_ids.sort()).toEqual([eu.id, us.id].sort());
    expect((await op.patch(`/v1/admin/pools/${ok.body.id}`).send({ prefix: '1.2.3.0/24' })).status).toBe(400);
  });

  it('utilization counts assigned and quarantined addresses; a pool with addresses cannot be deleted', async () => {
    const pop = await newPop();
    const prefix = randomPoolPrefix(4);
    const pool = (await newPool({ prefix, scope: 'global', pop_ids: [pop.id] })).body;
    const owner = await signup(t);
    const [svc] = await t.dataSource.query(
      `INSERT INTO services (organization_id, name, listeners, health_check, status) VALUES ($1, 'util', '[]', '{}', 'active') RETURNING id`,
      [owner.organizationId],
    );
    const base = prefix.split('.').slice(0, 3).join('.');
    await t.dataSource.query(
      `INSERT INTO anycast_addresses (pool_id, slot_index, address, family, service_id, state, quarantined_until) VALUES
         ($1, 0, $2, 4, $3, 'assigned', NULL),
         ($1, 1, $4, 4, NULL, 'quarantined', now() + interval '1 day'),
         ($1, 2, $5, 4, NULL, 'quarantined', now() - interval '1 day')`,
      [pool.id, `${base}.1`, svc.id, `${base}.2`, `${base}.3`],
    );
    const got = await op.get(`/v1/admin/pools/${pool.id}`);
    // The expired quarantine no longer holds its address back.
    expect(got.body.utilization).toEqual({ capacity: 254, assigned: 1, quarantined: 1, free: 252 });
    const listed = await op.get('/v1/admin/pools?limit=200');
    let page = listed.body;
    let found = page.data.find((p: { id: string }) => p.id === pool.id);
    while (!found && page.next_cursor) {
      page = (await op.get(`/v1/admin/pools?limit=200&cursor=${page.next_cursor}`)).body;
      found = page.data.find((p: { id: string }) => p.id === pool.id);
    }
    expect(found.utilization).toEqual(got.body.utilization);

    const del = await op.delete(`/v1/admin/pools/${pool.id}`);
    expect(del.status).toBe(409);
    expect(del.body.detail).toMatch(/1 assigned and 2 quarantined/);
    await t.dataSource.query('DELETE FROM anycast_addresses WHERE pool_id = $1', [pool.id]);
    await t.dataSource.query('DELETE FROM services WHERE id = $1', [svc.id]);
    expect((await op.delete(`/v1/admin/pools/${pool.id}`)).status).toBe(204);
    expect((await op.get(`/v1/admin/pools/${pool.id}`)).status).toBe(404);
  });

  it('a PoP used by a pool cannot be deleted', async () => {
    const pop = await newPop();
    await newPool({ prefix: randomPoolPrefix(4), scope: 'global', pop_ids: [pop.id] });
    const res = await op.delete(`/v1/admin/pops/${pop.id}`);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/1 pool/);
  });

  it('edge nodes: CRUD with validated tunnel source addresses', async () => {
    const pop = await newPop();
    const name = `edge-${uniqueSuffix()}`;
    const v4 = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
    // A group without a leading zero, so the canonical (RFC 5952) form the API returns is this string lower-cased.
    const v6 = `2001:db8:ff::${(0x1000 + Math.floor(Math.random() * 0xefff)).toString(16)}`;
    const res = await op.post('/v1/admin/edge-nodes').send({ pop_id: pop.id, name, tunnel_source_ipv4: v4, tunnel_source_ipv6: v6.toUpperCase() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ pop_id: pop.id, pop_code: pop.code, name, tunnel_source_ipv4: v4, tunnel_source_ipv6: v6, state: 'active' });

    const bad = await op.post('/v1/admin/edge-nodes').send({ pop_id: pop.id, name: `x-${uniqueSuffix()}`, tunnel_source_ipv4: '2001:db8::1', tunnel_source_ipv6: '10.0.0.0/8' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['tunnel_source_ipv4', 'tunnel_source_ipv6']);
    expect((await op.post('/v1/admin/edge-nodes').send({ pop_id: pop.id, name: `y-${uniqueSuffix()}` })).status).toBe(400);
    const dupName = await op.post('/v1/admin/edge-nodes').send({ pop_id: pop.id, name, tunnel_source_ipv6: '2001:db8:fe::1' });
    expect(dupName.status).toBe(409);
    expect(dupName.body.errors[0].field).toBe('name');

    const upd = await op.patch(`/v1/admin/edge-nodes/${res.body.id}`).send({ tunnel_source_ipv4: null, state: 'draining' });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ tunnel_source_ipv4: null, tunnel_source_ipv6: v6, state: 'draining' });
    expect((await op.patch(`/v1/admin/edge-nodes/${res.body.id}`).send({ tunnel_source_ipv6: null })).status).toBe(400);
    expect((await op.get(`/v1/admin/edge-nodes/${res.body.id}`)).body.name).toBe(name);
    expect((await op.delete(`/v1/admin/edge-nodes/${res.body.id}`)).status).toBe(204);
    expect((await op.get(`/v1/admin/edge-nodes/${res.body.id}`)).status).toBe(404);
  });

  it('pages through pools (a query with a join) without repeats or gaps', async () => {
    const pop = await newPop();
    for (let i = 0; i < 3; i++) expect((await newPool({ prefix: randomPoolPrefix(4), scope: 'global', pop_ids: [pop.id] })).status).toBe(201);
    const all = (await op.get('/v1/admin/pools?limit=200')).body.data.map((p: { id: string }) => p.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await op.get('/v1/admin/pools').query(cursor ? { limit: 2, cursor } : { limit: 2 });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((p: { id: string; pops: unknown[] }) => p.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it('writes audit log entries for operator changes', async () => {
    const pop = await newPop();
    const rows = await t.dataSource.query(`SELECT action, actor_user_id, actor_credential FROM audit_log WHERE target_type = 'pop' AND target_id = $1`, [pop.id]);
    expect(rows).toEqual([{ action: 'pop.create', actor_user_id: expect.any(String), actor_credential: 'session' }]);
    const viaApi = await op.get('/v1/admin/audit-log').query({ target_type: 'pop', target_id: pop.id });
    expect(viaApi.status).toBe(200);
    expect(viaApi.body.data).toEqual([expect.objectContaining({ action: 'pop.create', target_id: pop.id, details: expect.objectContaining({ code: pop.code }) })]);
    expect((await op.get('/v1/admin/audit-log?organization_id=nope')).status).toBe(400);
    // Filters by actor and time (the console's audit view).
    const actor = rows[0].actor_user_id as string;
    const byActor = await op.get('/v1/admin/audit-log').query({ actor_user_id: actor, target_id: pop.id });
    expect(byActor.body.data).toHaveLength(1);
    expect((await op.get('/v1/admin/audit-log').query({ actor_user_id: crypto.randomUUID(), target_id: pop.id })).body.data).toEqual([]);
    const at = Date.parse(viaApi.body.data[0].created_at);
    expect((await op.get('/v1/admin/audit-log').query({ target_id: pop.id, since: new Date(at - 60_000).toISOString(), until: new Date(at + 60_000).toISOString() })).body.data).toHaveLength(1);
    expect((await op.get('/v1/admin/audit-log').query({ target_id: pop.id, since: new Date(at + 60_000).toISOString() })).body.data).toEqual([]);
    expect((await op.get('/v1/admin/audit-log').query({ since: 'yesterday' })).status).toBe(400);
  });
});
