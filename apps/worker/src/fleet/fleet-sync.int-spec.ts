import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { JobName, QueueName, signedDesiredStateSchema, syncEdgeNodeJobId, type DesiredState } from '@anyfront/contracts';
import { FleetFixtures, migrateTestDatabase, testDatabaseUrl, testRedisUrl, uniqueSuffix, waitFor } from '@anyfront/testing';
import { createDataSource, loadServiceDeployment, markNodesStale, OutboxRepository, recordFleetChange } from '@anyfront/db';
import { loadStateSigningKeys, trustedStateKeys, verifySignedState } from '@anyfront/state-signing';
import { loadWorkerConfig } from '../config';
import { workerModule } from '../worker.module';

/** A stand-in agent on 127.0.0.1 that records every push and answers with scripted statuses. */
class FakeAgent {
  readonly pushes: Array<{ authorization: string | undefined; signature: string | undefined; state: DesiredState }> = [];
  readonly script: number[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const state = JSON.parse(body) as DesiredState;
        this.pushes.push({ authorization: req.headers.authorization, signature: req.headers['anyfront-push-signature'] as string | undefined, state });
        const status = this.script.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status === 200 ? { applied: true, generation: state.generation } : { detail: `scripted ${status}` }));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/desired-state`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('FleetSyncJob: coalescing, push with retry to the agent, sweep', () => {
  const prefix = `test-fleet-${uniqueSuffix()}`;
  let worker: INestApplicationContext | undefined;
  let ds: DataSource;
  let queue: Queue;
  let fx: FleetFixtures;
  const agent = new FakeAgent();

  const startWorker = async () => {
    process.env.FLEET_SWEEP_INTERVAL_SECONDS = '1';
    process.env.FLEET_FULL_RESYNC_SECONDS = '86400'; // the resync test adds its job itself
    worker = await NestFactory.createApplicationContext(
      workerModule(loadWorkerConfig({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: '2', SLOT_RETRY_INTERVAL_SECONDS: '3600', DATABASE_POOL_SIZE: '5', ALLOW_DOCUMENTATION_ADDRESSES: 'true' })),
      { logger: ['error'] },
    );
  };

  const fleetRow = async (nodeId: string) =>
    (await ds.query(`SELECT generation::int, applied_generation::int, pushed_generation::int, last_push_error, requested_seq > synced_seq AS stale FROM edge_node_fleet_states WHERE edge_node_id = $1`, [nodeId]))[0];

  const registeredNode = async (popId: string) => {
    const node = await fx.node(popId);
    await ds.query(
      `INSERT INTO edge_node_fleet_states (edge_node_id, push_url, registered_at) VALUES ($1, $2, now())`,
      [node, agent.url],
    );
    return node;
  };

  beforeAll(async () => {
    await migrateTestDatabase();
    await agent.start();
    ds = createDataSource(testDatabaseUrl(), { poolSize: 4 });
    await ds.initialize();
    queue = new Queue(QueueName.FleetSync, { connection: { url: testRedisUrl() }, prefix });
    fx = new FleetFixtures(ds);
  });
  afterAll(async () => {
    await worker?.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await fx.cleanup();
    await ds.destroy();
    await agent.stop();
  });

  it('collapses a burst of changes into one job that pushes the newest state once', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const node = await registeredNode(pop.id);
    const svc = await fx.service(await fx.organization(), [pool], []);
    for (let i = 1; i <= 20; i++) {
      await fx.backend(svc.id, `2001:db8::${i.toString(16)}`);
      await ds.transaction((tx) => recordFleetChange(tx, prefix, { serviceIds: [svc.id] }));
    }
    // Twenty outbox rows (one per committed change), one job id: the relay adds them as one job.
    const outbox = await new OutboxRepository(ds, prefix).pending();
    expect(outbox).toHaveLength(20);
    expect(new Set(outbox.map((r) => r.jobId))).toEqual(new Set([syncEdgeNodeJobId(node)]));

    await startWorker();
    const row = await waitFor('the push to be applied', async () => {
      const r = await fleetRow(node);
      return r.applied_generation > 0 && r;
    });
    const mine = agent.pushes.filter((p) => p.state.node.id === node);
    expect(mine).toHaveLength(1);
    // No bearer token: the request is signed (the agent-side check is in push-channel.int-spec.ts).
    expect(mine[0].authorization).toBeUndefined();
    expect(mine[0].signature).toMatch(new RegExp(`^t=\\d+,node=${node},key=`));
    const pushed = signedDesiredStateSchema.parse(mine[0].state);
    // Signed with the control plane's key (the one the API gives agents at registration).
    const published = loadStateSigningKeys(process.env).published.map((k) => k.public_key);
    expect(verifySignedState(mine[0].state, trustedStateKeys(published))).toMatchObject({ ok: true });
    expect(pushed.services[0].backends).toHaveLength(20);
    expect(row).toMatchObject({ generation: pushed.generation, applied_generation: pushed.generation, pushed_generation: pushed.generation, last_push_error: null });
    await worker!.close();
    worker = undefined;
  });

  it('retries an unavailable agent with backoff until it applies; a refusal is recorded, not retried', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const node = await registeredNode(pop.id);
    await fx.service(await fx.organization(), [pool]);
    agent.script.push(503, 503);
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { popIds: [pop.id] }));
    await startWorker();
    await waitFor('the third push to succeed', async () => (await fleetRow(node)).applied_generation > 0);
    const mine = agent.pushes.filter((p) => p.state.node.id === node);
    expect(mine.map((p) => p.state.generation)).toEqual([1, 1, 1]);
    expect((await fleetRow(node)).last_push_error).toBeNull();

    // 422 (the agent refuses the state): recorded and not retried.
    agent.script.push(422);
    await ds.query(`UPDATE edge_node_fleet_states SET drained = true WHERE edge_node_id = $1`, [node]);
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { edgeNodeIds: [node] }));
    const refused = await waitFor('the refusal to be recorded', async () => {
      const r = await fleetRow(node);
      return r.last_push_error && r;
    });
    expect(refused.last_push_error).toMatch(/422/);
    expect(refused.applied_generation).toBe(1);
    await queue.drain(true);
    expect(agent.pushes.filter((p) => p.state.node.id === node)).toHaveLength(4);
  });

  it('a change nobody notified is picked up by the periodic full resync, without bumping unchanged nodes', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const node = await registeredNode(pop.id);
    const svc = await fx.service(await fx.organization(), [pool]);
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { edgeNodeIds: [node] }));
    if (!worker) await startWorker();
    const first = await waitFor('the first state', async () => {
      const r = await fleetRow(node);
      return r.applied_generation > 0 && r;
    });
    // Written behind the API's back: no notification.
    await fx.backend(svc.id, '2001:db8::77');
    await queue.add(JobName.ResyncFleet, {});
    const after = await waitFor('the resync to push the change', async () => {
      const r = await fleetRow(node);
      return r.applied_generation > first.applied_generation && r;
    });
    expect(after.generation).toBe(first.generation + 1);
    expect(agent.pushes.filter((p) => p.state.node.id === node).at(-1)!.state.services[0].backends).toHaveLength(2);
    // Nothing changed since: another resync recomputes the node but neither bumps nor pushes.
    const mine = () => agent.pushes.filter((p) => p.state.node.id === node).length;
    const pushesBefore = mine();
    const seq = async () => Number((await ds.query(`SELECT synced_seq FROM edge_node_fleet_states WHERE edge_node_id = $1`, [node]))[0].synced_seq);
    const syncedBefore = await seq();
    await queue.add(JobName.ResyncFleet, {});
    await waitFor('the resync to recompute the node', async () => (await seq()) > syncedBefore && !(await fleetRow(node)).stale);
    expect((await fleetRow(node)).generation).toBe(after.generation);
    expect(mine()).toBe(pushesBefore);
  });

  it('a change whose enqueue was lost is repaired by the sweep', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const node = await registeredNode(pop.id);
    await fx.service(await fx.organization(), [pool]);
    // Mark stale without enqueueing (as if Redis had lost the job).
    await markNodesStale(ds, [node]);
    if (!worker) await startWorker();
    await waitFor('the sweep to sync the node', async () => (await fleetRow(node)).applied_generation > 0);
    expect((await fleetRow(node)).stale).toBe(false);
  });

  it('leaves a service the agent would refuse out of the node state with a reason in its deploy status; the node still gets its other services', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const node = await registeredNode(pop.id); // IPv6 tunnel source only
    const org = await fx.organization();
    const fine = await fx.service(org, [pool]);
    // ipip to an IPv4 backend needs an IPv4 tunnel source, which this node lacks: the agent would
    // refuse the node's whole state (semanticProblems) if this service were published.
    const refused = await fx.service(org, [pool], ['192.0.2.50']);
    await ds.query(`UPDATE services SET encapsulation = 'ipip' WHERE id = $1`, [refused.id]);
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { serviceIds: [fine.id, refused.id] }));
    if (!worker) await startWorker();
    await waitFor('the node to apply its state', async () => (await fleetRow(node)).applied_generation > 0);
    const pushed = signedDesiredStateSchema.parse(agent.pushes.filter((p) => p.state.node.id === node).at(-1)!.state);
    expect(pushed.services.map((s) => s.id)).toEqual([fine.id]);

    const deployment = await loadServiceDeployment(ds, refused.id, true);
    expect(deployment.status).toBe('failed');
    expect(deployment.pops).toEqual([expect.objectContaining({ pop_id: pop.id, status: 'failed' })]);
    expect(deployment.pops[0]?.nodes).toEqual([
      expect.objectContaining({ node_id: node, status: 'failed', reason: `backend ${refused.backendIds[0]} needs an IPv4 tunnel source, but the node has none` }),
    ]);
    // Applied, but no health report yet: not deployed until a backend was verified and passed the node's checks (issue 9 §7).
    expect((await loadServiceDeployment(ds, fine.id, true)).status).toBe('waiting_for_verified_backend');
    // What the agent's status report stores (apps/api agent-status.service.ts).
    const healthy = (serviceId: string) => ds.query(
      `INSERT INTO edge_node_backend_health (edge_node_id, backend_id, service_id, healthy, verification) SELECT $1, b.id, b.service_id, true, 'verified' FROM backends b WHERE b.service_id = $2 ON CONFLICT DO NOTHING`,
      [node, serviceId],
    );
    await healthy(fine.id);
    await healthy(refused.id);
    expect((await loadServiceDeployment(ds, fine.id, true)).status).toBe('deployed');

    // Fixed (the node gets an IPv4 tunnel source): the service is published and the reason is gone.
    await ds.query(`UPDATE edge_nodes SET tunnel_source_ipv4 = '192.0.2.200' WHERE id = $1`, [node]);
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { edgeNodeIds: [node] }));
    const fixed = await waitFor('the refused service to deploy', async () => {
      const d = await loadServiceDeployment(ds, refused.id, true);
      return d.status === 'deployed' && d;
    });
    expect(fixed.pops[0]?.nodes[0]?.reason).toBeNull();
  });
});
