import { signedDesiredStateSchema } from '@anyfront/contracts';
import { trustedStateKeys, verifySignedState } from '@anyfront/state-signing';
import { FleetFixtures, operator, randomPoolPrefix, signup, uniqueSuffix, type Agent } from '@anyfront/testing';
import request from 'supertest';
import { createTestApp, type TestApp } from '../testing';
import { FleetChanges } from './fleet-changes';

describe('fleet sync, control-plane side (agent API, generations, deploy status, health, drain)', () => {
  let t: TestApp;
  let op: Agent;
  let fx: FleetFixtures;
  let notifier: FleetChanges;

  const registerNode = async (nodeId: string, pushUrl = 'http://127.0.0.1:9/v1/desired-state') => {
    const tok = await op.post(`/v1/admin/fleet/edge-nodes/${nodeId}/bootstrap-tokens`);
    expect(tok.status).toBe(201);
    const reg = await t.http().post('/v1/agent/register').send({ bootstrap_token: tok.body.token, push_url: pushUrl, push_token: 'push-token-0123456789' });
    expect(reg.status).toBe(201);
    return reg.body as { node_id: string; credential: string };
  };
  const asAgent = (credential: string) => request.agent(t.url).set('Authorization', `Bearer ${credential}`);

  beforeAll(async () => {
    t = await createTestApp();
    op = (await operator(t)).session;
    fx = new FleetFixtures(t.dataSource);
    notifier = t.app.get(FleetChanges);
  });
  afterAll(async () => {
    await fx.cleanup();
    await t.close();
  });

  it('registers with a one-time bootstrap token; the credential reads only its own node; rotation and revocation work', async () => {
    const pop = await fx.pop();
    const nodeA = await fx.node(pop.id);
    const nodeB = await fx.node(pop.id);

    // Only operators issue tokens.
    const tenant = await signup(t);
    expect((await tenant.bearer.post(`/v1/admin/fleet/edge-nodes/${nodeA}/bootstrap-tokens`)).status).toBe(403);

    const tok = await op.post(`/v1/admin/fleet/edge-nodes/${nodeA}/bootstrap-tokens`);
    expect(tok.status).toBe(201);
    expect(tok.body.token).toMatch(/^afb_/);
    const [stored] = await t.dataSource.query(`SELECT token_hash FROM edge_node_bootstrap_tokens WHERE edge_node_id = $1`, [nodeA]);
    expect(stored.token_hash).not.toContain(tok.body.token);

    const bad = await t.http().post('/v1/agent/register').send({ bootstrap_token: tok.body.token, push_url: 'ftp://x' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect(bad.body.errors[0].field).toBe('push_url');

    const reg = await t.http().post('/v1/agent/register').send({ bootstrap_token: tok.body.token, push_url: 'http://127.0.0.1:9180/v1/desired-state' });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ node_id: nodeA, pop: pop.code });
    expect(reg.body.credential).toMatch(/^afn_/);
    expect(reg.body.push_token.length).toBeGreaterThanOrEqual(16);

    // The token is consumed.
    const again = await t.http().post('/v1/agent/register').send({ bootstrap_token: tok.body.token, push_url: 'http://127.0.0.1:9180/v1/desired-state' });
    expect(again.status).toBe(401);
    expect(again.body.detail).toMatch(/bootstrap token/);

    // An expired token is refused.
    const old = await op.post(`/v1/admin/fleet/edge-nodes/${nodeB}/bootstrap-tokens`);
    await t.dataSource.query(`UPDATE edge_node_bootstrap_tokens SET expires_at = now() - interval '1 second' WHERE edge_node_id = $1`, [nodeB]);
    expect((await t.http().post('/v1/agent/register').send({ bootstrap_token: old.body.token, push_url: 'http://127.0.0.1:1/x' })).status).toBe(401);

    const a = asAgent(reg.body.credential);
    const own = await a.get('/v1/agent/desired-state');
    expect(own.status).toBe(200);
    expect(signedDesiredStateSchema.parse(own.body).node.id).toBe(nodeA);
    // Signed with a key the agent got at registration: the only thing an agent applies.
    expect(reg.body.state_signing_keys).toEqual([{ key_id: own.body.signature.key_id, public_key: expect.any(String) }]);
    const keys = trustedStateKeys(reg.body.state_signing_keys.map((k: { public_key: string }) => k.public_key));
    expect(verifySignedState(own.body, keys)).toMatchObject({ ok: true, state: { node: { id: nodeA } } });
    expect(verifySignedState({ ...own.body, node: { ...own.body.node, id: nodeB } }, keys)).toMatchObject({ ok: false });
    expect((await a.get(`/v1/agent/nodes/${nodeA}/desired-state`)).status).toBe(200);
    // Another node's id: 404, for reads and writes.
    expect((await a.get(`/v1/agent/nodes/${nodeB}/desired-state`)).status).toBe(404);
    expect((await a.post(`/v1/agent/nodes/${nodeB}/status`).send({ applied_generation: 1, announced: true, drained: false })).status).toBe(404);
    expect((await a.post(`/v1/agent/nodes/${nodeB}/traffic`).send({ sequence: 1, interval_start: new Date().toISOString(), interval_seconds: 10, addresses: [] })).status).toBe(404);
    // No credential, an API key, or garbage: 401.
    expect((await t.http().get('/v1/agent/desired-state')).status).toBe(401);
    expect((await tenant.bearer.get('/v1/agent/desired-state')).status).toBe(401);
    expect((await asAgent('afn_nope').get('/v1/agent/desired-state')).status).toBe(401);

    // Agent-initiated rotation: the old credential stops working.
    const rot = await a.post('/v1/agent/credentials/rotate');
    expect(rot.status).toBe(201);
    expect((await a.get('/v1/agent/desired-state')).status).toBe(401);
    const a2 = asAgent(rot.body.credential);
    expect((await a2.get('/v1/agent/desired-state')).status).toBe(200);

    // Operator rotation, then revocation.
    const opRot = await op.post(`/v1/admin/fleet/edge-nodes/${nodeA}/credentials/rotate`);
    expect(opRot.status).toBe(201);
    expect((await a2.get('/v1/agent/desired-state')).status).toBe(401);
    const a3 = asAgent(opRot.body.credential);
    expect((await a3.get('/v1/agent/desired-state')).status).toBe(200);
    const rev = await op.post(`/v1/admin/fleet/edge-nodes/${nodeA}/credentials/revoke`);
    expect(rev.body).toEqual({ revoked: 1 });
    expect((await a3.get('/v1/agent/desired-state')).status).toBe(401);
    expect((await op.post(`/v1/admin/fleet/edge-nodes/00000000-0000-4000-8000-000000000000/bootstrap-tokens`)).status).toBe(404);
  });

  it('documents the agent API request bodies in OpenAPI', async () => {
    const doc = (await t.http().get('/v1/openapi.json')).body;
    // Named schemas (components), generated from the contracts' zod schemas.
    const body = (path: string) => doc.components.schemas[doc.paths[path].post.requestBody.content['application/json'].schema.$ref.split('/').pop()];
    expect(body('/v1/agent/register').required).toEqual(['bootstrap_token', 'push_url']);
    expect(Object.keys(body('/v1/agent/traffic').properties)).toEqual(['sequence', 'interval_start', 'interval_seconds', 'addresses', 'backends']);
    expect(body('/v1/agent/status').properties.applied_generation.type).toBe('integer');
  });

  it('generations only grow, and recomputing an identical state does not bump them', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const node = await fx.node(pop.id);
    const org = await fx.organization();
    const svc = await fx.service(org, [pool]);
    const { credential } = await registerNode(node);
    const a = asAgent(credential);

    const first = await a.get('/v1/agent/desired-state');
    const g1 = first.body.generation;
    expect(first.body.services.map((s: { id: string }) => s.id)).toEqual([svc.id]);
    expect(first.headers.etag).toBe(`"${g1}"`);
    expect((await a.get('/v1/agent/desired-state').set('If-None-Match', `"${g1}"`)).status).toBe(304);

    // Notified but nothing changed: same generation, even many times.
    for (let i = 0; i < 3; i++) await t.dataSource.transaction((tx) => notifier.record(tx, { serviceIds: [svc.id] }));
    expect((await a.get('/v1/agent/desired-state')).body.generation).toBe(g1);

    // A real change bumps exactly once.
    await fx.backend(svc.id, '2001:db8::2');
    await t.dataSource.transaction((tx) => notifier.record(tx, { serviceIds: [svc.id] }));
    const second = await a.get('/v1/agent/desired-state');
    expect(second.body.generation).toBe(g1 + 1);
    expect(second.body.services[0].backends).toHaveLength(2);
    expect((await a.get('/v1/agent/desired-state')).body.generation).toBe(g1 + 1);

    // A service whose stored settings cannot be rendered is left out; the node still gets everything else.
    const broken = await fx.service(org, [pool]);
    await t.dataSource.query(`UPDATE services SET listeners = '[{"protocol":"tcp","ports":"0"}]' WHERE id = $1`, [broken.id]);
    const badHealthCheck = await fx.service(org, [pool]);
    await t.dataSource.query(`UPDATE services SET health_check = jsonb_set(health_check, '{interval_seconds}', '0') WHERE id = $1`, [badHealthCheck.id]);
    await t.dataSource.transaction((tx) => notifier.record(tx, { serviceIds: [broken.id, badHealthCheck.id] }));
    const partial = await a.get('/v1/agent/desired-state');
    expect(partial.status).toBe(200);
    expect(partial.body.services.map((s: { id: string }) => s.id)).toEqual([svc.id]);
    expect(partial.body.generation).toBe(g1 + 1);
    await t.dataSource.query(`UPDATE services SET status = 'waiting_for_capacity' WHERE id = ANY($1::uuid[])`, [[broken.id, badHealthCheck.id]]);

    // Concurrent recomputes of one node never produce a duplicate or lower generation.
    await fx.backend(svc.id, '2001:db8::3');
    await t.dataSource.transaction((tx) => notifier.record(tx, { serviceIds: [svc.id] }));
    const parallel = await Promise.all(Array.from({ length: 8 }, () => a.get('/v1/agent/desired-state')));
    expect(new Set(parallel.map((r) => r.body.generation))).toEqual(new Set([g1 + 2]));
  });

  it('deploy status: deploying until every serving node applied the change, with per-PoP detail; other organizations get 404', async () => {
    const ams = await fx.pop();
    const fra = await fx.pop();
    const pool = await fx.pool([ams.id, fra.id]);
    const n1 = await fx.node(ams.id);
    const n2 = await fx.node(fra.id);
    const tenant = await signup(t);
    const svc = await fx.service(tenant.organizationId, [pool]);
    const c1 = asAgent((await registerNode(n1)).credential);
    const c2 = asAgent((await registerNode(n2)).credential);
    const dep = async () => (await tenant.bearer.get(`/v1/services/${svc.id}/deployment`)).body;

    await t.dataSource.transaction((tx) => notifier.record(tx, { serviceIds: [svc.id] }));
    expect((await dep()).status).toBe('deploying');
    const g1 = (await c1.get('/v1/agent/desired-state')).body.generation;
    const g2 = (await c2.get('/v1/agent/desired-state')).body.generation;
    const verified = { state: 'verified', reason: null, checked_at: new Date().toISOString() };
    const up = { services: [{ id: svc.id, backends: svc.backendIds.map((id) => ({ id, healthy: true, verification: verified })) }] };
    const amsStatus = async () => (await dep()).pops.find((p: { pop_code: string }) => p.pop_code === ams.code).status;
    await c1.post('/v1/agent/status').send({ applied_generation: g1, announced: true, drained: false }).expect(200);
    // Applied, but the node verified no backend yet: an unverified backend gets no traffic (issue 9 §7).
    expect(await amsStatus()).toBe('waiting_for_verified_backend');
    // Negative control: healthy but unverified (what a dry-run edge, or one whose kit never answered, reports) is not deployed.
    const pending = { state: 'pending', reason: 'waiting for the first challenge', checked_at: null };
    await c1.post('/v1/agent/status').send({ applied_generation: g1, announced: true, drained: false, services: [{ id: svc.id, backends: svc.backendIds.map((id) => ({ id, healthy: true, verification: pending })) }] }).expect(200);
    expect(await amsStatus()).toBe('waiting_for_verified_backend');
    // Verified but no backend has passed the node's checks yet: a request would fail.
    await c1.post('/v1/agent/status').send({ applied_generation: g1, announced: true, drained: false, services: [{ id: svc.id, backends: svc.backendIds.map((id) => ({ id, healthy: false, verification: verified })) }] }).expect(200);
    expect(await amsStatus()).toBe('waiting_for_healthy_backend');
    await c1.post('/v1/agent/status').send({ applied_generation: g1, announced: true, drained: false, ...up }).expect(200);
    // Operators see the node's applied generation, lag, announce state and heartbeat on the node itself.
    const node1 = (await op.get(`/v1/admin/edge-nodes/${n1}`)).body;
    expect(node1.fleet).toMatchObject({ registered: true, applied_generation: g1, desired_generation: g1, lag: 0, announced: true, drained: false });
    expect(Date.parse(node1.fleet.last_heartbeat_at)).toBeGreaterThan(Date.now() - 60_000);
    let listed: { fleet: unknown } | undefined;
    for (let cursor: string | null = null, first = true; !listed && (first || cursor); first = false) {
      const page: { data: Array<{ id: string; fleet: unknown }>; next_cursor: string | null } = (await op.get(`/v1/admin/edge-nodes?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
      listed = page.data.find((n) => n.id === n2);
      cursor = page.next_cursor;
    }
    expect(listed).toBeDefined();
    expect(listed!.fleet).toMatchObject({ registered: true, applied_generation: 0, desired_generation: g2, lag: g2 });
    let d = await dep();
    expect(d).toMatchObject({ status: 'deploying', edge_nodes: 2, edge_nodes_deployed: 1 });
    expect(d.pops.find((p: { pop_code: string }) => p.pop_code === ams.code).status).toBe('deployed');
    expect(d.pops.find((p: { pop_code: string }) => p.pop_code === fra.code).status).toBe('deploying');
    await c2.post('/v1/agent/status').send({ applied_generation: g2, announced: true, drained: false, ...up }).expect(200);
    expect((await dep()).status).toBe('deployed');

    // A change goes back to deploying at once (before any worker ran), then deployed after both apply it.
    await fx.backend(svc.id, '2001:db8::9');
    await t.dataSource.transaction((tx) => notifier.record(tx, { serviceIds: [svc.id] }));
    expect((await dep()).status).toBe('deploying');
    for (const c of [c1, c2]) {
      const s = (await c.get('/v1/agent/desired-state')).body;
      await c.post('/v1/agent/status').send({ applied_generation: s.generation, announced: true, drained: false, ...up }).expect(200);
    }
    d = await dep();
    expect(d.status).toBe('deployed');
    expect(d.pops).toHaveLength(2);
    // The service itself carries the same deploy status with its per-PoP detail.
    const { service_id: _serviceId, ...deployment } = d;
    expect((await tenant.bearer.get(`/v1/services/${svc.id}`)).body.deployment).toEqual(deployment);

    const other = await signup(t);
    expect((await other.bearer.get(`/v1/services/${svc.id}/deployment`)).status).toBe(404);
    expect((await other.bearer.get(`/v1/services/${svc.id}/health`)).status).toBe(404);
    expect((await other.bearer.get(`/v1/services/${svc.id}/traffic`)).status).toBe(404);
    expect((await tenant.bearer.get(`/v1/services/not-a-uuid/deployment`)).status).toBe(404);

    // Operators see applied and desired generations, lag and heartbeat.
    const view = await op.get(`/v1/admin/fleet/edge-nodes/${n1}`);
    expect(view.body).toMatchObject({ id: n1, registered: true, lag: 0, announced: true, sync_pending: false });
    expect(view.body.last_heartbeat_at).not.toBeNull();
    const list = await op.get('/v1/admin/fleet/edge-nodes?limit=200');
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body.data)).toBe(true);
  });

  it('fault isolation (issue 9 §1): capabilities with the heartbeat, agent-reported failures in the deploy status, no service sent to a node that cannot program it, 422 for an encapsulation no edge of the PoPs supports', async () => {
    const lab = { seg6: true, ipip: false, sit: false, ip6tnl: false, fou: false, nft: true };
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const n1 = await fx.node(pop.id);
    const tenant = await signup(t);
    const svc = await fx.service(tenant.organizationId, [pool]);
    const c1 = asAgent((await registerNode(n1)).credential);
    const dep = async () => (await tenant.bearer.get(`/v1/services/${svc.id}/deployment`)).body;
    const pull = async () => (await c1.get('/v1/agent/desired-state')).body as { generation: number; services: { id: string }[] };

    await t.dataSource.transaction((tx) => notifier.record(tx, { serviceIds: [svc.id] }));
    let s = await pull();
    expect(s.services.map((x) => x.id)).toContain(svc.id);
    await c1.post('/v1/agent/status').send({ applied_generation: s.generation, announced: true, drained: false, capabilities: lab }).expect(200);
    const [row] = await t.dataSource.query(`SELECT capabilities FROM edge_node_fleet_states WHERE edge_node_id = $1`, [n1]);
    expect(row.capabilities).toEqual(lab);
    // New capabilities re-run the node's publish filter: deploying until the node applied the recomputed state.
    expect((await dep()).status).toBe('deploying');
    s = await pull();
    expect(s.services.map((x) => x.id)).toContain(svc.id); // srv6: this kernel can
    const verified = { state: 'verified', reason: null, checked_at: new Date().toISOString() };
    const up = { services: [{ id: svc.id, backends: svc.backendIds.map((id) => ({ id, healthy: true, verification: verified })) }] };
    await c1.post('/v1/agent/status').send({ applied_generation: s.generation, announced: true, drained: false, capabilities: lab, ...up }).expect(200);
    expect((await dep()).status).toBe('deployed');

    // The agent could not program it (e.g. a route the kernel refused): failed on that node and PoP, with the agent's reason.
    await c1.post('/v1/agent/status').send({ applied_generation: s.generation, announced: true, drained: false, capabilities: lab, failed_services: [{ id: svc.id, reason: 'the kernel refused its tunnel routes: RTNETLINK answers: No such device' }] }).expect(200);
    let d = await dep();
    expect(d).toMatchObject({ status: 'failed', pops: [{ pop_code: pop.code, status: 'failed', nodes: [{ node_id: n1, status: 'failed', reason: expect.stringContaining('RTNETLINK answers: No such device') }] }] });
    await c1.post('/v1/agent/status').send({ applied_generation: s.generation, announced: true, drained: false, ...up }).expect(200);
    expect((await dep()).status).toBe('deployed');

    // The API refuses an encapsulation no edge of the service's PoPs can program, and changes nothing.
    const refused = await tenant.bearer.patch(`/v1/services/${svc.id}`).send({ encapsulation: 'ip6ip6' });
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.errors).toEqual([{ field: 'encapsulation', message: expect.stringContaining(`(${pop.code}) can program encapsulation ip6ip6`) }]);
    expect((await tenant.bearer.get(`/v1/services/${svc.id}`)).body.encapsulation).toBe('srv6');

    // Set behind the API's back (or before the node reported): the publish filter keeps it off the node, with the reason.
    await t.dataSource.query(`UPDATE services SET encapsulation = 'ip6ip6' WHERE id = $1`, [svc.id]);
    await t.dataSource.transaction((tx) => notifier.record(tx, { serviceIds: [svc.id] }));
    s = await pull();
    expect(s.services.map((x) => x.id)).not.toContain(svc.id);
    d = await dep();
    expect(d.status).toBe('failed');
    expect(d.pops[0].nodes[0].reason).toContain('needs the ip6_tunnel module');
  });

  it('health: per-backend health per PoP and overall; a backend down at every PoP is flagged', async () => {
    const ams = await fx.pop();
    const fra = await fx.pop();
    const pool = await fx.pool([ams.id, fra.id]);
    const n1 = await fx.node(ams.id);
    const n2 = await fx.node(fra.id);
    const tenant = await signup(t);
    const svc = await fx.service(tenant.organizationId, [pool], ['2001:db8::a', '2001:db8::b']);
    const [good, bad] = svc.backendIds;
    const c1 = asAgent((await registerNode(n1)).credential);
    const c2 = asAgent((await registerNode(n2)).credential);
    const MTU_REASON = 'path MTU to backend below 1500: a 4000-byte request in full-size segments through the tunnel got no answer';
    const report = (healthyGood: boolean) => ({
      applied_generation: 1, announced: true, drained: false,
      services: [{ id: svc.id, backends: [{ id: good, healthy: healthyGood, reason: healthyGood ? 'ignored: it is healthy' : null }, { id: bad, healthy: false, reason: MTU_REASON }] }],
    });
    await c1.post('/v1/agent/status').send(report(true)).expect(200);
    await c2.post('/v1/agent/status').send(report(false)).expect(200);
    const h = (await tenant.bearer.get(`/v1/services/${svc.id}/health`)).body;
    expect(h.backends_down_everywhere).toEqual([bad]);
    expect(h.status).toBe('degraded');
    const g = h.backends.find((b: { backend_id: string }) => b.backend_id === good);
    expect(g).toMatchObject({ status: 'degraded', down_everywhere: false });
    expect(g.pops.map((p: { pop_code: string; status: string }) => [p.pop_code, p.status]).sort()).toEqual([[ams.code, 'healthy'], [fra.code, 'unhealthy']].sort());
    // Why an edge reports it unhealthy (issue 9 §5: its path MTU), per PoP; none for a healthy report or a report without one.
    expect(g.pops.map((p: { reason: string | null }) => p.reason)).toEqual([null, null]);
    const b = h.backends.find((x: { backend_id: string }) => x.backend_id === bad);
    expect(b.pops.map((p: { reason: string | null }) => p.reason)).toEqual([MTU_REASON, MTU_REASON]);

    // A backend of another service is ignored, and a bad body changes nothing.
    const foreign = await fx.service(tenant.organizationId, [pool], ['2001:db8::c']);
    await c1.post('/v1/agent/status').send({ ...report(true), services: [{ id: svc.id, backends: [{ id: foreign.backendIds[0], healthy: false }] }] }).expect(200);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM edge_node_backend_health WHERE backend_id = $1`, [foreign.backendIds[0]]))[0].n).toBe(0);
    const invalid = await c1.post('/v1/agent/status').send({ applied_generation: -1, announced: 'yes' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['announced', 'applied_generation', 'drained']);
  });

  it('operator changes (pool PoP set, pool state, PoP code, edge node state) reach the desired states', async () => {
    const a = await fx.pop();
    const b = await fx.pop();
    const nodeA = await fx.node(a.id);
    const nodeB = await fx.node(b.id);
    const agentA = asAgent((await registerNode(nodeA)).credential);
    const agentB = asAgent((await registerNode(nodeB)).credential);
    const poolIds = async (agent: ReturnType<typeof asAgent>) => (await agent.get('/v1/agent/desired-state')).body.pools.map((p: { id: string }) => p.id);

    const created = await op.post('/v1/admin/pools').send({ prefix: randomPoolPrefix(), scope: 'global', pop_ids: [a.id], state: 'draining' });
    expect(created.status).toBe(201);
    fx.poolIds.push(created.body.id);
    expect(await poolIds(agentA)).toEqual([created.body.id]);
    expect(await poolIds(agentB)).toEqual([]);

    // Move the pool from PoP A to PoP B: A withdraws it, B announces it.
    expect((await op.patch(`/v1/admin/pools/${created.body.id}`).send({ pop_ids: [b.id] })).status).toBe(200);
    expect(await poolIds(agentA)).toEqual([]);
    expect(await poolIds(agentB)).toEqual([created.body.id]);
    expect((await op.patch(`/v1/admin/pools/${created.body.id}`).send({ state: 'disabled' })).status).toBe(200);
    expect(await poolIds(agentB)).toEqual([]);

    const code = `r${uniqueSuffix()}`;
    expect((await op.patch(`/v1/admin/pops/${b.id}`).send({ code })).status).toBe(200);
    expect((await agentB.get('/v1/agent/desired-state')).body.node.pop).toBe(code);

    expect((await op.patch(`/v1/admin/edge-nodes/${nodeA}`).send({ state: 'draining' })).status).toBe(200);
    expect((await agentA.get('/v1/agent/desired-state')).body.drained).toBe(true);
  });

  it('drain: a drained PoP or node gets drained: true in its desired state; undrain reverts', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const node = await fx.node(pop.id);
    await fx.service(await fx.organization(), [pool]);
    const a = asAgent((await registerNode(node)).credential);
    expect((await a.get('/v1/agent/desired-state')).body.drained).toBe(false);

    const d = await op.post(`/v1/admin/fleet/pops/${pop.id}/drain`);
    expect(d.body).toMatchObject({ pop_id: pop.id, drained: true, edge_nodes: 1 });
    const drained = (await a.get('/v1/agent/desired-state')).body;
    expect(drained.drained).toBe(true);
    expect(drained.services).toHaveLength(1);
    await op.post(`/v1/admin/fleet/pops/${pop.id}/undrain`).expect(200);
    expect((await a.get('/v1/agent/desired-state')).body.drained).toBe(false);

    const nd = await op.post(`/v1/admin/fleet/edge-nodes/${node}/drain`);
    expect(nd.body).toMatchObject({ drained: true });
    expect((await a.get('/v1/agent/desired-state')).body.drained).toBe(true);
    await op.post(`/v1/admin/fleet/edge-nodes/${node}/undrain`).expect(200);
    const back = (await a.get('/v1/agent/desired-state')).body;
    expect(back.drained).toBe(false);
    expect(back.generation).toBe(drained.generation + 3);
    expect((await op.post(`/v1/admin/fleet/pops/00000000-0000-4000-8000-000000000000/drain`)).status).toBe(404);
  });
});
