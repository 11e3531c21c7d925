/**
 * First install of 256 services on an edge (issue 9 §8): the agent's whole apply of a desired state
 * on an empty node, split into where the time goes: nft (inventory + the `nft -f` transaction),
 * routes (inventory + `ip -batch` runs), BIRD (config check + write + `birdc configure` + enable),
 * the state file, and the agent's own work (plan, Maglev buckets, rendering: the rest). 4 backends
 * per service (SRv6), M = 509, two listeners, an IPv4 and an IPv6 address each, as in
 * nft-apply.bench.ts. Each run in a fresh network namespace with a real BIRD; median of BENCH_REPEAT.
 *   node -r ./scripts/register.js apps/edge-agent/bench/first-install.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNamespace, deleteNamespace } from '@anyfront/lab';
import { desiredStateSchema, type DesiredState } from '@anyfront/contracts';
import { renderBirdConfig } from '@anyfront/dataplane';
import { maglevTableSize } from '@anyfront/maglev';
import { ProcessExecutor } from '../src/io/exec';
import { NftClient } from '../src/io/nft-client';
import { RouteClient } from '../src/io/route-client';
import { BirdClient } from '../src/io/bird-client';
import { StateStore } from '../src/io/state-store';
import { Reconciler } from '../src/reconciler';

const NS = 'afd-first';
const N = Number(process.env.BENCH_SERVICES ?? 256);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const BACKENDS = 4;

const need = ['nft', 'ip', 'bird', 'birdc'];
if (process.getuid?.() !== 0 || need.some((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0)) {
  console.log(`first-install benchmark skipped: needs root and ${need.join(', ')}`);
  process.exit(0);
}

function state(n: number): DesiredState {
  const services = Array.from({ length: n }, (_, i) => ({
    id: `svc-${i}`,
    // BENCH_V6_ONLY=1: IPv6 addresses only (no IPv4 routes; see BENCHMARKS.md for why).
    addresses: [{ address: `198.51.100.${i % 256}`, family: 4 }, { address: `fd00:aa::${i.toString(16)}`, family: 6 }].filter((a) => !process.env.BENCH_V6_ONLY || a.family === 6),
    listeners: [{ protocol: 'tcp', port_from: 443, port_to: 443 }, { protocol: 'udp', port_from: 4000, port_to: 4010 }],
    hash_mode: 'five_tuple', encapsulation: 'srv6', maglev_table_size: maglevTableSize(BACKENDS),
    backends: Array.from({ length: BACKENDS }, (_, k) => ({ id: `b${k}`, address: `fd00:b:${i.toString(16)}::${k + 1}`, weight: 1, enabled: true })),
    health_check: { protocol: 'tcp', port: 443, interval_seconds: 5, timeout_seconds: 1, healthy_threshold: 2, unhealthy_threshold: 2 },
  }));
  return desiredStateSchema.parse({
    version: 1, generation: 1, node: { id: 'bench', pop: 'lab', tunnel_source_ipv6: 'fd00:1::1' }, hash_seed: 42,
    pools: [{ id: 'p4', prefix: '198.51.100.0/24', family: 4 }, { id: 'p6', prefix: 'fd00:aa::/64', family: 6 }], services,
  });
}

type Phase = 'nft' | 'routes' | 'bird' | 'store';
/** Time per method, e.g. nft.inventory, nft.apply, routes.applyAdds. */
const detail: Record<string, number> = {};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Wraps every method of `obj` so its time adds to `phase`. */
function timed<T extends object>(obj: T, phase: Phase, acc: Record<Phase, number>): T {
  return new Proxy(obj, {
    get(target, key, recv) {
      const v = Reflect.get(target, key, recv) as unknown;
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        const t0 = process.hrtime.bigint();
        try { return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args); } finally {
          const d = ms(t0);
          acc[phase] += d;
          const k = `${phase}.${String(key)}`;
          detail[k] = (detail[k] ?? 0) + d;
        }
      };
    },
  });
}

