import { operatorFleetSuite } from '@anyfront/testing';
import request from 'supertest';
import { createTestApp } from '../testing';

/**
 * Issue 8, push channel: the worker pushes only to an address of the node itself. Outside the
 * lab/local mode (this app: no documentation addresses, no ANYFRONT_MODE) a push_url must be
 * https:// to a tunnel source or management address of the node; anything else is a 422 at
 * registration and at PUT /v1/agent/push-endpoint, and every change is audit-logged.
 */
describe('push_url restricted to the node (issue 8)', () => {
  const suite = operatorFleetSuite(() => createTestApp({ env: { ALLOW_DOCUMENTATION_ADDRESSES: 'false' } }));

  const register = async (token: string, pushUrl: string) => suite.t.http().post('/v1/agent/register').send({ bootstrap_token: token, push_url: pushUrl });
  const audit = async (nodeId: string) =>
    suite.t.dataSource.query<Array<{ action: string; details: Record<string, unknown> }>>(`SELECT action, details FROM audit_log WHERE target_type = 'edge_node' AND target_id = $1 ORDER BY created_at, id`, [nodeId]);

  it('refuses a push_url that is not the node (422 problem+json, token kept); accepts https to its own address; audits every change', async () => {
    const { t, op, fx } = suite;
    const pop = await fx.pop();
    const nodeId = await fx.node(pop.id);
    const [{ v6 }] = await t.dataSource.query(`SELECT host(tunnel_source_ipv6) AS v6 FROM edge_nodes WHERE id = $1`, [nodeId]);
    const tok = await op.post(`/v1/admin/fleet/edge-nodes/${nodeId}/bootstrap-tokens`);
    expect(tok.status).toBe(201);

    for (const [url, why] of [
      ['https://198.51.100.77:9180/v1/desired-state', /not an address of this edge node/],
      ['https://169.254.169.254/latest/meta-data/', /not an address of this edge node/],
      ['https://127.0.0.1:9180/v1/desired-state', /loopback/],
      ['https://metadata.google.internal/computeMetadata/v1/', /host names are not accepted/],
      [`http://[${v6}]:9180/v1/desired-state`, /must be https/],
    ] as const) {
      const r = await register(tok.body.token, url);
      expect({ url, status: r.status }).toEqual({ url, status: 422 });
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.body.errors[0]).toMatchObject({ field: 'push_url', message: expect.stringMatching(why) });
    }
    // Refusals consumed nothing: the same token registers once the URL names the node.
    const ok = await register(tok.body.token, `https://[${v6}]:9180/v1/desired-state`);
    expect(ok.status).toBe(201);
    const agent = request.agent(t.url).set('Authorization', `Bearer ${ok.body.credential}`);

    // A management address registered by an operator is a node address too.
    const patch = await op.patch(`/v1/admin/edge-nodes/${nodeId}`).send({ management_addresses: ['203.0.113.130'] });
    expect(patch.status).toBe(200);
    expect(patch.body.management_addresses).toEqual(['203.0.113.130']);
    expect((await op.patch(`/v1/admin/edge-nodes/${nodeId}`).send({ management_addresses: ['127.0.0.1'] })).status).toBe(400);

    const foreign = await agent.put('/v1/agent/push-endpoint').send({ push_url: 'https://203.0.113.131:9180/v1/desired-state', push_token: 'push-token-0123456789' });
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors[0].field).toBe('push_url');
    const moved = await agent.put('/v1/agent/push-endpoint').send({ push_url: 'https://203.0.113.130:9180/v1/desired-state', push_token: 'push-token-0123456789' });
    expect(moved.status).toBe(204);
    // The agent's push certificate fingerprint (SHA-256) is stored in one form; anything else is a 400.
    expect((await agent.put('/v1/agent/push-endpoint').send({ push_url: 'https://203.0.113.130:9180/v1/desired-state', push_tls_fingerprint: 'ab'.repeat(20) })).status).toBe(400);
    expect((await agent.put('/v1/agent/push-endpoint').send({ push_url: 'https://203.0.113.130:9180/v1/desired-state', push_tls_fingerprint: 'ab'.repeat(32) })).status).toBe(204);
    const [{ push_tls_fingerprint }] = await t.dataSource.query(`SELECT push_tls_fingerprint FROM edge_node_fleet_states WHERE edge_node_id = $1`, [nodeId]);
    expect(push_tls_fingerprint).toBe(Array(32).fill('AB').join(':'));
    expect((await agent.put('/v1/agent/push-endpoint').send({ push_url: 'https://203.0.113.130:9180/v1/desired-state' })).status).toBe(204);
    // Setting the same URL again is no change: not audited twice.
    expect((await agent.put('/v1/agent/push-endpoint').send({ push_url: 'https://203.0.113.130:9180/v1/desired-state', push_token: 'push-token-0123456789' })).status).toBe(204);

    const [{ push_url }] = await t.dataSource.query(`SELECT push_url FROM edge_node_fleet_states WHERE edge_node_id = $1`, [nodeId]);
    expect(push_url).toBe('https://203.0.113.130:9180/v1/desired-state');
    const log = (await audit(nodeId)).filter((a) => a.action === 'edge_node.register' || a.action === 'edge_node.push_endpoint');
    expect(log).toEqual([
      { action: 'edge_node.register', details: { push_url: `https://[${v6}]:9180/v1/desired-state`, previous_push_url: null, push_tls_fingerprint: null } },
      { action: 'edge_node.push_endpoint', details: { push_url: 'https://203.0.113.130:9180/v1/desired-state', previous_push_url: `https://[${v6}]:9180/v1/desired-state`, push_tls_fingerprint: null, previous_push_tls_fingerprint: null } },
      { action: 'edge_node.push_endpoint', details: expect.objectContaining({ push_tls_fingerprint: Array(32).fill('AB').join(':'), previous_push_tls_fingerprint: null }) },
      { action: 'edge_node.push_endpoint', details: expect.objectContaining({ push_tls_fingerprint: null, previous_push_tls_fingerprint: Array(32).fill('AB').join(':') }) },
    ]);
  });
});
