import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { desiredStateSchema } from '@anyfront/contracts';
import { createDataSource } from '@anyfront/db';
import { type ApiProcess, FleetFixtures, migrateTestDatabase, operator, startApiProcess, testDatabaseUrl, testRedisUrl, uniqueSuffix, type Agent } from '@anyfront/testing';
import { ControlPlaneClient, ControlPlaneError } from '../io/control-plane-client';
import { ensureRegistered, registrationPaths, RegistrationError, rotateCredential } from './registration';
import { StateVerifier } from './signature';

describe('agent-side registration against the real control-plane API', () => {
  let api: ApiProcess;
  let ds: DataSource;
  let t: { url: string; dataSource: DataSource };
  let op: Agent;
  let fx: FleetFixtures;
  let dir: string;

  beforeAll(async () => {
    await migrateTestDatabase();
    // The real API as its own process (apps/api/src/main.ts), as an edge agent would meet it.
    const id = uniqueSuffix();
    api = await startApiProcess({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: `test-${id}`, REDIS_KEY_PREFIX: `test:${id}:`, ALLOW_DOCUMENTATION_ADDRESSES: 'true' }); // lab mode: the agent registers a loopback push_url
    ds = createDataSource(testDatabaseUrl(), { poolSize: 2 });
    await ds.initialize();
    t = { url: api.url, dataSource: ds };
    op = (await operator(t)).session;
    fx = new FleetFixtures(ds);
    dir = await mkdtemp(join(tmpdir(), 'anyfront-agent-cp-'));
  });
  afterAll(async () => {
    await fx.cleanup();
    await ds.destroy();
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers once with the bootstrap token, persists the credential, then pulls, reports and rotates', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const node = await fx.node(pop.id);
    const svc = await fx.service(await fx.organization(), [pool]);
    const token = (await op.post(`/v1/admin/fleet/edge-nodes/${node}/bootstrap-tokens`)).body.token as string;
    const stateDir = join(dir, 'state');

    const opts = { apiUrl: t.url, stateDir, pushUrl: 'http://127.0.0.1:9180/v1/desired-state', pushToken: 'agent-push-token-0123456789' };
    await expect(ensureRegistered(opts)).rejects.toBeInstanceOf(RegistrationError);
    const reg = await ensureRegistered({ ...opts, bootstrapToken: token });
    expect(reg).toMatchObject({ node_id: node, pop: pop.code, push_token: opts.pushToken, registeredNow: true });
    const file = registrationPaths(stateDir).credential;
    expect((await readFile(file, 'utf8')).trim()).toBe(reg.credential);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // A restart reuses the stored credential; the (now used) token is not needed.
    const again = await ensureRegistered({ ...opts, bootstrapToken: token });
    expect(again).toMatchObject({ registeredNow: false, credential: reg.credential });

    // The agent's own client speaks the same contract as the API.
    const client = new ControlPlaneClient(t.url, reg.credential);
    const pulled = await client.pullDesiredState(0);
    expect(pulled.status).toBe(200);
    // The pulled state verifies against the keys registration stored; a changed copy does not.
    const body = (pulled as { body: Record<string, unknown> }).body;
    const verifier = new StateVerifier([], stateDir);
    expect(verifier.registrationKeys()).toHaveLength(1);
    const verified: unknown[] = [];
    const apply = async (s: unknown) => { verified.push(s); return { status: 200 as const, applied: true, generation: 1 }; };
    expect(await verifier.submit(body, apply)).toMatchObject({ status: 200 });
    expect(await verifier.submit({ ...body, drained: true }, apply)).toMatchObject({ status: 401, detail: expect.stringMatching(/bad signature/) });
    expect(verified).toHaveLength(1);
    const state = desiredStateSchema.parse(verified[0]);
    expect(state.node.id).toBe(node);
    expect(state.services.map((s) => s.id)).toEqual([svc.id]);
    expect((await client.pullDesiredState(state.generation)).status).toBe(304);
    expect(await client.postStatus({ applied_generation: state.generation, announced: true, drained: false, programmed: true, last_error: null, services: [{ id: svc.id, backends: [{ id: svc.backendIds[0], healthy: true }] }] }))
      .toEqual({ desired_generation: state.generation });
    const report = { sequence: 0, interval_start: new Date(Date.now() - 10_000).toISOString(), interval_seconds: 10, addresses: [{ address: svc.addresses[0], bytes: 1500, packets: 1 }], backends: [] };
    expect(await client.postTraffic(report)).toMatchObject({ accepted: true, duplicate: false });
    expect(await client.postTraffic(report)).toMatchObject({ accepted: false, duplicate: true });
    await client.putPushEndpoint('http://127.0.0.1:9181/v1/desired-state');

    // Rotation: the stored credential is replaced and the old one stops working.
    const rotated = await rotateCredential(stateDir);
    expect(rotated.credential).not.toBe(reg.credential);
    expect((await readFile(file, 'utf8')).trim()).toBe(rotated.credential);
    const old = await client.pullDesiredState(0).catch((e) => e);
    expect(old).toBeInstanceOf(ControlPlaneError);
    expect(old.status).toBe(401);
    expect((await new ControlPlaneClient(t.url, rotated.credential).pullDesiredState(0)).status).toBe(200);
  });
});
