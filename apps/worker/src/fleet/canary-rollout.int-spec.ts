import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { QueueName } from '@anyfront/contracts';
import { createDataSource, fleetNodeViews, loadServiceDeployment, recordFleetChange, setNodeDrained } from '@anyfront/db';
import { type AppProcess, FleetFixtures, freePort, migrateTestDatabase, startTsProcess, stopProcesses, testDatabaseUrl, testRedisUrl, uniqueSuffix, waitFor } from '@anyfront/testing';
import { loadStateSigningKeys } from '@anyfront/state-signing';
import { loadWorkerConfig } from '../config';
import { workerModule } from '../worker.module';

interface AgentStatus { applied_generation: number; services: Array<{ id: string; backends: Array<{ address: string }> }> }

/**
 * Staged rollout (issue 9 §1) with the real worker and three real agents (dry-run data plane) in one
 * PoP: the oldest edge is the PoP's canary. Its agent has room for only two backends (mark_count 2),
 * an edge-local limit the control plane does not know, so a change that adds a third backend fails
 * to apply there (500 "no free fwmark slot"). Its neighbours must stay on the last good state.
 * Negative control (run by hand, see the report of the change): with popCanary() returning null (no
 * canary stage), the neighbours take the third backend and the "stay on the last good state"
 * expectations fail.
 */
