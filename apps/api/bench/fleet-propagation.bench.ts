// Propagation latency: from a tenant's API write (POST /v1/services/{id}/backends) until every edge
// agent has applied the new desired state, through the real API process, Redis, the real worker
// process (FleetSyncJob) and the agents' push endpoints. "Applied" is the moment the worker got
// the agent's 200 for the new generation (edge_node_fleet_states.applied_at).
//   node -r ./scripts/register.js apps/api/bench/fleet-propagation.bench.ts
// Settings: BENCH_AGENTS (default 50), BENCH_POPS (default 5), BENCH_CHANGES (default 30),
// BENCH_AGENTS_MODE=fake (default: in-process HTTP agents that validate the state against the
// contract) or real (apps/edge-agent processes with a dry-run data plane, health checks off),
// DATABASE_URL (server for the scratch database), REDIS_URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signedDesiredStateSchema } from '@anyfront/contracts';
import { loadStateSigningKeys } from '@anyfront/state-signing';
import { ok } from '@anyfront/api-client';
import { waitFor } from '@anyfront/testing';
import { quantile, ROOT, seedFleet, startStack } from './fleet-bench-support';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const POPS = Number(process.env.BENCH_POPS ?? 5);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 30);
const MODE = process.env.BENCH_AGENTS_MODE ?? 'fake';
const PUSH_TOKEN = 'bench-push-token-0123456789';

interface RunningAgent {
  url: string;
  stop: () => Promise<void>;
}

async function fakeAgent(nodeId: string): Promise<RunningAgent> {
  let applied = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = signedDesiredStateSchema.safeParse(JSON.parse(body));
      if (!req.headers['anyfront-push-signature'] || !parsed.success || parsed.data.node.id !== nodeId) {
        res.writeHead(422).end('{}');
        return;
      }
      const fresh = parsed.data.generation > applied;
      applied = Math.max(applied, parsed.data.generation);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ applied: fresh, generation: parsed.data.generation }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/desired-state`, stop: () => new Promise((r) => server.close(() => r())) };
}

async function realAgent(nodeId: string, dir: string): Promise<RunningAgent> {
  const config = join(dir, `${nodeId}.json`);
  writeFileSync(config, JSON.stringify({
    node_id: nodeId,
    state_dir: join(dir, nodeId),
    listen: { host: '127.0.0.1', port: 0 },
    push_token: PUSH_TOKEN,
    // The control plane's keys (the bench's API and worker load the same key file).
    state_keys: loadStateSigningKeys(process.env, ROOT).published.map((k) => k.public_key),
    uplink_device: 'lo',
    dry_run: true,
    health: { enabled: false },
    log_level: 'info',
  }));
  const child: ChildProcess = spawn(process.execPath, ['-r', './scripts/register.js', 'apps/edge-agent/src/main.ts', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent ${nodeId} not ready:\n${out.slice(-2000)}`)), 180_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)[^\n]*"msg":"agent ready"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
      if (out.length > 100_000) out = out.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`agent ${nodeId} exited with ${code}:\n${out.slice(-2000)}`)));
  });
  child.stdout!.resume();
  return {
    url: `http://127.0.0.1:${port}/v1/desired-state`,
    stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGTERM')))),
  };
}

async function main(): Promise<void> {
  const stack = await startStack();
  const dir = mkdtempSync(join(tmpdir(), 'anyfront-bench-agents-'));
  const agents: RunningAgent[] = [];
  try {
    const { nodeIds, serviceId } = await seedFleet(stack.db, stack.organizationId, { pops: POPS, nodes: AGENTS });
    const started = performance.now();
    for (let i = 0; i < nodeIds.length; i += 10) {
      agents.push(...(await Promise.all(nodeIds.slice(i, i + 10).map((id) => (MODE === 'real' ? realAgent(id, dir) : fakeAgent(id))))));
    }
    console.log(`${AGENTS} ${MODE} agents in ${POPS} PoPs up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    for (let i = 0; i < nodeIds.length; i++) {
      await stack.db.query(
        `INSERT INTO edge_node_fleet_states (edge_node_id, push_url, registered_at, requested_seq) VALUES ($1, $2, now(), nextval('fleet_change_seq'))`,
        [nodeIds[i], agents[i].url],
      );
    }
    const waitAll = (targets: Map<string, number>, timeoutMs = 120_000) => {
      let behind = nodeIds.length;
      return waitFor(() => `every agent to converge (${behind} behind)`, async () => {
        const { rows } = await stack.db.query(`SELECT edge_node_id, applied_generation::int AS g, applied_at FROM edge_node_fleet_states WHERE edge_node_id = ANY($1::uuid[])`, [nodeIds]);
        behind = rows.filter((r) => r.g < (targets.get(r.edge_node_id) ?? 1)).length;
        return behind === 0 && (rows as Array<{ edge_node_id: string; g: number; applied_at: Date }>);
      }, timeoutMs, 10);
    };
    await waitAll(new Map()); // initial state everywhere (via the sweep)

    const writeMs: number[] = [];
    const allMs: number[] = [];
    const perAgentMs: number[] = [];
    for (let c = 0; c < CHANGES; c++) {
      const { rows } = await stack.db.query(`SELECT edge_node_id, generation::int AS g FROM edge_node_fleet_states WHERE edge_node_id = ANY($1::uuid[])`, [nodeIds]);
      const targets = new Map(rows.map((r) => [r.edge_node_id as string, (r.g as number) + 1]));
      const t0 = Date.now();
      const w0 = performance.now();
      await ok(stack.tenant.POST('/v1/services/{id}/backends', { params: { path: { id: serviceId } }, body: { address: `2a0e:1234:5600::${(c + 2).toString(16)}` } }));
      writeMs.push(performance.now() - w0);
      const done = await waitAll(targets);
      const lat = done.map((r) => r.applied_at.getTime() - t0);
      perAgentMs.push(...lat);
      allMs.push(Math.max(...lat));
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = (xs: number[]) => xs.slice().sort((a, b) => a - b);
    const [w, a, p] = [s(writeMs), s(allMs), s(perAgentMs)];
    console.log(`propagation over ${CHANGES} changes, ${AGENTS} ${MODE} agents (API write -> agent answered 200 for the new generation)`);
    console.log('measure                               p50 ms   p99 ms   max ms   p50 vs API write');
    const line = (name: string, xs: number[]) =>
      console.log(`${name.padEnd(36)}${quantile(xs, 0.5).toFixed(1).padStart(8)}${quantile(xs, 0.99).toFixed(1).padStart(9)}${xs[xs.length - 1].toFixed(1).padStart(9)}${(quantile(xs, 0.5) / quantile(w, 0.5)).toFixed(2).padStart(14)}x`);
    line('API write (POST backend, baseline)', w);
    line('one agent applied', p);
    line(`every agent applied (${AGENTS})`, a);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
