/**
 * Flow table per million flows (issue 9 §3): kernel memory and data-path time of the agent's real
 * ruleset (one UDP service, the renderer's flow policy, table size 2^21) when a million new flows
 * arrive (first non-SYN packet: insert with the handshake timeout), when the same million come
 * again (hit: refresh to the long timeout), against the same-run baseline of the namespace without
 * the agent's table. Packets come from a small C generator (bench/flowgen.c, sendmmsg on a raw
 * socket over lo, where the receive path runs in the sender's context). Memory is the change of
 * the machine's unreclaimable slab (/proc/meminfo), so other load on the machine adds noise: median
 * of the rounds. Runs in a namespace of its own (afd-flowbench); needs root, nft and cc.
 *
 *   node -r ./scripts/register.js apps/edge-agent/bench/flow-table.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNamespace, deleteNamespace, nsRunSync } from '@anyfront/lab';
import { desiredStateSchema } from '@anyfront/contracts';
import { allocateMarks, buildPlan, emptyAllocation, EMPTY_INVENTORY, FLOW_COUNTERS, renderNftChange, wantedMarkKeys } from '@anyfront/dataplane';
import { maglevTableSize } from '@anyfront/maglev';

const NS = 'afd-flowbench';
const FLOWS = Number(process.env.BENCH_FLOWS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VIP = '198.51.100.10';
const GEN = join(tmpdir(), 'anyfront-flowgen');

if (process.getuid?.() !== 0 || spawnSync('nft', ['--version']).status !== 0 || spawnSync('cc', ['--version']).status !== 0) {
  console.log('flow table benchmark skipped: needs root, nft and cc');
  process.exit(0);
}

const nft = (script: string) => nsRunSync(NS, 'nft', ['-f', '-'], script);
const slabKb = () => Number(/SUnreclaim:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? NaN);
const send = () => Number(nsRunSync(NS, GEN, [VIP, '5000', String(FLOWS)]).trim()) / FLOWS;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// nft 1.0.6 fetches every set element to list any counter (~5 s and 270 MB at 200k flows), so the
// full-table check runs after the flow map is flushed.
const counter = (name: string) => Number(/packets (\d+)/.exec(nsRunSync(NS, 'nft', ['list', 'counter', 'inet', 'afdflow', name]))?.[1]);

function agentRuleset(): string {
  const state = desiredStateSchema.parse({
    version: 1, generation: 1, node: { id: 'bench', pop: 'lab', tunnel_source_ipv6: 'fd00:1::1' }, hash_seed: 42, pools: [],
    services: [{
      id: 'svc', addresses: [{ address: VIP, family: 4 }], listeners: [{ protocol: 'udp', port_from: 5000, port_to: 5000 }],
      hash_mode: 'five_tuple', encapsulation: 'srv6', maglev_table_size: maglevTableSize(4),
      backends: Array.from({ length: 4 }, (_, k) => ({ id: `b${k}`, address: `fd00:b::${k + 1}`, weight: 1, enabled: true })),
      health_check: { protocol: 'tcp', port: 5000, interval_seconds: 5, timeout_seconds: 1, healthy_threshold: 2, unhealthy_threshold: 2 },
    }],
  });
  const marks = allocateMarks(emptyAllocation(0x100000, 100), wantedMarkKeys(state));
  // Flood guard off: this measures the insert itself (at this rate the default guard would skip most inserts).
  const plan = buildPlan(state, marks, () => undefined, { table: 'afdflow', flowTimeoutSeconds: 300, flowTableSize: 2 ** 21, probePortBase: 10000, floodNewFlowsPerSecond: 1_000_000_000 });
  return renderNftChange(null, plan, EMPTY_INVENTORY).script;
}

async function main(): Promise<void> {
  const cc = spawnSync('cc', ['-O2', '-o', GEN, join(__dirname, 'flowgen.c')], { stdio: 'inherit' });
  if (cc.status !== 0) throw new Error('cc failed');
  await deleteNamespace(NS);
  await createNamespace(NS);
  try {
    nsRunSync(NS, 'ip', ['link', 'set', 'lo', 'up']);
    nsRunSync(NS, 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'lo']);
    // A sink after the agent's chain, so no ICMP unreachable is generated per datagram.
    nft('add table inet sink\nadd chain inet sink pre { type filter hook prerouting priority 10; policy accept; }\nadd rule inet sink pre udp dport 5000 drop\n');
    const rows: { base: number; insert: number; hit: number; kb: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      spawnSync('ip', ['netns', 'exec', NS, 'nft', 'delete', 'table', 'inet', 'afdflow']);
      const base = send();
      nft(agentRuleset());
      const before = slabKb();
      const insert = send();
      const kb = slabKb() - before;
      const hit = send();
      nsRunSync(NS, 'nft', ['flush', 'map', 'inet', 'afdflow', 'flows4']);
      if (counter(FLOW_COUNTERS.full) !== 0) throw new Error('flow table was full during the benchmark');
      rows.push({ base, insert, hit, kb });
      console.log(`round ${r + 1}: baseline ${base.toFixed(0)} ns/pkt, new flow ${insert.toFixed(0)} ns/pkt, hit ${hit.toFixed(0)} ns/pkt, slab +${(kb / 1024).toFixed(1)} MB`);
    }
    const m = (k: keyof (typeof rows)[number]) => median(rows.map((x) => x[k]));
    const perM = FLOWS / 1e6;
    console.log(`\nflow table, ${FLOWS} flows, median of ${ROUNDS} (kernel ${spawnSync('uname', ['-r']).stdout.toString().trim()})`);
    console.log('| | ns per packet | vs baseline | per million flows |');
    console.log('|---|---|---|---|');
    console.log(`| baseline (no agent table, same namespace) | ${m('base').toFixed(0)} | 1.00x | ${(m('base') * 1e6 / 1e9).toFixed(2)} s |`);
    console.log(`| new flow (lookup miss, Maglev, insert with handshake timeout) | ${m('insert').toFixed(0)} | ${(m('insert') / m('base')).toFixed(2)}x | ${(m('insert') * 1e6 / 1e9).toFixed(2)} s |`);
    console.log(`| known flow (lookup hit, refresh to the long timeout) | ${m('hit').toFixed(0)} | ${(m('hit') / m('base')).toFixed(2)}x | ${(m('hit') * 1e6 / 1e9).toFixed(2)} s |`);
    console.log(`kernel memory: ${(m('kb') / 1024 / perM).toFixed(0)} MB per million entries (${(m('kb') * 1024 / FLOWS).toFixed(0)} bytes each)`);
  } finally {
    await deleteNamespace(NS);
  }
}

void main().catch((e) => { console.error(e); process.exit(1); });