describe('staged rollout: a PoP canary takes every change first', () => {
  const prefix = `test-canary-${uniqueSuffix()}`;
  let worker: INestApplicationContext | undefined;
  let ds: DataSource;
  let fx: FleetFixtures;
  let queue: Queue;
  const agents: AppProcess[] = [];
  const running = new Map<string, AppProcess>();
  let dir = '';

  beforeAll(async () => {
    await migrateTestDatabase();
    ds = createDataSource(testDatabaseUrl(), { poolSize: 4 });
    await ds.initialize();
    fx = new FleetFixtures(ds);
    queue = new Queue(QueueName.FleetSync, { connection: { url: testRedisUrl() }, prefix });
    dir = mkdtempSync(join(tmpdir(), 'af-canary-'));
  });
  afterAll(async () => {
    await worker?.close();
    await stopProcesses(agents);
    await queue.obliterate({ force: true });
    await queue.close();
    await fx.cleanup();
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const startWorker = async () => {
    worker ??= await NestFactory.createApplicationContext(
      workerModule(loadWorkerConfig({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: '2', SLOT_RETRY_INTERVAL_SECONDS: '3600', DATABASE_POOL_SIZE: '5', ALLOW_DOCUMENTATION_ADDRESSES: 'true', FLEET_SWEEP_INTERVAL_SECONDS: '1', FLEET_FULL_RESYNC_SECONDS: '86400' })),
      { logger: ['error'] },
    );
  };
  const startAgent = async (node: string, extra: Record<string, unknown>): Promise<string> => {
    const [{ v6 }] = await ds.query(`SELECT host(tunnel_source_ipv6) AS v6 FROM edge_nodes WHERE id = $1`, [node]);
    const port = await freePort();
    const config = join(dir, `${node}.json`);
    writeFileSync(config, JSON.stringify({
      node_id: node, state_dir: join(dir, node), listen: { host: '127.0.0.1', port }, uplink_device: 'lo', tunnel_source_ipv6: v6,
      dry_run: true, allow_documentation_addresses: true, health: { enabled: false }, log_level: 'info',
      state_keys: loadStateSigningKeys(process.env).published.map((k) => k.public_key), ...extra,
    }));
    const a = startTsProcess('apps/edge-agent/src/main.ts', { ANYFRONT_AGENT_CONFIG: config });
    agents.push(a);
    running.set(node, a);
    await waitFor(() => `agent ready:\n${a.output().slice(-2000)}`, () => /agent ready/.test(a.output()), 60_000, 200);
    const url = `http://127.0.0.1:${port}`;
    // Registered with a heartbeat (the API records both; this test runs no API): each can be its PoP's canary.
    await ds.query(`INSERT INTO edge_node_fleet_states (edge_node_id, push_url, registered_at, last_heartbeat_at) VALUES ($1, $2, now(), now())`, [node, `${url}/v1/desired-state`]);
    return url;
  };
  const status = async (url: string) => (await (await fetch(`${url}/v1/status`)).json()) as AgentStatus;
  const row = async (node: string) =>
    (await ds.query(
      `SELECT generation::int, applied_generation::int, applied_at, canary_verified_generation::int AS verified, canary_failed_generation::int AS failed, canary_failed_reason, canary_checked_at
         FROM edge_node_fleet_states WHERE edge_node_id = $1`, [node]))[0];

  it('a change reaches the neighbours only after the canary applied it healthy; a canary whose apply fails halts the rollout, the neighbours stay on the last good state, deploy status and fleet view say why', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const canary = await fx.node(pop.id); // the oldest node: the PoP's canary
    const n2 = await fx.node(pop.id);
    const n3 = await fx.node(pop.id);
    const urls = [await startAgent(canary, { mark_count: 2 }), await startAgent(n2, {}), await startAgent(n3, {})];
    const svc = await fx.service(await fx.organization(), [pool], ['2001:db8::1', '2001:db8::2']);

    await startWorker();
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { serviceIds: [svc.id] }));

    // 1. A good change: every agent runs the service with both backends; the neighbours applied after the canary's verdict.
    const backendsOn = async (url: string) => (await status(url)).services.find((s) => s.id === svc.id)?.backends.length ?? 0;
    await waitFor('every agent to run the service', async () => (await Promise.all(urls.map(backendsOn))).every((n) => n === 2), 60_000, 100);
    const c1 = await row(canary);
    expect(c1.verified).toBe(c1.generation);
    for (const n of [n2, n3]) expect((await row(n)).applied_at.getTime()).toBeGreaterThanOrEqual(c1.canary_checked_at.getTime());
    const good = { [n2]: (await status(urls[1])).applied_generation, [n3]: (await status(urls[2])).applied_generation };

    // 2. A change the canary cannot apply (a third backend: it has room for two).
    await fx.backend(svc.id, '2001:db8::3');
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { serviceIds: [svc.id] }));
    const failed = await waitFor('the canary to fail the change', async () => {
      const r = await row(canary);
      return r.failed > r.verified && r;
    }, 60_000, 100);
    expect(failed.canary_failed_reason).toMatch(/no free fwmark slot/);
    // Time for anything that would leak (neighbour jobs, the 1 s sweep) to happen.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await backendsOn(urls[0])).toBe(2); // the canary's own apply failed: its last good state stays in force
    for (const [i, n] of [[1, n2], [2, n3]] as const) {
      const s = await status(urls[i]);
      expect(s.services.find((x) => x.id === svc.id)?.backends.map((b) => b.address).sort()).toEqual(['2001:db8::1', '2001:db8::2']);
      expect(s.applied_generation).toBe(good[n]);
    }
    const d = await loadServiceDeployment(ds, svc.id, true);
    expect(d.status).toBe('failed');
    expect(d.pops).toHaveLength(1);
    expect(d.pops[0].status).toBe('failed');
    for (const node of d.pops[0].nodes) {
      expect(node.status).toBe('failed');
      expect(node.reason).toMatch(/rollout halted: canary edge .+ failed generation \d+: .*no free fwmark slot.*; the PoP's other edges stay on the last good state/);
    }
    const views = await fleetNodeViews(ds, [canary, n2, n3]);
    expect(views.map((v) => [v.canary, v.canary_failed_reason !== null, v.held_services])).toEqual([[true, true, 0], [false, false, 1], [false, false, 1]]);

    // 3. The tenant takes the change back: the canary applies the old content healthy, nothing stays held.
    await ds.query(`DELETE FROM backends WHERE service_id = $1 AND address = '2001:db8::3'`, [svc.id]);
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { serviceIds: [svc.id] }));
    await waitFor('the rollout to resume', async () => {
      const r = await row(canary);
      const views = await fleetNodeViews(ds, [canary, n2, n3]);
      return r.verified >= r.generation && r.failed === null && views.every((v) => v.held_services === 0);
    }, 60_000, 100);
    expect((await loadServiceDeployment(ds, svc.id, true)).pops[0].status).not.toBe('failed');
    // This PoP's agents are done: stopped, with their nodes out of the sweep's way.
    await stopProcesses([canary, n2, n3].map((n) => running.get(n)!));
    await ds.query(`UPDATE edge_nodes SET state = 'disabled' WHERE id = ANY($1::uuid[])`, [[canary, n2, n3]]);
  });

  /**
   * The sweep's "unjudged canary" repair (fleet-state.repository.ts staleNodes, commit 436db14). The
   * canary dies after a rollout; the next-oldest edge becomes the PoP's canary holding a generation it
   * applied as a neighbour, which no verdict covers. A change that only the third edge needs (an
   * operator drains it) waits for that canary (waitsForCanary), and nothing else pushes the new canary:
   * its state did not change. The sweep pushes it again for a verdict, which releases the third edge.
   * Negative control (run by hand, see the commit): without the sweep's clause the drain never reaches
   * the third edge (the wait below times out; its job keeps answering waiting_for_canary).
   */
  it('a node that becomes canary holding a generation it never judged is pushed again for a verdict, so its neighbours get their changes', async () => {
    const pop = await fx.pop();
    const pool = await fx.pool([pop.id]);
    const first = await fx.node(pop.id); // the canary until it dies
    const next = await fx.node(pop.id); // the canary after it
    const third = await fx.node(pop.id);
    const urls = [await startAgent(first, {}), await startAgent(next, {}), await startAgent(third, {})];
    const svc = await fx.service(await fx.organization(), [pool], ['2001:db8::1']);
    await startWorker();
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { serviceIds: [svc.id] }));
    const runs = async (url: string) => (await status(url)).services.some((s) => s.id === svc.id);
    const confirmed = async (node: string) => {
      const r = await row(node);
      return r.generation > 0 && r.applied_generation === r.generation;
    };
    await waitFor('every agent to run the service, confirmed', async () => (await Promise.all([...urls.map(runs), ...[first, next, third].map(confirmed)])).every(Boolean), 60_000, 100);
    const before = await row(next);
    expect([before.verified, before.applied_generation]).toEqual([0, before.generation]); // applied as a neighbour: no verdict

    // The canary dies: its agent stops and its heartbeat ages out; `next` is the PoP's canary now.
    await stopProcesses([running.get(first)!]);
    await ds.query(`UPDATE edge_node_fleet_states SET last_heartbeat_at = now() - interval '1 hour' WHERE edge_node_id = $1`, [first]);
    expect((await fleetNodeViews(ds, [first, next, third])).map((v) => v.canary)).toEqual([false, true, false]);

    // A change for the third edge only.
    await ds.transaction(async (tx) => {
      await setNodeDrained(tx, third, true);
      await recordFleetChange(tx, prefix, { edgeNodeIds: [third] });
    });
    await waitFor('the drain to reach the third edge', async () => ((await (await fetch(`${urls[2]}/v1/status`)).json()) as { drained: boolean }).drained, 30_000, 200);
    const judged = await row(next);
    expect(judged.verified).toBe(judged.generation);
    expect(judged.generation).toBe(before.generation); // its state did not change: the sweep pushed the same generation again for a verdict
  });

  /**
   * Pool announcements are staged too (canaryPoolGate, libs/domain/src/fleet/canary.ts). The canary's
   * agent may announce only the first pool (allowed_prefixes), as an edge whose list was not updated
   * for a new pool: it refuses a state naming the second one (422). Its neighbour must not announce
   * that pool. Negative control (run by hand, see the commit): with the pool gate passing every
   * planned pool, the neighbour announces the refused pool and the "held" expectations fail.
   */
  it('a pool added to the PoP reaches the neighbours only once the canary announced it healthy; a pool the canary refuses stays off them', async () => {
    const pop = await fx.pop();
    const good = await fx.pool([]); // on no PoP yet
    const bad = await fx.pool([]);
    const canary = await fx.node(pop.id);
    const neighbour = await fx.node(pop.id);
    await startAgent(canary, { allowed_prefixes: [good.prefix] });
    await startAgent(neighbour, {});
    await startWorker();
    const addToPop = async (pool: { id: string }) => {
      await ds.query(`INSERT INTO pool_pops (pool_id, pop_id) VALUES ($1, $2)`, [pool.id, pop.id]);
      await ds.transaction((tx) => recordFleetChange(tx, prefix, { poolIds: [pool.id] }));
    };
    const pools = async (node: string) =>
      (await ds.query(
        `SELECT ARRAY(SELECT p->>'id' FROM jsonb_array_elements(desired_state->'pools') p) AS ids, held_pools::text[] AS held, generation::int, applied_generation::int AS applied
           FROM edge_node_fleet_states WHERE edge_node_id = $1`, [node]))[0] as { ids: string[]; held: string[]; generation: number; applied: number };

    // 1. A pool the canary carries: both edges announce it, the neighbour only after the canary's verdict.
    await addToPop(good);
    await waitFor('both edges to run a state announcing the pool', async () => {
      const all = await Promise.all([canary, neighbour].map(pools));
      return all.every((p) => p.ids.includes(good.id) && p.applied === p.generation);
    }, 60_000, 100);
    const c = await row(canary);
    expect(c.verified).toBe(c.generation);
    expect((await row(neighbour)).applied_at.getTime()).toBeGreaterThanOrEqual(c.canary_checked_at.getTime());

    // 2. A pool the canary refuses (with a service that lives only in it): the rollout halts, the
    // neighbour keeps announcing only what was proven and says the service waits.
    const svc = await fx.service(await fx.organization(), [bad], ['2001:db8::1']);
    await addToPop(bad);
    const failed = await waitFor('the canary to fail the pool', async () => {
      const r = await row(canary);
      return r.failed > r.verified && r;
    }, 60_000, 100);
    expect(failed.canary_failed_reason).toMatch(/outside this edge's allowed_prefixes/);
    await new Promise((r) => setTimeout(r, 3000)); // time for anything that would leak (release, the 1 s sweep)
    const n = await pools(neighbour);
    expect(n.ids).toEqual([good.id]);
    expect(n.held).toEqual([bad.id]);
    expect(n.applied).toBe(n.generation);
    expect((await fleetNodeViews(ds, [neighbour]))[0].held_services).toBe(1);
    const d = await loadServiceDeployment(ds, svc.id, true);
    expect(d.pops.map((p) => p.status)).toEqual(['failed']);
    for (const node of d.pops[0].nodes) expect(node.reason).toMatch(/rollout halted: canary edge .+ failed generation \d+: .*allowed_prefixes/);

    // 3. The operator takes the pool back off the PoP: nothing stays held.
    await ds.query(`DELETE FROM pool_pops WHERE pool_id = $1`, [bad.id]);
    await ds.transaction((tx) => recordFleetChange(tx, prefix, { poolIds: [bad.id] }));
    await waitFor('the rollout to resume', async () => {
      const r = await row(canary);
      return r.verified >= r.generation && (await pools(neighbour)).held.length === 0;
    }, 60_000, 100);
  });
});