/** One first install (inside the namespace): prints one JSON line. */
async function once(): Promise<void> {
  const exec = new ProcessExecutor();
  const sh = (cmd: string) => { const r = spawnSync('sh', ['-c', cmd]); if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr.toString()}`); };
  sh('ip link add up0 type veth peer name up1 && ip link set up1 up && ip link set up0 up && ip -6 addr add fd00:1::1/64 dev up0 nodad && ip -6 route add default via fd00:1::2 dev up0 onlink');
  const dir = mkdtempSync(join(tmpdir(), 'afd-first-'));
  const bird = new BirdClient(exec, { configPath: join(dir, 'bird.conf'), controlSocket: join(dir, 'bird.ctl'), binary: 'bird', birdc: 'birdc' });
  const birdOpts = { routerId: '192.0.2.1', localAs: 65001, neighbors: [], bfd: false, holdTime: 9, keepaliveTime: 3 };
  await bird.writeConfig(renderBirdConfig({ ...birdOpts, pools: [], announce: false }));
  await bird.spawn();
  const acc: Record<Phase, number> = { nft: 0, routes: 0, bird: 0, store: 0 };
  const r = new Reconciler(
    timed(new NftClient(exec, 'afdfirst'), 'nft', acc),
    timed(new RouteClient(exec, { base: 0x100000, count: 10000, rulePriority: 1000 }, 'aft'), 'routes', acc),
    timed(bird, 'bird', acc),
    timed(new StateStore(join(dir, 'state')), 'store', acc),
    {
      nodeId: 'bench', plan: { table: 'afdfirst', flowTimeoutSeconds: 300, flowTableSize: 65536, probePortBase: 10000 }, markBase: 0x100000, markCount: 10000,
      uplink: 'up0', rulePriority: 1000, devicePrefix: 'aft', sources: { ipv6: 'fd00:1::1' }, bird: birdOpts, dryRun: false,
    },
    { info: () => undefined, warn: () => undefined, error: (o) => console.error(JSON.stringify(o)) },
  );
  const s = state(N);
  const t0 = process.hrtime.bigint();
  const out = await r.submit(s);
  const total = ms(t0);
  await bird.stop();
  rmSync(dir, { recursive: true, force: true });
  if (out.status !== 200) throw new Error(`apply failed: ${JSON.stringify(out)}`);
  console.log(JSON.stringify({ total, ...acc, agent: total - acc.nft - acc.routes - acc.bird - acc.store, ...detail }));
}

async function main(): Promise<void> {
  const runs: Array<Record<string, number>> = [];
  for (let i = 0; i < REPEAT; i++) {
    await deleteNamespace(NS);
    await createNamespace(NS);
    const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, ...process.execArgv, __filename], { env: { ...process.env, AFD_BENCH_IN_NS: '1' } });
    await deleteNamespace(NS);
    if (r.status !== 0) throw new Error(`run ${i} failed: ${r.stderr.toString()}${r.stdout.toString()}`);
    runs.push(JSON.parse(r.stdout.toString().trim().split('\n').at(-1) ?? '{}') as Record<string, number>);
  }
  const median = (k: string) => [...runs.map((x) => x[k] ?? 0)].sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? 0;
  const total = median('total');
  console.log(`first install of ${N} services (${BACKENDS} SRv6 backends each, M=${maglevTableSize(BACKENDS)}), median of ${REPEAT} fresh namespaces:`);
  for (const k of Object.keys(runs[0] ?? {})) console.log(`${k.padEnd(8)} ${median(k).toFixed(1).padStart(8)} ms ${((median(k) / total) * 100).toFixed(0).padStart(4)} %`);
  console.log(`runs: ${JSON.stringify(runs.map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, Math.round(v)]))))}`);
}

(process.env.AFD_BENCH_IN_NS ? once() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
