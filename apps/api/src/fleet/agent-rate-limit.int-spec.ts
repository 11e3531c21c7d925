import { FleetFixtures, operator, type Agent } from '@anyfront/testing';
import request from 'supertest';
import { createTestApp, type TestApp } from '../testing';

// Agents authenticate with node credentials and often share one source address (NAT, one host in
// the lab): the per-IP tenant limit must not throttle them, while registration stays limited.
describe('rate limit and edge agents', () => {
  let t: TestApp;
  let op: Agent;
  let fx: FleetFixtures;
  const LIMIT = 5;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_WINDOW_SECONDS: '60' } });
    op = (await operator(t)).session;
    fx = new FleetFixtures(t.dataSource);
  });
  afterAll(async () => {
    await fx.cleanup();
    await t.close();
  });

  it('never throttles node-authenticated agent calls, but still limits registration per client address', async () => {
    const pop = await fx.pop();
    const node = await fx.node(pop.id);
    const tok = await op.post(`/v1/admin/fleet/edge-nodes/${node}/bootstrap-tokens`);
    const reg = await t.http().post('/v1/agent/register').send({ bootstrap_token: tok.body.token, push_url: 'http://127.0.0.1:9/v1/desired-state' });
    expect(reg.status).toBe(201);
    const agent = request.agent(t.url).set('Authorization', `Bearer ${reg.body.credential}`);

    for (let i = 0; i < LIMIT * 3; i++) {
      const res = await agent.get('/v1/agent/desired-state');
      expect(res.status).toBe(200);
      const status = await agent.post('/v1/agent/status').send({ applied_generation: res.body.generation, announced: true, drained: false });
      expect(status.status).toBe(200);
    }

    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      statuses.push((await t.http().post('/v1/agent/register').send({ bootstrap_token: 'afb_not-a-token', push_url: 'http://127.0.0.1:9/x' })).status);
    }
    expect(statuses).toContain(429);
  });
});
