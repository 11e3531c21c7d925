import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@anyfront/db';
import { QueueName, type DesiredState } from '@anyfront/contracts';
import { type AppProcess, FleetFixtures, killProcess, migrateTestDatabase, startWorkerProcesses, stopProcesses, testDatabaseUrl, testRedisUrl, uniqueSuffix, waitFor } from '@anyfront/testing';
import { recordFleetChange } from '@anyfront/db';

/**
 * Agents on 127.0.0.1. While `holding`, a push is received but not answered (it stays in flight);
 * release() answers the held ones and every later push after `delayMs`.
 */
async function slowAgents(count: number, delayMs: number) {
  const last = new Map<number, DesiredState>();
  const servers: Server[] = [];
  const urls: string[] = [];
  const held: (() => void)[] = [];
  let holding = true;
  let received = 0;
  for (let i = 0; i < count; i++) {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received++;
        const state = JSON.parse(body) as DesiredState;
        const answer = () => {
          if (!last.has(i) || last.get(i)!.generation < state.generation) last.set(i, state);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ applied: true, generation: state.generation }));
        };
        if (holding) held.push(answer);
        else setTimeout(answer, delayMs);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/desired-state`);
  }
  return {
    urls,
    last,
    /** Pushes received and not answered yet. */
    inFlight: () => held.length,
    received: () => received,
    release: () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    stop: () => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))),
  };
}

describe('fleet sync survives a worker killed during a burst of changes', () => {
  const prefix = `test-fleet-kill-${uniqueSuffix()}`;
  let ds: DataSource;
  let queue: Queue;
  let fx: FleetFixtures;
  let workers: AppProcess[] = [];
  const env = () => ({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, FLEET_SWEEP_INTERVAL_SECONDS: '1', LOG_LEVEL: 'warn', ALLOW_DOCUMENTATION_ADDRESSES: 'true' });

  beforeAll(async () => {
    await migrateTestDatabase();
    ds = createDataSource(testDatabaseUrl(), { poolSize: 4 });
    await ds.initialize();
    queue = new Queue(QueueName.FleetSync, { connection: { url: testRedisUrl() }, prefix });
    fx = new FleetFixtures(ds);
  });
  afterAll(async () => {
    await stopProcesses(workers);
    await queue.obliterate({ force: true });
    await queue.close();
    await fx.cleanup();
    await ds.destroy();
  });

  it('every agent ends on the newest generation after the worker restarts', async () => {
    const NODES = 12;
    const agents = await slowAgents(NODES, 150);
    try {
      const pops = [await fx.pop(), await fx.pop(), await fx.pop()];
      const pool = await fx.pool(pops.map((p) => p.id));
      const nodes: string[] = [];
      for (let i = 0; i < NODES; i++) {
        const node = await fx.node(pops[i % 3].id);
        await ds.query(`INSERT INTO edge_node_fleet_states (edge_node_id, push_url, registered_at) VALUES ($1, $2, now())`, [node, agents.urls[i]]);
        nodes.push(node);
      }
      const svc = await fx.service(await fx.organization(), [pool], []);
      workers = await startWorkerProcesses(1, env());

      for (let i = 1; i <= 10; i++) {
        await fx.backend(svc.id, `2001:db8::${i.toString(16)}`);
        await ds.transaction((tx) => recordFleetChange(tx, prefix, { serviceIds: [svc.id] }));
        if (i === 4) {
          // The agents hold every push unanswered: kill -9 while pushes are in flight, then keep
          // changing things with no worker; the agents answer from now on (after 150 ms).
          await waitFor('pushes in flight', () => agents.inFlight() > 0, 30_000, 10);
          await killProcess(workers[0]);
          expect(agents.inFlight()).toBeGreaterThan(0);
          expect([...agents.last.keys()]).toEqual([]); // no push was ever answered
          agents.release();
        }
      }
      workers = await startWorkerProcesses(1, env());

      let rows: Array<{ edge_node_id: string; generation: number; applied: number; stale: boolean }> = [];
      await waitFor(() => `convergence: ${JSON.stringify(rows)}\n${workers[0]?.output().slice(-2000)}`, async () => {
        rows = await ds.query(
          `SELECT edge_node_id, generation::int, applied_generation::int AS applied, requested_seq > synced_seq AS stale FROM edge_node_fleet_states WHERE edge_node_id = ANY($1::uuid[])`,
          [nodes],
        );
        return rows.length === NODES && rows.every((r) => !r.stale && r.applied === r.generation);
      }, 90_000, 200);
      // Each agent's newest state carries all ten backends, and its generation is the node's current one.
      for (let i = 0; i < NODES; i++) {
        const [row] = await ds.query(`SELECT generation::int FROM edge_node_fleet_states WHERE edge_node_id = $1`, [nodes[i]]);
        const state = agents.last.get(i)!;
        expect(state.generation).toBe(row.generation);
        expect(state.services[0].backends).toHaveLength(10);
      }
    } finally {
      await agents.stop();
    }
  }, 150_000);
});
