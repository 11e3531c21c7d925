import { createScratchDatabase, operator, signup, type Agent } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

jest.setTimeout(60_000);

/** /v1/admin/price-book on its own database (the book is global: versions here must not reach other suites). */
describe('price book (/v1/admin/price-book)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let t: TestApp;
  let op: Agent;
  const nextYear = `${new Date().getUTCFullYear() + 1}-01-01T00:00:00Z`;
  const valid = { effective_from: nextYear, ipv4_address_hour: '0.45', ipv6_address_hour: '0', traffic_gb: '1.2', free_allowance: '500', note: 'cheaper' };

  beforeAll(async () => {
    scratch = await createScratchDatabase('pricebook');
    t = await createTestApp({ env: { DATABASE_URL: scratch.url } });
    op = (await operator(t)).session;
  });
  afterAll(async () => {
    await t?.close();
    await scratch?.drop();
  });

  it('starts with the seeded default version, in force now', async () => {
    const res = await op.get('/v1/admin/price-book');
    expect(res.status).toBe(200);
    expect(res.body.current_version).toBe(1);
    expect(res.body.entries).toEqual([
      expect.objectContaining({
        version: 1,
        effective_from: '2026-01-01T00:00:00.000Z',
        currency: 'usd',
        ipv4_address_hour: '0.54',
        ipv6_address_hour: '0',
        traffic_gb: '1.5',
        region_multipliers: { 'ap-northeast': '2', 'ap-southeast': '2', 'sa-east': '3' },
        free_allowance: '1000',
        created_by: null,
      }),
    ]);
  });

  it('refuses bad versions with a problem naming each field, and changes nothing', async () => {
    const before = (await op.get('/v1/admin/price-book')).body;
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ ...valid, ipv4_address_hour: '0.5' }, 'ipv4_address_hour', /0\.4999999968.*0\.5000000004/],
      [{ ...valid, effective_from: '2020-01-01T00:00:00Z' }, 'effective_from', /in the future/],
      [{ ...valid, effective_from: nextYear.replace('T00:00', 'T00:30') }, 'effective_from', /hour/],
      [{ ...valid, effective_from: 'soon' }, 'effective_from', /ISO 8601/],
      [{ ...valid, currency: 'eur' }, 'currency', /same currency/],
      [{ ...valid, traffic_gb: '-1' }, 'traffic_gb', /decimal/],
      [{ ...valid, extra: 1 }, 'extra', /not a known field/],
    ];
    for (const [body, field, message] of cases) {
      const res = await op.post('/v1/admin/price-book').send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const err = (res.body.errors as Array<{ field: string; message: string }>).find((e) => e.field === field);
      expect({ field, err }).toEqual({ field, err: expect.objectContaining({ message: expect.stringMatching(message) }) });
    }
    expect((await op.get('/v1/admin/price-book')).body).toEqual(before);
  });

  it('adds the next version from a future hour, audit-logged; the current version stays in force', async () => {
    const res = await op.post('/v1/admin/price-book').send(valid);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 2, effective_from: new Date(nextYear).toISOString(), currency: 'usd', ipv4_address_hour: '0.45', note: 'cheaper', region_multipliers: {} });
    const book = (await op.get('/v1/admin/price-book')).body;
    expect(book.current_version).toBe(1);
    expect(book.entries.map((e: { version: number }) => e.version)).toEqual([1, 2]);
    // Not at or before the last version's instant.
    const same = await op.post('/v1/admin/price-book').send({ ...valid, note: 'same instant' });
    expect(same.status).toBe(400);
    expect(same.body.errors[0]).toMatchObject({ field: 'effective_from', message: expect.stringMatching(/after version 2/) });
    const audit = await t.dataSource.query(`SELECT action, target_id FROM audit_log WHERE action = 'price_book.add'`);
    expect(audit).toEqual([{ action: 'price_book.add', target_id: '2' }]);
  });

  it('is for operators only', async () => {
    const a = await signup(t);
    expect((await a.session.get('/v1/admin/price-book')).status).toBe(403);
    expect((await a.bearer.post('/v1/admin/price-book').send(valid)).status).toBe(403);
  });
});
