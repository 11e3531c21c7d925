import { syncNodeState } from '@anyfront/db';
import { operatorFleetSuite, randomPoolPrefix } from '@anyfront/testing';
import { createTestApp } from '../testing';

/**
 * Issue 8: backend rules hold on operator changes too. A pool over an existing tenant backend, or an
 * edge node whose tunnel source is a tenant backend, would make the edges tunnel that backend's
 * traffic back into the platform: refused with 422 naming the backend. A backend that got there
 * anyway (a race, a row written by hand) is left out of every desired state.
 */
describe('backend rules re-checked on pool and edge node changes and in desired states (issue 8)', () => {
  const suite = operatorFleetSuite(() => createTestApp());

  it('refuses a pool over a tenant backend and an edge node at a tenant backend (422); accepts them elsewhere', async () => {
    const { t, op, fx } = suite;
    const pop = await fx.pop();
    const org = await fx.organization();
    const svc = await fx.service(org, [await fx.pool([pop.id])]);
    const free = randomPoolPrefix();
    const backendV4 = free.replace(/0\/24$/, '7');
    await fx.backend(svc.id, backendV4);
    const backendV6 = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}::77`;
    await fx.backend(svc.id, backendV6);

    const pool = await op.post('/v1/admin/pools').send({ prefix: free, scope: 'global', pop_ids: [pop.id] });
    expect(pool.status).toBe(422);
    expect(pool.headers['content-type']).toMatch(/problem\+json/);
    expect(pool.body.errors[0]).toMatchObject({ field: 'prefix', message: expect.stringContaining(backendV4) });
    // The negative control: the next /24 holds no backend.
    const next = free.replace(/\.(\d+)\.0\/24$/, (_, n: string) => `.${(Number(n) + 1) % 256}.0/24`);
    const ok = await op.post('/v1/admin/pools').send({ prefix: next, scope: 'global', pop_ids: [pop.id] });
    expect([ok.status, ok.body.detail]).toEqual([201, undefined]);
    await t.dataSource.query(`DELETE FROM pools WHERE id = $1`, [ok.body.id]);

    const name = `edge-rules-${Date.now().toString(36)}`;
    const node = await op.post('/v1/admin/edge-nodes').send({ pop_id: pop.id, name, tunnel_source_ipv4: backendV4 });
    expect(node.status).toBe(422);
    expect(node.body.errors[0]).toMatchObject({ field: 'tunnel_source_ipv4', message: expect.stringContaining(backendV4) });
    const created = await op.post('/v1/admin/edge-nodes').send({ pop_id: pop.id, name, tunnel_source_ipv6: '2001:db8:ffff::5' });
    expect(created.status).toBe(201);
    const moved = await op.patch(`/v1/admin/edge-nodes/${created.body.id}`).send({ tunnel_source_ipv6: backendV6 });
    expect(moved.status).toBe(422);
    expect(moved.body.errors[0].field).toBe('tunnel_source_ipv6');
    await t.dataSource.query(`DELETE FROM edge_nodes WHERE id = $1`, [created.body.id]);
  });

  it('leaves a backend that points into the platform out of the desired state; the service keeps its other backends', async () => {
    const { t, fx } = suite;
    const pop = await fx.pop();
    const org = await fx.organization();
    const nodeId = await fx.node(pop.id);
    const free = randomPoolPrefix(6);
    const inside = free.replace(/::\/48$/, '::9');
    const svc = await fx.service(org, [await fx.pool([pop.id])], ['2001:db8:1::10', inside]);
    const backends = async () => {
      const r = await syncNodeState(t.dataSource, nodeId);
      return { backends: r!.state.services.find((s) => s.id === svc.id)?.backends.map((b) => b.address).sort(), leftOut: r!.leftOutBackends.map((b) => b.address) };
    };
    expect(await backends()).toEqual({ backends: ['2001:db8:1::10', inside].sort(), leftOut: [] });
    // A pool written behind the API's back over the backend.
    await t.dataSource.query(`INSERT INTO pools (prefix, family, scope, state) VALUES ($1, 6, 'global', 'active')`, [free]);
    expect(await backends()).toEqual({ backends: ['2001:db8:1::10'], leftOut: [inside] });
    await t.dataSource.query(`DELETE FROM pools WHERE prefix = $1`, [free]);
    // Likewise a backend at an edge tunnel source.
    const [{ v6 }] = await t.dataSource.query(`SELECT host(tunnel_source_ipv6) AS v6 FROM edge_nodes WHERE id = $1`, [nodeId]);
    await fx.backend(svc.id, v6);
    expect(await backends()).toEqual({ backends: ['2001:db8:1::10', inside].sort(), leftOut: [v6] });
  });
});
