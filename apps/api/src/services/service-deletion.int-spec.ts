import { FleetFixtures, operator, signup, type Agent } from '@anyfront/testing';
import request from 'supertest';
import { FleetChanges } from '../fleet/fleet-changes';
import { createTestApp, type TestApp } from '../testing';

/**
 * DELETE /v1/services/{id}: `deleting` until every edge node of the service's PoPs has applied a
 * desired state without it; only then is it gone and are its addresses quarantined.
 */
describe('service deletion waits for the edges (status deleting)', () => {
  let t: TestApp;
  let op: Agent;
  let fx: FleetFixtures;
  let notifier: FleetChanges;

  const registerNode = async (nodeId: string) => {
    const tok = await op.post(`/v1/admin/fleet/edge-nodes/${nodeId}/bootstrap-tokens`);
    expect(tok.status).toBe(201);
    const reg = await t.http().post('/v1/agent/register').send({ bootstrap_token: tok.body.token, push_url: 'http://127.0.0.1:9/v1/desired-state', push_token: 'push-token-0123456789' });
    expect(reg.status).toBe(201);
    return request.agent(t.url).set('Authorization', `Bearer ${(reg.body as { credential: string }).credential}`);
  };
  type AgentClient = Awaited<ReturnType<typeof registerNode>>;
  /** The agent pulls its state and reports it applied; returns the generation and the services in it. */
  const applyLatest = async (a: AgentClient) => {
    const s = (await a.get('/v1/agent/desired-state')).body as { generation: number; services: Array<{ id: string }> };
    await a.post('/v1/agent/status').send({ applied_generation: s.generation, announced: true, drained: false }).expect(200);
    return { generation: s.generation, services: s.services.map((x) => x.id) };
  };
  const addressStates = async (serviceId: string) =>
    t.dataSource.query<Array<{ state: string; quarantined_until: Date | null }>>(`SELECT state, quarantined_until FROM anycast_addresses WHERE service_id = $1`, [serviceId]);

  beforeAll(async () => {
    t = await createTestApp();
    op = (await operator(t)).session;
    fx = new FleetFixtures(t.dataSource);
    notifier = t.app.get(FleetChanges);
    // Deletion, not staging: these agents pull and never answer a canary push (its stage has its own
    // test, canary-rollout.int-spec), so the PoP's second node would wait for a canary verdict.
    await t.dataSource.query('UPDATE fleet_settings SET canary_stage = false WHERE id = 1');
  });
  afterAll(async () => {
    await t.dataSource.query('UPDATE fleet_settings SET canary_stage = true WHERE id = 1');
    await fx.cleanup();
    await t.close();
  });

  it('is deleting until every node of its PoPs applied a generation without it, then gone with its addresses quarantined; a repeat answers the same', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const n1 = await fx.node(pop.id);
    const n2 = await fx.node(pop.id);
    const tenant = await signup(t);
    const svc = await fx.service(tenant.organizationId, [pool]);
    const a1 = await registerNode(n1);
    const a2 = await registerNode(n2);
    await t.dataSource.transaction((tx) => notifier.record(tx, { serviceIds: [svc.id] }));
    const before1 = await applyLatest(a1);
    const before2 = await applyLatest(a2);
    expect(before1.services).toContain(svc.id);
    expect(before2.services).toContain(svc.id);
    const name = (await tenant.bearer.get(`/v1/services/${svc.id}`)).body.name as string;

    expect((await tenant.bearer.delete(`/v1/services/${svc.id}`)).status).toBe(204);
    // Still visible, deleting, addresses still held (the edges may still forward them).
    let got = await tenant.bearer.get(`/v1/services/${svc.id}`);
    expect(got.status).toBe(200);
    expect(got.body.status).toBe('deleting');
    expect((await addressStates(svc.id)).map((a) => a.state)).toEqual(['assigned']);
    // Idempotent: a repeat answers the same and changes nothing; no other change is accepted.
    expect((await tenant.bearer.delete(`/v1/services/${svc.id}`)).status).toBe(204);
    expect((await tenant.bearer.get(`/v1/services/${svc.id}`)).body.status).toBe('deleting');
    const patch = await tenant.bearer.patch(`/v1/services/${svc.id}`).send({ name: 'renamed' });
    expect(patch.status).toBe(409);
    expect(patch.headers['content-type']).toMatch(/problem\+json/);
    expect((await tenant.bearer.post(`/v1/services/${svc.id}/backends`).send({ address: '2001:db8::7' })).status).toBe(409);
    // Its name is free at once, as when deletion was immediate.
    const again = await tenant.bearer.post('/v1/services').send({ name, listeners: [{ protocol: 'tcp', ports: '80' }] });
    expect(again.status).toBe(201);
    await tenant.bearer.delete(`/v1/services/${again.body.id}`).expect(204);
    const audit = await t.dataSource.query(`SELECT details FROM audit_log WHERE action = 'service.delete' AND target_id = $1`, [svc.id]);
    expect(audit).toHaveLength(1);
    expect(audit[0].details.addresses).toEqual(svc.addresses);

    // Negative control: a status report of a generation that still has the service keeps it deleting.
    await a1.post('/v1/agent/status').send({ applied_generation: before1.generation, announced: true, drained: false }).expect(200);
    expect((await tenant.bearer.get(`/v1/services/${svc.id}`)).body.status).toBe('deleting');

    // Left out of every node's desired state.
    const after1 = await applyLatest(a1);
    expect(after1.generation).toBeGreaterThan(before1.generation);
    expect(after1.services).not.toContain(svc.id);
    // One node applied it, the other has not yet: still deleting.
    got = await tenant.bearer.get(`/v1/services/${svc.id}`);
    expect(got.body.status).toBe('deleting');
    expect((await addressStates(svc.id)).map((a) => a.state)).toEqual(['assigned']);

    // The other node's stored state has dropped it, but its agent has not applied that yet: still deleting.
    const pulled2 = (await a2.get('/v1/agent/desired-state')).body as { generation: number; services: Array<{ id: string }> };
    expect(pulled2.services.map((x) => x.id)).not.toContain(svc.id);
    await a1.post('/v1/agent/status').send({ applied_generation: after1.generation, announced: true, drained: false }).expect(200);
    await a2.post('/v1/agent/status').send({ applied_generation: before2.generation, announced: true, drained: false }).expect(200);
    expect((await tenant.bearer.get(`/v1/services/${svc.id}`)).body.status).toBe('deleting');

    const after2 = await applyLatest(a2);
    expect(after2.generation).toBe(pulled2.generation);
    // Every node applied a generation without it: gone, addresses in quarantine, one system audit entry.
    expect((await tenant.bearer.get(`/v1/services/${svc.id}`)).status).toBe(404);
    const listed = (await tenant.bearer.get('/v1/services?limit=100')).body.data as Array<{ id: string }>;
    expect(listed.map((s) => s.id)).not.toContain(svc.id);
    const addresses = await addressStates(svc.id);
    expect(addresses.map((a) => a.state)).toEqual(['quarantined']);
    expect(addresses[0].quarantined_until!.getTime()).toBeGreaterThan(Date.now() + 86_400_000);
    const removed = await t.dataSource.query(`SELECT actor_credential, details FROM audit_log WHERE action = 'service.removed' AND target_id = $1`, [svc.id]);
    expect(removed).toEqual([{ actor_credential: 'system', details: { quarantined_addresses: svc.addresses, quarantine_days: expect.any(Number) } }]);
    expect((await tenant.bearer.delete(`/v1/services/${svc.id}`)).status).toBe(404);
  });

  it('a service no edge node runs (its PoP has no registered node) is deleted at once; another organization\'s is a 404', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    await fx.node(pop.id); // never registered: it never got the service
    const tenant = await signup(t);
    const svc = await fx.service(tenant.organizationId, [pool]);
    expect((await tenant.bearer.delete(`/v1/services/${svc.id}`)).status).toBe(204);
    expect((await tenant.bearer.get(`/v1/services/${svc.id}`)).status).toBe(404);
    expect((await addressStates(svc.id)).map((a) => a.state)).toEqual(['quarantined']);

    // Not another organization's to delete.
    const other = await signup(t);
    const theirs = await fx.service(other.organizationId, [await fx.pool([pop.id])]);
    expect((await tenant.bearer.delete(`/v1/services/${theirs.id}`)).status).toBe(404);
    expect((await other.bearer.get(`/v1/services/${theirs.id}`)).body.status).toBe('active');
  });
});
