// Propagation latency on a fleet registered the production way: from a tenant's API write
// (PATCH /v1/services/{id}/backends/{id}) until every edge agent has applied it, through the real
// API process, Redis, the real worker process and the agents' push endpoints. The fleet is
// BENCH_AGENTS real agent processes with a dry-run data plane (each on its own loopback port, one
// bootstrap token each, control-plane sync on) plus, as root with ip/nft/bird, the two lab edges
// doing real kernel applies (nft transaction, routes, BIRD) in network namespaces.
// "Applied" = edge_node_fleet_states.applied_at (the worker got the agent's 200 for the new
// generation, which an agent answers after its apply). Baseline: the API write itself.
//   node -r ./scripts/register.js apps/worker/bench/fleet-lab-propagation.bench.ts
// Settings: BENCH_AGENTS (default 50), BENCH_CHANGES (default 30), BENCH_LAB=0 (no lab edges),
// DATABASE_URL (server for the scratch database, default postgres://postgres@127.0.0.1:5432/anyfront_bench), REDIS_URL.
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/anyfront_bench';
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ok } from '@anyfront/api-client';
import { backends, LAB_ROUTED_PREFIXES, labPrerequisites, prepareLabBackends, reachableAddresses, run, startControlPlaneLab, startPlatform, stopControlPlaneLab, type Platform } from '@anyfront/lab';
import { freePort, sleep, WaitAborted, waitFor } from '@anyfront/testing';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 30);
const REPO = join(__dirname, '../../..');

const has = (bin: string): boolean => { try { execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }); return true; } catch { return false; } };
const q = (xs: number[], f: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(f * s.length))]; };

interface DryAgent { nodeId: string; url: string; child: ChildProcess }
const usedPorts = new Set<number>();

