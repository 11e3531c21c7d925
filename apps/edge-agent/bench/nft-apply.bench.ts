/**
 * nft apply time of the agent's renderer for 1, 16 and 256 services (4 backends each, M = 509):
 * first install, and a one-service change applied incrementally (inventory + render + one
 * `nft -f` transaction that touches only that service) against the baseline of a full rebuild of
 * the same ruleset (delete table + install everything, which also loses the flow maps).
 * Runs in a fresh network namespace of its own (afd-bench); needs root and nft.
 *
 *   node -r ./scripts/register.js apps/edge-agent/bench/nft-apply.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { createNamespace, deleteNamespace } from '@anyfront/lab';
import { desiredStateSchema, DesiredState } from '@anyfront/contracts';
import { allocateMarks, buildPlan, emptyAllocation, EMPTY_INVENTORY, renderFullRebuild, renderNftChange, summarize, wantedMarkKeys, DataplanePlan, MarkAllocation } from '@anyfront/dataplane';
import { maglevTableSize } from '@anyfront/maglev';
import { ProcessExecutor } from '../src/io/exec';
import { NftClient } from '../src/io/nft-client';

const NS = 'afd-bench';
const SIZES = [1, 16, 256];
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const BACKENDS = 4;

if (process.getuid?.() !== 0 || spawnSync('nft', ['--version']).status !== 0) {
  console.log('nft apply benchmark skipped: needs root and nft (apt-get install nftables)');
  process.exit(0);
}

/** Re-runs this script inside a fresh namespace so the host's ruleset is never touched. */
async function inOwnNamespace(): Promise<void> {
  await deleteNamespace(NS);
  await createNamespace(NS);
  const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, ...process.execArgv, __filename], { stdio: 'inherit', env: { ...process.env, AFD_BENCH_IN_NS: '1' } });
  await deleteNamespace(NS);
  process.exit(r.status ?? 1);
}

function state(n: number, disabledInFirst: boolean): DesiredState {
  const services = Array.from({ length: n }, (_, i) => ({
    id: `svc-${i}`,
    addresses: [{ address: `198.51.100.${i % 256}`, family: 4 }, { address: `fd00:aa::${i.toString(16)}`, family: 6 }].filter((_, k) => i < 256 || k === 1),
    listeners: [{ protocol: 'tcp', port_from: 443, port_to: 443 }, { protocol: 'udp', port_from: 4000, port_to: 4010 }],
    hash_mode: 'five_tuple', encapsulation: 'srv6', maglev_table_size: maglevTableSize(BACKENDS),
    backends: Array.from({ length: BACKENDS }, (_, k) => ({ id: `b${k}`, address: `fd00:b:${i.toString(16)}::${k + 1}`, weight: 1, enabled: !(disabledInFirst && i === 0 && k === 0) })),
    health_check: { protocol: 'tcp', port: 443, interval_seconds: 5, timeout_seconds: 1, healthy_threshold: 2, unhealthy_threshold: 2 },
  }));
  return desiredStateSchema.parse({ version: 1, generation: 1, node: { id: 'bench', pop: 'lab', tunnel_source_ipv6: 'fd00:1::1' }, hash_seed: 42, pools: [], services });
}

const OPTS = { table: 'afdbench', flowTimeoutSeconds: 300, flowTableSize: 65536, probePortBase: 10000 };
const nft = new NftClient(new ProcessExecutor(), OPTS.table);
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function plan(s: DesiredState, marks: MarkAllocation): DataplanePlan {
  return buildPlan(s, marks, () => undefined, OPTS);
}

async function main(): Promise<void> {
  console.log(`nft apply benchmark (nft 1.0.6 in namespace ${NS}; ${BACKENDS} backends per service, M=${maglevTableSize(BACKENDS)}, median of ${REPEAT})`);
  console.log('services | first install ms | 1-service change ms (incremental) | full rebuild ms (baseline) | rebuild / incremental | script lines (incr / full)');
  for (const n of SIZES) {
    const a = state(n, false);
    const b = state(n, true);
    const marks = allocateMarks(emptyAllocation(0x100000, 10000), wantedMarkKeys(a));
    const pa = plan(a, marks);
    const pb = plan(b, marks);

    const first: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      await nft.deleteTable();
      const t0 = process.hrtime.bigint();
      await nft.apply(renderNftChange(null, pa, EMPTY_INVENTORY).script);
      first.push(ms(t0));
    }

    const incr: number[] = [];
    let applied = summarize(pa);
    let lines = 0;
    for (let i = 0; i < REPEAT * 2; i++) {
      const next = i % 2 === 0 ? pb : pa;
      const t0 = process.hrtime.bigint();
      const change = renderNftChange(applied, next, await nft.inventory());
      await nft.apply(change.script);
      incr.push(ms(t0));
      if (change.changed.length !== 1) throw new Error(`expected one changed service, got ${change.changed.length}`);
      lines = change.script.split('\n').length;
      applied = summarize(next);
    }

    const full: number[] = [];
    let fullLines = 0;
    for (let i = 0; i < REPEAT * 2; i++) {
      const next = i % 2 === 0 ? pb : pa;
      const t0 = process.hrtime.bigint();
      const script = renderFullRebuild(next, true);
      await nft.apply(script);
      full.push(ms(t0));
      fullLines = script.split('\n').length;
    }
    const [f, c, r] = [median(first), median(incr), median(full)];
    console.log(`${String(n).padStart(8)} | ${f.toFixed(1).padStart(16)} | ${c.toFixed(1).padStart(33)} | ${r.toFixed(1).padStart(26)} | ${(r / c).toFixed(2).padStart(20)}x | ${lines} / ${fullLines}`);
  }
  await nft.deleteTable();
}

(process.env.AFD_BENCH_IN_NS ? main() : inOwnNamespace()).catch((e) => {
  console.error(e);
  process.exit(1);
});
