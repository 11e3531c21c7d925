import { FleetFixtures, signup, waitFor } from '@anyfront/testing';
import request from 'supertest';
import { TRAFFIC_HOUR_LOCK_CLASS, trafficHourLockKey } from '@anyfront/domain';
import { rollupDirtyHours, rollupHour } from '@anyfront/db';
import { createTestApp, type TestApp } from '../testing';

const HOUR = 3_600_000;

describe('traffic reports: idempotent ingest, late reports, hourly roll-ups, traffic and usage', () => {
  let t: TestApp;
  let fx: FleetFixtures;

  const register = async (nodeId: string) => {
    const [{ token }] = [{ token: `afb_test_${nodeId}` }];
    await t.dataSource.query(
      `INSERT INTO edge_node_bootstrap_tokens (edge_node_id, token_hash, expires_at) VALUES ($1, encode(sha256($2::bytea), 'hex'), now() + interval '1 hour')`,
      [nodeId, token],
    );
    const reg = await t.http().post('/v1/agent/register').send({ bootstrap_token: token, push_url: 'http://127.0.0.1:9/x' });
    expect(reg.status).toBe(201);
    return request.agent(t.url).set('Authorization', `Bearer ${reg.body.credential}`);
  };

  beforeAll(async () => {
    t = await createTestApp();
    fx = new FleetFixtures(t.dataSource);
  });
  afterAll(async () => {
    await fx.cleanup();
    await t.close();
  });

  it('counts a replayed or duplicated report once, lands a late report in its own interval, and rolls up per service, PoP and organization', async () => {
    const ams = await fx.pop();
    const fra = await fx.pop();
    const pool = await fx.pool([ams.id, fra.id]);
    const tenant = await signup(t);
    const svc = await fx.service(tenant.organizationId, [pool], ['2001:db8::1']);
    const [addr] = svc.addresses;
    const n1 = await register(await fx.node(ams.id));
    const n2 = await register(await fx.node(fra.id));

    const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
    const prevHour = thisHour - HOUR;
    const report = (sequence: number, start: number, bytes: number) => ({
      sequence,
      interval_start: new Date(start).toISOString(),
      interval_seconds: 10,
      addresses: [{ address: addr, bytes, packets: bytes / 100 }],
      backends: [{ backend_id: svc.backendIds[0], bytes, packets: bytes / 100 }],
    });

    const first = await n1.post('/v1/agent/traffic').send(report(1, thisHour + 10_000, 1000));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ accepted: true, duplicate: false, sequence: 1 });
    // Replay (same body) and duplicate (same sequence, other numbers): counted once.
    expect((await n1.post('/v1/agent/traffic').send(report(1, thisHour + 10_000, 1000))).body).toMatchObject({ accepted: false, duplicate: true });
    expect((await n1.post('/v1/agent/traffic').send(report(1, thisHour + 20_000, 999_900))).body).toMatchObject({ duplicate: true });
    // Concurrent duplicates: still once.
    const burst = await Promise.all(Array.from({ length: 6 }, () => n1.post('/v1/agent/traffic').send(report(2, thisHour + 20_000, 500))));
    expect(burst.filter((r) => r.body.accepted)).toHaveLength(1);
    // The other node's sequence 1 is its own.
    expect((await n2.post('/v1/agent/traffic').send(report(1, thisHour + 30_000, 300))).body.accepted).toBe(true);
    // A late report (sent now, measured in the previous hour) lands in the previous hour.
    expect((await n1.post('/v1/agent/traffic').send(report(3, prevHour + 3_590_000, 7000))).body.accepted).toBe(true);

    // Raw traffic is visible at once; by=pop splits it.
    const raw = await tenant.bearer.get(`/v1/services/${svc.id}/traffic`).query({ from: new Date(prevHour).toISOString(), to: new Date(thisHour + HOUR).toISOString(), step: '1h' });
    expect(raw.status).toBe(200);
    expect(raw.body.source).toBe('raw');
    expect(raw.body.total).toEqual({ bytes: 8800, packets: 88 });
    expect(raw.body.series[0].points.map((p: { bytes: number }) => p.bytes)).toEqual([7000, 1800]);
    const byPop = await tenant.bearer.get(`/v1/services/${svc.id}/traffic`).query({ from: new Date(thisHour).toISOString(), to: new Date(thisHour + HOUR).toISOString(), step: '10s', by: 'pop' });
    const perPop = Object.fromEntries(byPop.body.series.map((s: { pop_code: string; points: { bytes: number }[] }) => [s.pop_code, s.points.reduce((a, p) => a + p.bytes, 0)]));
    expect(perPop).toEqual({ [ams.code]: 1500, [fra.code]: 300 });
    // by=backend: what the edges tunnelled to each backend, named by its address.
    const byBackend = await tenant.bearer.get(`/v1/services/${svc.id}/traffic`).query({ from: new Date(thisHour).toISOString(), to: new Date(thisHour + HOUR).toISOString(), step: '5m', by: 'backend' });
    expect(byBackend.status).toBe(200);
    expect(byBackend.body.series.map((s: { backend_id: string; backend_address: string; pop_id: null; points: { bytes: number }[] }) => [s.backend_id, s.backend_address, s.pop_id, s.points.reduce((n, p) => n + p.bytes, 0)])).toEqual([
      [svc.backendIds[0], '2001:db8::1', null, 1800],
    ]);

    // Usage is up to date before any roll-up ran (recent hours are summed from raw samples).
    const fresh = await tenant.bearer.get('/v1/usage').query({ from: new Date(prevHour).toISOString(), to: new Date(thisHour + HOUR).toISOString() });
    expect(fresh.body.hours.map((h: { bytes: number }) => h.bytes)).toEqual([7000, 1800]);

    // Roll-ups: recomputed from raw samples; running again (or twice concurrently) gives the same numbers.
    await rollupDirtyHours(t.dataSource, new Date(), 7);
    await Promise.all([rollupHour(t.dataSource, new Date(thisHour)), rollupHour(t.dataSource, new Date(thisHour))]);
    const hourly = await t.dataSource.query(
      `SELECT hour, pop_id, bytes::int, packets::int FROM traffic_hourly WHERE service_id = $1 ORDER BY hour, bytes`,
      [svc.id],
    );
    expect(hourly.map((h: { hour: Date; pop_id: string; bytes: number }) => [h.hour.getTime(), h.pop_id, h.bytes])).toEqual([
      [prevHour, ams.id, 7000],
      [thisHour, fra.id, 300],
      [thisHour, ams.id, 1500],
    ]);
    const usage = await tenant.bearer.get('/v1/usage').query({ from: new Date(prevHour).toISOString(), to: new Date(thisHour + HOUR).toISOString() });
    expect(usage.status).toBe(200);
    expect(usage.body.hours).toEqual([
      { hour: new Date(prevHour).toISOString(), bytes: 7000, packets: 70 },
      { hour: new Date(thisHour).toISOString(), bytes: 1800, packets: 18 },
    ]);

    // A later report for an hour already rolled up: the next roll-up recomputes that hour (no double count).
    expect((await n2.post('/v1/agent/traffic').send(report(2, prevHour + 60_000, 200))).body.accepted).toBe(true);
    await rollupDirtyHours(t.dataSource, new Date(), 7);
    await rollupDirtyHours(t.dataSource, new Date(), 7);
    const again = await tenant.bearer.get('/v1/usage').query({ from: new Date(prevHour).toISOString(), to: new Date(thisHour + HOUR).toISOString() });
    expect(again.body.hours.map((h: { bytes: number }) => h.bytes)).toEqual([7200, 1800]);
    expect(again.body.total).toEqual({ bytes: 9000, packets: 90 });

    // Hours older than the raw retention come from the roll-ups.
    const oldHour = new Date(thisHour - 30 * 24 * HOUR);
    await t.dataSource.query(`INSERT INTO organization_usage_hourly (organization_id, hour, bytes, packets) VALUES ($1, $2, 123, 4)`, [tenant.organizationId, oldHour]);
    const history = await tenant.bearer.get('/v1/usage').query({ from: new Date(oldHour.getTime() - HOUR).toISOString(), to: new Date(thisHour + HOUR).toISOString() });
    expect(history.body.hours[0]).toEqual({ hour: oldHour.toISOString(), bytes: 123, packets: 4 });
    expect(history.body.total).toEqual({ bytes: 9123, packets: 94 });
    await t.dataSource.query(`DELETE FROM organization_usage_hourly WHERE organization_id = $1`, [tenant.organizationId]);

    // Another organization sees none of it.
    const other = await signup(t);
    expect((await other.bearer.get(`/v1/services/${svc.id}/traffic`)).status).toBe(404);
    expect((await other.bearer.get('/v1/usage').query({ from: new Date(prevHour).toISOString() })).body.total).toEqual({ bytes: 0, packets: 0 });
  });

  it('roll-ups running during a burst of reports never lose one: after the last report, one pass of dirty hours gives the raw totals', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const tenant = await signup(t);
    const svc = await fx.service(tenant.organizationId, [pool]);
    const agents = await Promise.all([0, 1, 2, 3].map(async () => register(await fx.node(pop.id))));
    const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    let sending = true;
    const rollups = (async () => {
      let n = 0;
      while (sending) {
        await rollupDirtyHours(t.dataSource, new Date(), 7);
        n++;
      }
      return n;
    })();
    let next = 0;
    await Promise.all(Array.from({ length: 12 }, async () => {
      for (let i = next++; i < 240; i = next++) {
        const res = await agents[i % 4].post('/v1/agent/traffic').send({
          sequence: Math.floor(i / 4), interval_start: new Date(hour + (i % 360) * 10_000).toISOString(), interval_seconds: 10,
          addresses: [{ address: svc.addresses[0], bytes: 100 + i, packets: 1 }],
        });
        expect(res.body.accepted).toBe(true);
      }
    }));
    sending = false;
    expect(await rollups).toBeGreaterThan(0);
    await rollupDirtyHours(t.dataSource, new Date(), 7);
    const [h] = await t.dataSource.query(`SELECT sum(bytes)::int AS bytes, sum(packets)::int AS packets FROM traffic_hourly WHERE service_id = $1`, [svc.id]);
    expect(h).toEqual({ bytes: 240 * 100 + (239 * 240) / 2, packets: 240 });
  });

  it('a roll-up waits for an ingest of its hour that is still in flight, so it never misses that report', async () => {
    const pop = await fx.pop();
    const node = await fx.node(pop.id);
    const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR);
    const svc = await fx.service((await signup(t)).organizationId, [await fx.pool([pop.id])]);
    // An ingest of that hour, as TrafficIngestService runs it, held open before its commit.
    const qr = t.dataSource.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    await qr.query(`SELECT pg_advisory_xact_lock_shared($1, $2)`, [TRAFFIC_HOUR_LOCK_CLASS, trafficHourLockKey(hour)]);
    await qr.query(`INSERT INTO traffic_reports (edge_node_id, sequence, interval_start, interval_seconds) VALUES ($1, 1, $2, 10)`, [node, hour]);
    await qr.query(
      `INSERT INTO traffic_samples (edge_node_id, sequence, pop_id, interval_start, kind, address, service_id, organization_id, bytes, packets)
       SELECT $1, 1, $2, $3, 'address', $4::inet, s.id, s.organization_id, 4242, 42 FROM services s WHERE s.id = $5`,
      [node, pop.id, hour, svc.addresses[0], svc.id],
    );
    await qr.query(`INSERT INTO traffic_dirty_hours (hour) VALUES ($1) ON CONFLICT (hour) DO NOTHING`, [hour]);

    let finished = false;
    const rollup = rollupHour(t.dataSource, hour).then(() => (finished = true));
    await waitFor('the roll-up to wait for the ingest lock', async () =>
      (await t.dataSource.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1 AND objid = $2`, [TRAFFIC_HOUR_LOCK_CLASS, trafficHourLockKey(hour)])).length > 0, 20_000, 20);
    expect(finished).toBe(false);
    await qr.commitTransaction();
    await qr.release();
    await rollup;
    const rows = await t.dataSource.query(`SELECT bytes::int, packets::int FROM traffic_hourly WHERE service_id = $1 AND hour = $2`, [svc.id, hour]);
    expect(rows).toEqual([{ bytes: 4242, packets: 42 }]);
  });

  it('refuses bad reports with a problem and stores nothing', async () => {
    const pop = await fx.pop();
    const n = await register(await fx.node(pop.id));
    const now = Date.now();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ sequence: -1, interval_start: new Date(now).toISOString(), interval_seconds: 10, addresses: [] }, 400, 'sequence'],
      [{ sequence: 1, interval_start: 'yesterday', interval_seconds: 10, addresses: [] }, 400, 'interval_start'],
      [{ sequence: 1, interval_start: new Date(now).toISOString(), interval_seconds: 10, addresses: [{ address: '300.1.1.1', bytes: 1, packets: 1 }] }, 400, 'addresses[0].address'],
      [{ sequence: 1, interval_start: new Date(now + 3_600_000).toISOString(), interval_seconds: 10, addresses: [] }, 422, 'interval_start'],
      [{ sequence: 1, interval_start: new Date(now - 30 * 86_400_000).toISOString(), interval_seconds: 10, addresses: [] }, 422, 'interval_start'],
      [{ sequence: 1, interval_start: new Date(now).toISOString(), interval_seconds: 10, addresses: [{ address: '192.0.2.1', bytes: 1, packets: 1 }, { address: '192.0.2.1', bytes: 1, packets: 1 }] }, 400, 'addresses[1].address'],
      [{ sequence: 1, interval_start: new Date(now).toISOString(), interval_seconds: 10, addresses: [], extra: 1 }, 400, 'body'],
    ];
    for (const [body, status, field] of cases) {
      const res = await n.post('/v1/agent/traffic').send(body);
      expect([res.status, res.body.errors?.[0]?.field]).toEqual([status, field]);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM traffic_reports WHERE edge_node_id = $1`, [fx.nodeIds.at(-1)]))[0].n).toBe(0);
  });

  it('validates traffic queries', async () => {
    const tenant = await signup(t);
    const svc = await fx.service(tenant.organizationId, [await fx.pool([(await fx.pop()).id])]);
    const bad = async (q: Record<string, string>, field: string) => {
      const res = await tenant.bearer.get(`/v1/services/${svc.id}/traffic`).query(q);
      expect([res.status, res.body.errors?.[0]?.field]).toEqual([400, field]);
    };
    await bad({ step: '1s' }, 'query.step');
    await bad({ from: 'monday' }, 'query.from');
    await bad({ by: 'country' }, 'query.by');
    await bad({ color: 'red' }, 'query.color');
    await bad({ from: '2020-01-01T00:00:00Z', step: '10m' }, 'query.step');
    await bad({ from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z', step: '1h', by: 'backend' }, 'query.from'); // roll-ups keep no backend
    const old = await tenant.bearer.get(`/v1/services/${svc.id}/traffic`).query({ from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z', step: '1h' });
    expect(old.body).toMatchObject({ source: 'hourly', total: { bytes: 0, packets: 0 } });
    expect(old.body.series[0].points).toHaveLength(24);
  });
});