/** One dry-run agent: edge node via the operator API, registration with a bootstrap token, own loopback port. */
async function dryAgent(p: Platform, popId: string, i: number, dir: string): Promise<DryAgent> {
  const node = await ok(p.operator.POST('/v1/admin/edge-nodes', { body: { pop_id: popId, name: `bench-dry-${i}`, tunnel_source_ipv6: `fd00:be::${(i + 1).toString(16)}` } }));
  const { token } = await ok(p.operator.POST('/v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens', { params: { path: { id: node.id } } }));
  // Five agents start at once: freePort() may hand two of them the same port before either listens.
  let port = await freePort();
  while (usedPorts.has(port)) port = await freePort();
  usedPorts.add(port);
  const stateDir = join(dir, `a${i}`);
  const pushToken = randomBytes(16).toString('hex');
  const pushUrl = `http://127.0.0.1:${port}/v1/desired-state`;
  // The agent's own register command, as an operator runs it on a new edge node.
  await run(process.execPath, ['-r', join(REPO, 'scripts/register.js'), join(REPO, 'apps/edge-agent/src/control-plane/register-cli.ts'), 'register',
    '--api', p.apiUrl, '--state-dir', stateDir, '--bootstrap-token', token, '--push-url', pushUrl, '--push-token', pushToken], { timeoutMs: 60_000 });
  const config = join(dir, `a${i}.json`);
  writeFileSync(config, JSON.stringify({
    node_id: node.id, state_dir: stateDir, listen: { host: '127.0.0.1', port }, push_token: pushToken, uplink_device: 'lo',
    // The lab backends' fd00:: addresses: an edge accepts unique-local backends only when told (lab and demo).
    dry_run: true, health: { enabled: false }, log_level: 'warn', allow_documentation_addresses: true,
    control_plane: { url: p.apiUrl, credential_file: join(stateDir, 'credential'), push_url: pushUrl, pull_interval_seconds: 3600, status_interval_seconds: 30, traffic_interval_seconds: 3600 },
  }));
  const fd = openSync(join(dir, `a${i}.log`), 'a');
  // A small heap: 50 of these share the machine.
  const child = spawn(process.execPath, ['--max-old-space-size=96', '-r', './scripts/register.js', 'apps/edge-agent/src/main.ts', '--config', config], { cwd: REPO, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return { nodeId: node.id, url: `http://127.0.0.1:${port}`, child };
}

function waitUp(a: DryAgent): Promise<boolean> {
  return waitFor(`agent ${a.nodeId} to answer`, async () => {
    if (a.child.exitCode !== null) throw new WaitAborted(`agent ${a.nodeId} exited with ${a.child.exitCode}`);
    return (await fetch(`${a.url}/v1/status`)).ok;
  }, 180_000, 200);
}

async function main(): Promise<void> {
  const labWhy = process.env.BENCH_LAB === '0' ? 'BENCH_LAB=0' : labPrerequisites(has);
  const p = await startPlatform({ tag: 'bench_prop' });
  const dir = mkdtempSync(join(tmpdir(), 'anyfront-bench-fleet-'));
  const agents: DryAgent[] = [];
  let lab = false;
  try {
    const op = p.operator;
    const pop = async (code: string) => (await ok(op.POST('/v1/admin/pops', { body: { code, name: code, region: 'lab' } }))).id;
    const [lab1, lab2, lab3] = [await pop('lab1'), await pop('lab2'), await pop('lab3')];
    await ok(op.POST('/v1/admin/pools', { body: { prefix: LAB_ROUTED_PREFIXES[0], scope: 'global', pop_ids: [lab1, lab2] } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: '198.51.100.0/24', scope: 'global', pop_ids: [lab3] } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: LAB_ROUTED_PREFIXES[1], scope: 'global', pop_ids: [lab1, lab2] } }));

    const started = performance.now();
    // Staggered: registration is cheap, process start-up (TypeScript via SWC) is what the 2 cores feel.
    for (let i = 0; i < AGENTS; i += 5) {
      const batch = await Promise.all(Array.from({ length: Math.min(5, AGENTS - i) }, (_, k) => dryAgent(p, k % 2 ? lab2 : lab1, i + k, dir)));
      agents.push(...batch);
      await Promise.all(batch.map(waitUp));
    }
    console.log(`${AGENTS} dry-run agents registered and up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const labNodes: string[] = [];
    if (!labWhy) {
      const l = await startControlPlaneLab({ apiUrl: p.apiUrl, operator: op, popCodes: { edge1: 'lab1', edge2: 'lab2' }, pullIntervalSeconds: 3600, statusIntervalSeconds: 30, trafficIntervalSeconds: 3600 });
      lab = true;
      labNodes.push(...l.edges.map((e) => e.nodeId));
      console.log('lab edges (real kernel applies) registered');
    } else {
      console.log(`lab edges skipped: ${labWhy}`);
    }

    const tenant = (await p.tenant()).api;
    const svc = await ok(tenant.POST('/v1/services', { body: { name: 'bench', listeners: [{ protocol: 'tcp', ports: '80' }] } }));
    const s = await waitFor('the bench service to be active', async () => {
      const r = await ok(tenant.GET('/v1/services/{id}', { params: { path: { id: svc.id } } }));
      return r.status === 'active' && r;
    }, 120_000, 200);
    if (lab) await prepareLabBackends(reachableAddresses(s.addresses));
    const backendIds: string[] = [];
    for (const b of backends) backendIds.push((await ok(tenant.POST('/v1/services/{id}/backends', { params: { path: { id: svc.id } }, body: { address: b.link.peerV6 } }))).id);

    const allNodes = [...agents.map((a) => a.nodeId), ...labNodes];
    type Row = { edge_node_id: string; g: number; ag: number; applied_at: Date | null; computed_at: Date | null; pending: boolean; canary_checked_at: Date | null; held: boolean };
    const rows = async (): Promise<Row[]> => (await p.db.query(
      `SELECT edge_node_id, generation::int AS g, applied_generation::int AS ag, applied_at, computed_at, requested_seq > synced_seq AS pending, canary_checked_at,
              EXISTS (SELECT 1 FROM edge_node_service_holds h WHERE h.edge_node_id = f.edge_node_id) AS held
         FROM edge_node_fleet_states f WHERE edge_node_id = ANY($1::uuid[])`, [allNodes])).rows;
    const settled = (): Promise<Row[]> => waitFor(`the fleet (${allNodes.length} agents) to settle`, async () => {
      const r = await rows();
      return r.length === allNodes.length && r.every((x) => !x.pending && !x.held && x.ag === x.g && x.g > 0) && r;
    }, 180_000, 20);
    await settled();

    // Staged rollout (issue 9 §1): each PoP's oldest edge is its canary. Two phases in this run: with
    // the canary stage (the default), then without (fleet_settings.canary_stage off), same changes.
    const [{ canary_stage: stageOn }] = (await p.db.query('SELECT canary_stage FROM fleet_settings WHERE id = 1')).rows;
    if (!stageOn) throw new Error('fleet_settings.canary_stage is off at start');
    const phase = async (canaryStage: boolean) => {
    await p.db.query('UPDATE fleet_settings SET canary_stage = $1 WHERE id = 1', [canaryStage]);
    const write: number[] = [];
    const every: number[] = [];
    const computed: number[] = [];
    const dryEach: number[] = [];
    const labEach: number[] = [];
    const canaries: number[] = [];
    const labSet = new Set(labNodes);
    for (let c = 0; c < CHANGES; c++) {
      const before = new Map((await settled()).map((r) => [r.edge_node_id, r.g]));
      const t0 = Date.now();
      const w0 = performance.now();
      await ok(tenant.PATCH('/v1/services/{id}/backends/{backend_id}', { params: { path: { id: svc.id, backend_id: backendIds[0] } }, body: { weight: 50 + (c % 2) * 50 } }));
      write.push(performance.now() - w0);
      const done = await waitFor(`change ${c} to reach every agent`, async () => {
        const r = await rows();
        return r.every((x) => x.ag > (before.get(x.edge_node_id) ?? 0) && x.applied_at) && r;
      }, 120_000, 5);
      const lat = done.map((r) => ({ id: r.edge_node_id, ms: r.applied_at!.getTime() - t0 }));
      every.push(Math.max(...lat.map((x) => x.ms)));
      for (const x of lat) (labSet.has(x.id) ? labEach : dryEach).push(x.ms);
      for (const r of done) if (r.computed_at) computed.push(r.computed_at.getTime() - t0);
      for (const r of done) if (canaryStage && r.canary_checked_at && r.canary_checked_at.getTime() >= t0) canaries.push(r.canary_checked_at.getTime() - t0);
      await sleep(150);
    }
    return { write, every, computed, dryEach, labEach, canaries };
    };
    const on = await phase(true);
    const off = await phase(false);
    await p.db.query('UPDATE fleet_settings SET canary_stage = true WHERE id = 1');
    for (const [name, r] of [['with the canary stage', on], ['without the canary stage', off]] as const) {
    const { write, every, computed, dryEach, labEach, canaries } = r;
    const base = q(write, 0.5);
    const line = (name: string, xs: number[]) => console.log(`${name.padEnd(44)}${q(xs, 0.5).toFixed(1).padStart(8)}${q(xs, 0.99).toFixed(1).padStart(9)}${Math.max(...xs).toFixed(1).padStart(9)}${(q(xs, 0.5) / base).toFixed(2).padStart(12)}x`);
    console.log(`\npropagation ${name} over ${CHANGES} changes to ${allNodes.length} registered agents (${AGENTS} dry-run${lab ? ' + 2 lab edges with real kernel applies' : ''})`);
    console.log(`${'measure'.padEnd(44)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'p50 vs write'.padStart(13)}`);
    line('API write (PATCH backend weight, baseline)', write);
    line('worker computed a node\'s new state', computed);
    if (dryEach.length) line('one dry-run agent applied', dryEach);
    if (labEach.length) line('one lab edge applied (nft + routes + BIRD)', labEach);
    if (canaries.length) line('a PoP canary gave its verdict', canaries);
    line(`every agent applied (${allNodes.length})`, every);
    if (labEach.length && dryEach.length) console.log(`lab edge vs dry-run agent p50: ${(q(labEach, 0.5) / q(dryEach, 0.5)).toFixed(2)}x`);
    }
    const ratio = (f: number) => `p${f * 100}: ${(q(on.every, f) - q(off.every, f)).toFixed(1)} ms (${(q(on.every, f) / q(off.every, f)).toFixed(2)}x)`;
    console.log(`\ncanary stage cost on "every agent applied": ${ratio(0.5)}, ${ratio(0.99)}`);
    console.log(`load average during the run: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
  } finally {
    await Promise.all(agents.map((a) => new Promise<void>((r) => (a.child.exitCode !== null ? r() : (a.child.once('exit', () => r()), a.child.kill('SIGTERM'))))));
    if (lab) await stopControlPlaneLab();
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
