import { VERIFY_TOKEN_PATTERN } from '@anyfront/contracts';
import { operatorFleetSuite, signup } from '@anyfront/testing';
import request from 'supertest';
import { createTestApp } from '../testing';
import { FleetChanges } from '../fleet/fleet-changes';

jest.setTimeout(60_000);

/**
 * Backend ownership verification, control-plane side (issue 8): each backend row has its own token,
 * the edges get it in their desired state, report their verdict with their status, and the API
 * shows pending / verified / failed per backend. Tenants A and B registering the same address get
 * different tokens, so a proof for one never verifies the other.
 */
describe('backend verification (API states)', () => {
  const suite = operatorFleetSuite(() => createTestApp());

  it('pending until an edge reports; verified and failed per backend row with reason and time; an address change starts over', async () => {
    const { t, op, fx } = suite;
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id], 6);
    const node = await fx.node(pop.id);
    const tok = await op.post(`/v1/admin/fleet/edge-nodes/${node}/bootstrap-tokens`).expect(201);
    const reg = await t.http().post('/v1/agent/register').send({ bootstrap_token: tok.body.token, push_url: 'http://127.0.0.1:9/v1/desired-state' }).expect(201);
    const agent = request.agent(t.url).set('Authorization', `Bearer ${reg.body.credential}`);

    const [a, b] = await Promise.all([signup(t), signup(t)]);
    const svcA = await fx.service(a.organizationId, [pool], []);
    const svcB = await fx.service(b.organizationId, [pool], []);
    // Both tenants register the same server.
    const ba = (await a.bearer.post(`/v1/services/${svcA.id}/backends`).send({ address: '2001:db8::77' }).expect(201)).body;
    const bb = (await b.bearer.post(`/v1/services/${svcB.id}/backends`).send({ address: '2001:db8::77' }).expect(201)).body;
    expect(ba).toMatchObject({ verification: 'pending', verification_reason: expect.stringContaining('no edge'), verification_checked_at: null, verification_token: expect.stringMatching(VERIFY_TOKEN_PATTERN) });
    expect(bb.verification_token).toMatch(VERIFY_TOKEN_PATTERN);
    expect(bb.verification_token).not.toBe(ba.verification_token);

    // The edge's desired state demands each row's own proof.
    await t.dataSource.transaction((tx) => t.app.get(FleetChanges).record(tx, { serviceIds: [svcA.id, svcB.id] }));
    const state = (await agent.get('/v1/agent/desired-state').expect(200)).body;
    const listed = (state.state ?? state).services.flatMap((s: { backends: { id: string; verify_token?: string }[] }) => s.backends);
    expect(listed.find((x: { id: string }) => x.id === ba.id)?.verify_token).toBe(ba.verification_token);
    expect(listed.find((x: { id: string }) => x.id === bb.id)?.verify_token).toBe(bb.verification_token);

    // The edge: A's kit answered with A's proof; at B's row the same server answered without B's.
    const checkedAt = new Date(Date.now() - 2000).toISOString();
    await agent.post('/v1/agent/status').send({
      applied_generation: state.generation ?? (state.state ?? state).generation, announced: true, drained: false,
      services: [
        { id: svcA.id, backends: [{ id: ba.id, healthy: true, verification: { state: 'verified', reason: null, checked_at: checkedAt } }] },
        { id: svcB.id, backends: [{ id: bb.id, healthy: false, verification: { state: 'failed', reason: 'the backend kit answered but holds no token for this backend (HTTP 404)', checked_at: checkedAt } }] },
      ],
    }).expect(200);
    const gotA = (await a.bearer.get(`/v1/services/${svcA.id}/backends/${ba.id}`).expect(200)).body;
    expect(gotA).toMatchObject({ verification: 'verified', verification_reason: null, verification_checked_at: checkedAt });
    const gotB = (await b.bearer.get(`/v1/services/${svcB.id}/backends`).expect(200)).body.data[0];
    expect(gotB).toMatchObject({ id: bb.id, verification: 'failed', verification_reason: expect.stringContaining('HTTP 404'), verification_checked_at: checkedAt });
    // B cannot see A's row (nor its token) at all.
    expect((await b.bearer.get(`/v1/services/${svcA.id}/backends/${ba.id}`)).status).toBe(404);

    // An agent's verdict outside the vocabulary is refused as a problem, nothing stored.
    const bad = await agent.post('/v1/agent/status').send({ applied_generation: 0, announced: true, drained: false, services: [{ id: svcA.id, backends: [{ id: ba.id, healthy: true, verification: { state: 'trusted-me' } }] }] });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect((await a.bearer.get(`/v1/services/${svcA.id}/backends/${ba.id}`)).body.verification).toBe('verified');

    // Moving the backend to another server: it has to prove itself again.
    const moved = (await a.bearer.patch(`/v1/services/${svcA.id}/backends/${ba.id}`).send({ address: '2001:db8::78' }).expect(200)).body;
    expect(moved).toMatchObject({ verification: 'pending', verification_checked_at: null, verification_token: ba.verification_token });
    // A weight change keeps the verdict.
    expect((await b.bearer.patch(`/v1/services/${svcB.id}/backends/${bb.id}`).send({ weight: 5 }).expect(200)).body.verification).toBe('failed');
  });
});
