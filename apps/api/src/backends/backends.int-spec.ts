import { maglevTableSize } from '@anyfront/maglev';
import { randomPoolPrefix, signup, uniqueSuffix, type TestAccount } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

const tcp443 = [{ protocol: 'tcp', ports: '443' }];

// Start-up signs up organizations (argon2) and boots two apps: generous on a loaded machine.
jest.setTimeout(60_000);

describe('backends API', () => {
  let t: TestApp;
  let strict: TestApp;
  let a: TestAccount;
  let b: TestAccount;
  const poolIds: string[] = [];
  const popIds: string[] = [];
  let poolV6: string;
  let edgeV6: string;

  const service = async (acct: TestAccount, encapsulation = 'srv6') => {
    const res = await acct.bearer.post('/v1/services').send({ name: `svc-${uniqueSuffix()}`, listeners: tcp443, encapsulation });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    t = await createTestApp(); // ALLOW_DOCUMENTATION_ADDRESSES=true (lab/demo setting)
    strict = await createTestApp({ env: { ALLOW_DOCUMENTATION_ADDRESSES: 'false' } });
    [a, b] = await Promise.all([signup(t), signup(t)]);
    // The platform's own addresses: an IPv6 pool and an edge node's tunnel source.
    poolV6 = randomPoolPrefix(6);
    const [pool] = await t.dataSource.query(`INSERT INTO pools (prefix, family, scope) VALUES ($1, 6, 'global') RETURNING id`, [poolV6]);
    poolIds.push(pool.id);
    const [pop] = await t.dataSource.query(`INSERT INTO pops (code, name, region) VALUES ($1, 'x', 'eu') RETURNING id`, [`b${uniqueSuffix()}`]);
    popIds.push(pop.id);
    edgeV6 = `2a0f:${uniqueSuffix().slice(0, 4)}::1`;
    await t.dataSource.query(`INSERT INTO edge_nodes (pop_id, name, tunnel_source_ipv6) VALUES ($1, $2, $3)`, [pop.id, `edge-${uniqueSuffix()}`, edgeV6]);
  });
  afterAll(async () => {
    await t?.dataSource.query(`DELETE FROM edge_nodes WHERE pop_id = ANY($1::uuid[])`, [popIds]);
    await t?.dataSource.query(`DELETE FROM pools WHERE id = ANY($1::uuid[])`, [poolIds]);
    await t?.dataSource.query(`DELETE FROM pops WHERE id = ANY($1::uuid[])`, [popIds]);
    // close() also deletes the slot-assignment queues each app created under its own prefix.
    await strict?.close();
    await t?.close();
  });

  it('adds, reads, lists, changes and removes a backend', async () => {
    const svc = await service(a);
    const created = await a.bearer.post(`/v1/services/${svc}/backends`).send({ address: '2001:DB8:0:0::10', region: 'eu-west' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      service_id: svc,
      address: '2001:db8::10',
      family: 6,
      weight: 100,
      region: 'eu-west',
      enabled: true,
      verification: 'pending',
      verification_reason: expect.any(String),
      verification_checked_at: null,
      verification_token: expect.stringMatching(/^afv_[0-9a-f]{64}$/),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = created.body.id;
    expect((await a.bearer.get(`/v1/services/${svc}/backends/${id}`)).body).toEqual(created.body);
    const second = await a.bearer.post(`/v1/services/${svc}/backends`).send({ address: '2001:db8::11', weight: 0, enabled: false });
    expect(second.body).toMatchObject({ weight: 0, enabled: false, region: null });
    const list = await a.bearer.get(`/v1/services/${svc}/backends?limit=1`);
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([id]);
    expect(list.body.next_cursor).toEqual(expect.any(String));

    const patched = await a.bearer.patch(`/v1/services/${svc}/backends/${id}`).send({ weight: 0, region: null, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ weight: 0, region: null, enabled: false, address: '2001:db8::10' });

    expect((await a.bearer.delete(`/v1/services/${svc}/backends/${id}`)).status).toBe(204);
    expect((await a.bearer.get(`/v1/services/${svc}/backends/${id}`)).status).toBe(404);
  });

  it('keeps the Maglev table size when a backend is deleted (a smaller M would move every flow)', async () => {
    const svc = await service(a);
    const ids: string[] = [];
    for (const n of [30, 31, 32]) ids.push((await a.bearer.post(`/v1/services/${svc}/backends`).send({ address: `2001:db8::${n}` })).body.id);
    const size = async () => (await t.dataSource.query('SELECT maglev_table_size FROM services WHERE id = $1', [svc]))[0].maglev_table_size;
    expect(await size()).toBe(maglevTableSize(3));
    expect((await a.bearer.delete(`/v1/services/${svc}/backends/${ids[0]}`)).status).toBe(204);
    expect(maglevTableSize(2)).toBeLessThan(maglevTableSize(3));
    expect(await size()).toBe(maglevTableSize(3));
  });

  it('refuses a second backend with the same address (in any notation)', async () => {
    const svc = await service(a);
    expect((await a.bearer.post(`/v1/services/${svc}/backends`).send({ address: '2001:db8::20' })).status).toBe(201);
    const dup = await a.bearer.post(`/v1/services/${svc}/backends`).send({ address: '2001:0db8:0000::0020' });
    expect(dup.status).toBe(409);
    expect(dup.body.errors).toEqual([{ field: 'address', message: expect.stringContaining('already has a backend with address 2001:db8::20') }]);
  });

  describe('refuses addresses that are not a public backend', () => {
    it.each([
      ['10.0.0.5', 'ipip', /10\.0\.0\.5 is a private address \(10\.0\.0\.0\/8\); backends must be reachable on the public internet/],
      ['127.0.0.1', 'ipip', /loopback/],
      ['169.254.1.1', 'ipip', /link-local/],
      ['100.64.0.1', 'ipip', /shared/],
      ['224.0.0.1', 'ipip', /multicast/],
      ['0.0.0.0', 'ipip', /unspecified/],
      ['255.255.255.255', 'ipip', /broadcast/],
      ['198.18.0.1', 'ipip', /benchmarking/],
      ['240.0.0.1', 'ipip', /reserved/],
      ['127.1', 'ipip', /not a standard IPv4 address/],
      ['8.8.8.8:80', 'ipip', /port/],
      ['8.8.8.0/24', 'ipip', /prefix/],
      ['backend.example.com', 'ipip', /hostname/],
      ['::1', 'srv6', /loopback/],
      ['fe80::1%eth0', 'srv6', /zone id/],
      ['fe80::1', 'srv6', /link-local/],
      ['ff02::1', 'srv6', /multicast/],
      ['::ffff:10.0.0.1', 'srv6', /IPv4-mapped .* embedding 10\.0\.0\.1/],
      ['64:ff9b::a00:1', 'srv6', /NAT64/],
      ['2002:a00:1::1', 'srv6', /6to4/],
      ['2001::1', 'srv6', /Teredo/],
    ])('%s (%s)', async (address, encapsulation, message) => {
      const svc = await service(a, encapsulation);
      const res = await a.bearer.post(`/v1/services/${svc}/backends`).send({ address });
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([{ field: 'address', message: expect.stringMatching(message) }]);
      const [{ count }] = await t.dataSource.query(`SELECT count(*)::int AS count FROM backends WHERE service_id = $1`, [svc]);
      expect(count).toBe(0);
    });

    it("refuses the platform's own pool and edge addresses", async () => {
      const svc = await service(a);
      const inPool = poolV6.replace('::/48', ':7::9');
      const r1 = await a.bearer.post(`/v1/services/${svc}/backends`).send({ address: inPool });
      expect(r1.status).toBe(422);
      expect(r1.body.errors[0].message).toMatch(new RegExp(`inside the platform's anycast pool ${poolV6}`));
      const r2 = await a.bearer.post(`/v1/services/${svc}/backends`).send({ address: edgeV6 });
      expect(r2.status).toBe(422);
      expect(r2.body.errors[0].message).toMatch(/tunnel address of one of the platform's edge nodes/);
    });

    it('refuses documentation and unique-local addresses unless the deployment allows them', async () => {
      const acct = await signup(strict);
      const svc = (await acct.bearer.post('/v1/services').send({ name: 'doc', listeners: tcp443 })).body.id;
      for (const address of ['2001:db8::1', 'fd00::1']) {
        const res = await acct.bearer.post(`/v1/services/${svc}/backends`).send({ address });
        expect(res.status).toBe(422);
        expect(res.body.errors[0].message).toMatch(/documentation|unique-local/);
      }
      expect((await a.bearer.post(`/v1/services/${await service(a)}/backends`).send({ address: 'fd00::1' })).status).toBe(201);
    });
  });

  it.each([
    [{ address: '2001:db8::1', weight: 101 }, 'weight', /must not be greater than 100/],
    [{ address: '2001:db8::1', weight: -1 }, 'weight', /must not be less than 0/],
    [{ address: '2001:db8::1', weight: '50' }, 'weight', /integer/],
    [{ address: '2001:db8::1', enabled: 'yes' }, 'enabled', /boolean/],
    [{ address: '2001:db8::1', region: 'EU WEST' }, 'region', /lower-case region/],
    [{ address: 42 }, 'address', /string/],
    [{}, 'address', /string/],
    [{ address: '2001:db8::1', port: 80 }, 'port', /not a known field/],
  ])('validates %j', async (body, field, message) => {
    const svc = await service(a);
    const res = await a.bearer.post(`/v1/services/${svc}/backends`).send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
  });

  it('refuses a backend whose family the encapsulation cannot carry', async () => {
    const srv6 = await service(a, 'srv6');
    const r1 = await a.bearer.post(`/v1/services/${srv6}/backends`).send({ address: '192.0.2.10' });
    expect(r1.status).toBe(422);
    expect(r1.body.errors).toEqual([
      {
        field: 'address',
        message: "srv6 encapsulation carries traffic to an IPv6 backend address, but 192.0.2.10 is IPv4; use an IPv6 address or switch the service's encapsulation to ipip or gue",
      },
    ]);
    const ipip = await service(a, 'ipip');
    const r2 = await a.bearer.post(`/v1/services/${ipip}/backends`).send({ address: '2001:db8::10' });
    expect(r2.status).toBe(422);
    expect(r2.body.errors[0].message).toMatch(/ipip encapsulation carries traffic to an IPv4 backend address.*switch the service's encapsulation to srv6, ip6ip6 or gue/);
    expect((await a.bearer.post(`/v1/services/${ipip}/backends`).send({ address: '192.0.2.10' })).status).toBe(201);
    // GUE rides an ipip/sit device to IPv4 backends and an ip6tnl device to IPv6 ones: both families.
    const gue = await service(a, 'gue');
    for (const address of ['2001:db8::10', '192.0.2.10']) expect((await a.bearer.post(`/v1/services/${gue}/backends`).send({ address })).status).toBe(201);
    // Changing the address to the wrong family is refused too.
    const v6 = (await a.bearer.post(`/v1/services/${srv6}/backends`).send({ address: '2001:db8::30' })).body.id;
    expect((await a.bearer.patch(`/v1/services/${srv6}/backends/${v6}`).send({ address: '192.0.2.30' })).status).toBe(422);
  });

  it('refuses an encapsulation change that existing backends do not fit', async () => {
    const svc = await service(a, 'srv6');
    await a.bearer.post(`/v1/services/${svc}/backends`).send({ address: '2001:db8::40' });
    const res = await a.bearer.patch(`/v1/services/${svc}`).send({ encapsulation: 'ipip' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { field: 'encapsulation', message: expect.stringMatching(/ipip encapsulation needs IPv4 backend addresses, but the service has IPv6 backends \(2001:db8::40\)/) },
    ]);
    expect((await a.bearer.get(`/v1/services/${svc}`)).body.encapsulation).toBe('srv6');
    expect((await a.bearer.patch(`/v1/services/${svc}`).send({ encapsulation: 'ip6ip6' })).body.encapsulation).toBe('ip6ip6');
  });

  it("answers 404 for another organization's backends and changes nothing", async () => {
    const svc = await service(a);
    const id = (await a.bearer.post(`/v1/services/${svc}/backends`).send({ address: '2001:db8::50' })).body.id;
    const other = await service(b);
    for (const res of [
      await b.bearer.get(`/v1/services/${svc}/backends/${id}`),
      await b.bearer.patch(`/v1/services/${svc}/backends/${id}`).send({ weight: 1 }),
      await b.bearer.delete(`/v1/services/${svc}/backends/${id}`),
      // Its own service id with a's backend id.
      await b.bearer.get(`/v1/services/${other}/backends/${id}`),
      await b.bearer.delete(`/v1/services/${other}/backends/${id}`),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await a.bearer.get(`/v1/services/${svc}/backends/${id}`)).body.weight).toBe(100);
  });
});
