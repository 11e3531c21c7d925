import { assignSlotsJob } from '@anyfront/contracts';
import { OutboxRepository } from '@anyfront/db';
import { randomPoolPrefix, signup, type TestAccount } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

const tcp443 = [{ protocol: 'tcp', ports: '443' }];
let n = 0;
const name = (tag = 'svc') => `${tag}-${++n}-${Date.now().toString(36)}`;

// Start-up signs up organizations (argon2) and boots two apps: generous on a loaded machine.
jest.setTimeout(60_000);

describe('services API', () => {
  let t: TestApp;
  let a: TestAccount;
  let b: TestAccount;

  beforeAll(async () => {
    t = await createTestApp({ env: { QUARANTINE_DAYS: '3' } });
    [a, b] = await Promise.all([signup(t), signup(t)]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a pending service with defaults and queues its slot assignment in the outbox', async () => {
    const res = await a.bearer.post('/v1/services').send({ name: 'web', listeners: [{ protocol: 'udp', ports: '53' }, { protocol: 'tcp', ports: '8000-8100' }] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'web',
      listeners: [{ protocol: 'udp', ports: '53' }, { protocol: 'tcp', ports: '8000-8100' }],
      hash_mode: 'five_tuple',
      encapsulation: 'srv6',
      gue_port: null,
      health_check: { protocol: 'tcp', port: 8000, path: null, interval_seconds: 10, timeout_seconds: 5, healthy_threshold: 3, unhealthy_threshold: 3 },
      status: 'pending',
      status_reason: null,
      addresses: [],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    // Committed with the service; the worker's relay moves it to BullMQ.
    const outbox = await new OutboxRepository(t.dataSource, t.config.queuePrefix).pending();
    expect(outbox.filter((r) => r.name === assignSlotsJob(res.body.id).name && r.data.serviceId === res.body.id)).toEqual([
      { id: expect.any(String), ...assignSlotsJob(res.body.id) },
    ]);

    const got = await a.bearer.get(`/v1/services/${res.body.id}`);
    expect(got.status).toBe(200);
    // The single-service view adds the deploy status on the fleet (no edge node serves it yet).
    expect(got.body).toEqual({ ...res.body, deployment: { status: 'pending', edge_nodes: 0, edge_nodes_deployed: 0, pops: [] } });
  });

  it('accepts every documented option', async () => {
    const res = await a.session.post('/v1/services').send({
      name: name('full'),
      listeners: tcp443,
      hash_mode: 'client_ip',
      encapsulation: 'ipip',
      health_check: { protocol: 'http', port: 8080, path: '/healthz', interval_seconds: 5, timeout_seconds: 2, healthy_threshold: 2, unhealthy_threshold: 4 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      hash_mode: 'client_ip',
      encapsulation: 'ipip',
      health_check: { protocol: 'http', port: 8080, path: '/healthz', interval_seconds: 5, timeout_seconds: 2, healthy_threshold: 2, unhealthy_threshold: 4 },
    });
  });

  describe('refuses bad input with problem+json naming the field, and creates nothing', () => {
    it.each([
      ['overlapping listeners', { listeners: [{ protocol: 'tcp', ports: '8000-8100' }, { protocol: 'tcp', ports: '8080' }] }, 'listeners[1].ports', /overlaps listeners\[0\]/],
      ['backwards range', { listeners: [{ protocol: 'tcp', ports: '9000-8000' }] }, 'listeners[0].ports', /backwards/],
      ['port 0', { listeners: [{ protocol: 'tcp', ports: '0' }] }, 'listeners[0].ports', /not a port/],
      ['port as a number', { listeners: [{ protocol: 'tcp', ports: 443 }] }, 'listeners[0].ports', /must be a string/],
      ['unknown protocol', { listeners: [{ protocol: 'sctp', ports: '1' }] }, 'listeners[0].protocol', /"tcp" or "udp"/],
      ['no listeners', { listeners: [] }, 'listeners', /at least one listener/],
      ['listeners not a list', { listeners: 'tcp/443' }, 'listeners', /must be a list/],
      ['unknown listener field', { listeners: [{ protocol: 'tcp', ports: '1', tls: true }] }, 'listeners[0].tls', /not a known field/],
      ['bad hash mode', { hash_mode: 'round_robin' }, 'hash_mode', /five_tuple/],
      ['bad encapsulation', { encapsulation: 'gre' }, 'encapsulation', /srv6/],
      ['gue_port without gue', { encapsulation: 'srv6', gue_port: 7000 }, 'gue_port', /applies to encapsulation "gue" only/],
      ['gue_port below 1024', { encapsulation: 'gue', gue_port: 53 }, 'gue_port', /1024/],
      ['gue_port on a UDP listener', { encapsulation: 'gue', listeners: [{ protocol: 'udp', ports: '6000-7000' }] }, 'gue_port', /default gue_port 6080 is also a UDP listener port/],
      ['timeout not below interval', { health_check: { interval_seconds: 5, timeout_seconds: 5 } }, 'health_check.timeout_seconds', /shorter than interval_seconds/],
      ['path on a tcp check', { health_check: { protocol: 'tcp', path: '/x' } }, 'health_check.path', /http health checks only/],
      ['health port out of range', { health_check: { port: 70000 } }, 'health_check.port', /65535/],
      ['unknown top-level field', { color: 'blue' }, 'color', /not a known field/],
      ['bad name', { name: '  ' }, 'name', /1-100 characters/],
      ['name of wrong type', { name: 42 }, 'name', /string/],
    ])('%s', async (_label, patch, field, message) => {
      const body = { name: name('bad'), listeners: tcp443, ...patch };
      const res = await a.bearer.post('/v1/services').send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
      const [{ count }] = await t.dataSource.query(`SELECT count(*)::int AS count FROM services WHERE organization_id = $1 AND name = $2`, [a.organizationId, body.name]);
      expect(count).toBe(0);
    });
  });

  it('honours Idempotency-Key: a retried create returns the first service and creates no second one', async () => {
    const body = { name: name('idem'), listeners: tcp443 };
    const key = `k-${Date.now()}`;
    const first = await a.bearer.post('/v1/services').set('Idempotency-Key', key).send(body);
    const again = await a.bearer.post('/v1/services').set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const [{ count }] = await t.dataSource.query(`SELECT count(*)::int AS count FROM services WHERE organization_id = $1 AND name = $2`, [a.organizationId, body.name]);
    expect(count).toBe(1);
  });

  it('keeps names unique per organization among live services', async () => {
    const svcName = name('dup');
    expect((await a.bearer.post('/v1/services').send({ name: svcName, listeners: tcp443 })).status).toBe(201);
    const dup = await a.bearer.post('/v1/services').send({ name: svcName.toUpperCase(), listeners: tcp443 });
    expect(dup.status).toBe(409);
    expect(dup.body.errors).toEqual([{ field: 'name', message: expect.stringContaining('already exists') }]);
    // Another organization may use the name.
    expect((await b.bearer.post('/v1/services').send({ name: svcName, listeners: tcp443 })).status).toBe(201);
  });

  it('lists only the caller organization\'s services, with cursor pagination', async () => {
    const org = await signup(t);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await org.bearer.post('/v1/services').send({ name: `page-${i}`, listeners: tcp443 })).body.id);
    const p1 = await org.bearer.get('/v1/services?limit=2');
    expect(p1.status).toBe(200);
    expect(p1.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2));
    const p2 = await org.bearer.get(`/v1/services?limit=2&cursor=${p1.body.next_cursor}`);
    expect(p2.body).toEqual({ data: [expect.objectContaining({ id: ids[2] })], next_cursor: null });
    const other = await b.bearer.get('/v1/services?limit=200');
    expect(other.body.data.map((s: { id: string }) => s.id)).not.toEqual(expect.arrayContaining([ids[0]]));
  });

  it("answers 404 for another organization's service and changes nothing", async () => {
    const svc = (await a.bearer.post('/v1/services').send({ name: name('mine'), listeners: tcp443 })).body;
    for (const res of [
      await b.bearer.get(`/v1/services/${svc.id}`),
      await b.bearer.patch(`/v1/services/${svc.id}`).send({ name: 'stolen' }),
      await b.bearer.delete(`/v1/services/${svc.id}`),
      await b.bearer.get(`/v1/services/${svc.id}/backends`),
      await b.bearer.post(`/v1/services/${svc.id}/backends`).send({ address: '2001:db8:77::1' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await a.bearer.get(`/v1/services/${svc.id}`)).body).toMatchObject({ name: svc.name, status: 'pending' });
    expect((await a.bearer.get('/v1/services/not-a-uuid')).status).toBe(404);
  });

  it('gue: gue_port defaults to 6080, is kept and changed by updates, and goes away with another encapsulation', async () => {
    const created = await a.bearer.post('/v1/services').send({ name: name('gue'), listeners: tcp443, encapsulation: 'gue' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ encapsulation: 'gue', gue_port: 6080 });
    const id = created.body.id;
    expect((await a.bearer.patch(`/v1/services/${id}`).send({ hash_mode: 'client_ip' })).body.gue_port).toBe(6080);
    expect((await a.bearer.patch(`/v1/services/${id}`).send({ gue_port: 7000 })).body.gue_port).toBe(7000);
    expect((await a.bearer.patch(`/v1/services/${id}`).send({ encapsulation: 'ip6ip6' })).body).toMatchObject({ encapsulation: 'ip6ip6', gue_port: null });
    const refused = await a.bearer.patch(`/v1/services/${id}`).send({ gue_port: 7000 });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'gue_port', message: expect.stringMatching(/applies to encapsulation "gue" only/) }]);
    expect((await a.bearer.patch(`/v1/services/${id}`).send({ encapsulation: 'gue', gue_port: 7001 })).body).toMatchObject({ encapsulation: 'gue', gue_port: 7001 });
    // GUE reaches IPv4 and IPv6 backends (the edges use an ipip/sit or an ip6tnl device).
    for (const address of ['2001:db8:1::10', '192.0.2.10']) expect((await a.bearer.post(`/v1/services/${id}/backends`).send({ address })).status).toBe(201);
    const [row] = await t.dataSource.query(`SELECT encapsulation, gue_port FROM services WHERE id = $1`, [id]);
    expect(row).toEqual({ encapsulation: 'gue', gue_port: 7001 });
  });

  it('updates fields, merging the health check', async () => {
    const svc = (await a.bearer.post('/v1/services').send({ name: name('upd'), listeners: tcp443, health_check: { protocol: 'http', path: '/ok' } })).body;
    const res = await a.bearer.patch(`/v1/services/${svc.id}`).send({ listeners: [{ protocol: 'tcp', ports: '80' }], hash_mode: 'client_ip', health_check: { interval_seconds: 30 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: svc.name,
      listeners: [{ protocol: 'tcp', ports: '80' }],
      hash_mode: 'client_ip',
      health_check: { protocol: 'http', path: '/ok', interval_seconds: 30, port: 443 },
    });
    const bad = await a.bearer.patch(`/v1/services/${svc.id}`).send({ listeners: [{ protocol: 'tcp', ports: '80' }, { protocol: 'tcp', ports: '79-81' }] });
    expect(bad.status).toBe(400);
    expect((await a.bearer.get(`/v1/services/${svc.id}`)).body.listeners).toEqual([{ protocol: 'tcp', ports: '80' }]);
  });

  it('deleting a service quarantines its addresses for QUARANTINE_DAYS and frees its name', async () => {
    const svcName = name('del');
    const svc = (await a.bearer.post('/v1/services').send({ name: svcName, listeners: tcp443 })).body;
    // Addresses as the worker would have assigned them.
    const prefix = randomPoolPrefix(4);
    const [pool] = await t.dataSource.query(`INSERT INTO pools (prefix, family, scope) VALUES ($1, 4, 'global') RETURNING id`, [prefix]);
    const address = prefix.replace(/\.0\/24$/, '.1');
    await t.dataSource.query(
      `INSERT INTO anycast_addresses (pool_id, slot_index, address, family, service_id, state) VALUES ($1, 0, $2, 4, $3, 'assigned')`,
      [pool.id, address, svc.id],
    );
    await t.dataSource.query(`UPDATE services SET status = 'active' WHERE id = $1`, [svc.id]);
    expect((await a.bearer.get(`/v1/services/${svc.id}`)).body.addresses).toEqual([{ address, family: 4, pool: prefix, pool_id: pool.id }]);

    expect((await a.bearer.delete(`/v1/services/${svc.id}`)).status).toBe(204);
    expect((await a.bearer.get(`/v1/services/${svc.id}`)).status).toBe(404);
    expect((await a.bearer.delete(`/v1/services/${svc.id}`)).status).toBe(404);
    const [row] = await t.dataSource.query(
      `SELECT state, service_id, extract(epoch FROM quarantined_until - now()) / 86400 AS days FROM anycast_addresses WHERE address = $1`,
      [address],
    );
    expect(row).toMatchObject({ state: 'quarantined', service_id: svc.id });
    expect(Number(row.days)).toBeGreaterThan(2.99);
    expect(Number(row.days)).toBeLessThanOrEqual(3);
    expect((await a.bearer.post('/v1/services').send({ name: svcName, listeners: tcp443 })).status).toBe(201);

    await t.dataSource.query(`DELETE FROM anycast_addresses WHERE pool_id = $1`, [pool.id]);
    await t.dataSource.query(`DELETE FROM pools WHERE id = $1`, [pool.id]);
  });
});
