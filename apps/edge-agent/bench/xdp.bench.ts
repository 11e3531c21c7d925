/**
 * XDP fast path vs the nft path (issue 13), same run, same namespaces: per-packet cost on the edge
 * and how it changes from 10 to 10,000 backends.
 *
 * Two namespaces: a generator (afx-bg) and an edge (afx-be) running the real agent with
 * `xdp.enabled` and health checks off (every backend usable). bench/flowgen.c sends UDP datagrams
 * of distinct flows to the VIP over a raw socket; on veth the receive path (the edge's XDP program
 * or its netfilter + SRv6 + forwarding) runs in the sender's context, so wall time per packet is
 * the cost of the whole path (generator + edge + the encapsulated packet's return to the generator,
 * which drops it). Modes, alternating, median of 3:
 *   plain - a non-VIP destination the edge only routes back (no nft rule matches, no encap);
 *   nft   - the program detached: nft prerouting, flow map, Maglev map, fwmark rule, SRv6 route;
 *   xdp   - the program attached: the packet never reaches the edge's stack.
 * Each run sends N new flows, then the same N flows again (known flows). Then 10,000 backends
 * (10 services x 1,000, the measured one last so its fwmark rules are the last ones) and again.
 *
 * `npm run bench -- xdp` (root, ip, nft, bpftool, ethtool, cc; the XDP object built by npm test).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServiceState } from '@anyfront/contracts';
import { describeKey, generateStateSigner, signDesiredState } from '@anyfront/state-signing';
import { createNamespace, deleteNamespace, nsRunSync, sysctl, veth } from '@anyfront/lab';

const ROOT = resolve(__dirname, '../../..');
const GEN = 'afx-bg';
const EDGE = 'afx-be';
const VIP = '198.51.100.10';
const PLAIN = '203.0.113.50';
const N = Number(process.env.XDP_BENCH_PACKETS ?? 200_000);
const ROUNDS = 3;
const dir = mkdtempSync(join(tmpdir(), 'afx-xdp-bench-'));
const flowgen = join(dir, 'flowgen');
const signer = generateStateSigner();
const inNs = (ns: string, cmd: string, ...args: string[]) => nsRunSync(ns, cmd, args);
let agent: ChildProcess | null = null;

function state(generation: number, services: number, backendsPer: number, m: number) {
  const svc = (i: number, last: boolean): ServiceState => ({
    id: last ? 'web' : `s${String(i).padStart(2, '0')}`,
    addresses: [{ address: last ? VIP : `198.51.100.${100 + i}`, family: 4 }],
    listeners: [{ protocol: 'udp', port_from: 5000, port_to: 5000 }], hash_mode: 'five_tuple', encapsulation: 'srv6', maglev_table_size: m,
    backends: Array.from({ length: backendsPer }, (_, k) => ({ id: `b${String(k).padStart(4, '0')}`, address: `fd00:af7:${i.toString(16)}::${(k + 1).toString(16)}`, weight: 1, enabled: true })),
    health_check: { protocol: 'tcp', port: 80, path: '/', interval_seconds: 5, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 3 },
  });
  return signDesiredState({
    version: 1, drained: false, generation, node: { id: 'afx-bench', pop: 'lab', tunnel_source_ipv4: '192.0.2.2', tunnel_source_ipv6: 'fd00:af7:e::2' }, hash_seed: 0x5eed1234,
    pools: [{ id: 'p4', prefix: '198.51.100.0/24', family: 4 as const }],
    // ids sort the services: 's..' before 'web', so the measured service's marks come last
    services: Array.from({ length: services }, (_, i) => svc(i, i === services - 1)),
  }, signer);
}

function status(): { applied_generation: number; programmed: boolean; datapath: { mode: string } } {
  return JSON.parse(inNs(EDGE, 'curl', '-s', 'http://127.0.0.1:9199/v1/status')) as never;
}
async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try { if (ok()) return; } catch { /* not up yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let nextFlow = 0;
/** N new flows, then the same N again; every run starts at flows no earlier run used. */
function send(dst: string): [number, number] {
  const first = nextFlow;
  nextFlow += N;
  const run = () => Number(spawnSync('ip', ['netns', 'exec', GEN, flowgen, dst, '5000', String(N), String(first)], { encoding: 'utf8' }).stdout.trim()) / N;
  return [run(), run()];
}
function setMode(mode: 'xdp' | 'nft'): void {
  if (mode === 'nft') inNs(EDGE, 'ip', 'link', 'set', 'dev', 'e0', 'xdp', 'off');
  else spawnSync('nsenter', ['-t', String(agent?.pid), '-m', '-n', 'bpftool', 'net', 'attach', 'xdp', 'pinned', '/sys/fs/bpf/anyfront/prog', 'dev', 'e0', 'overwrite'], { stdio: 'inherit' });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function measure(label: string): Promise<Record<string, [number, number]>> {
  const out: Record<string, [number[], number[]]> = { plain: [[], []], nft: [[], []], xdp: [[], []] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of ['plain', 'nft', 'xdp'] as const) {
      setMode(mode === 'xdp' ? 'xdp' : 'nft');
      // nft's flow map has no LRU: empty it so inserts never fail for lack of room (XDP's LRU evicts)
      inNs(EDGE, 'nft', 'flush', 'map', 'inet', 'anyfront', 'flows4');
      const [a, b] = send(mode === 'plain' ? PLAIN : VIP);
      out[mode][0].push(a);
      out[mode][1].push(b);
    }
  }
  const res = Object.fromEntries(Object.entries(out).map(([k, [a, b]]) => [k, [median(a), median(b)] as [number, number]]));
  console.log(`\n${label}: ns per packet (median of ${ROUNDS}, ${N} packets per run; new flows / known flows)`);
  for (const [k, [a, b]] of Object.entries(res)) console.log(`  ${k.padEnd(5)} ${a.toFixed(0).padStart(6)} / ${b.toFixed(0).padStart(6)}   vs nft: ${(a / res.nft[0]).toFixed(2)}x / ${(b / res.nft[1]).toFixed(2)}x`);
  return res;
}

async function main(): Promise<void> {
  const cc = spawnSync('cc', ['-O2', '-o', flowgen, join(__dirname, 'flowgen.c')], { stdio: 'inherit' });
  if (cc.status !== 0) throw new Error('cc flowgen.c failed');
  for (const ns of [GEN, EDGE]) await deleteNamespace(ns);
  for (const ns of [GEN, EDGE]) await createNamespace(ns);
  await veth({ ns: GEN, ifname: 'g0', addresses: ['192.0.2.1/26', 'fd00:af7:e::1/64'] }, { ns: EDGE, ifname: 'e0', addresses: ['192.0.2.2/26', 'fd00:af7:e::2/64'] });
  // XDP_TX on a veth delivers only to a peer running an XDP program: XDP_PASS on g0, for every mode alike
  inNs(GEN, 'ip', 'link', 'set', 'dev', 'g0', 'xdp', 'obj', join(ROOT, 'dist/xdp/af_pass.o'), 'sec', 'xdp');
  inNs(GEN, 'ip', 'route', 'add', '198.51.100.0/24', 'via', '192.0.2.2');
  inNs(GEN, 'ip', 'route', 'add', '203.0.113.0/24', 'via', '192.0.2.2');
  await sysctl(GEN, { 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' });
  await sysctl(EDGE, { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1', 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '0', 'net.ipv4.conf.e0.rp_filter': '0' });
  inNs(EDGE, 'ip', 'route', 'add', 'default', 'via', '192.0.2.1');
  inNs(EDGE, 'ip', '-6', 'route', 'add', 'default', 'via', 'fd00:af7:e::1');

  writeFileSync(join(dir, 'agent.json'), JSON.stringify({
    node_id: 'afx-bench', state_dir: join(dir, 'state'), desired_state_file: join(dir, 'desired.json'), listen: { host: '127.0.0.1', port: 9199 },
    state_keys: [describeKey(signer.publicKey).public_key], uplink_device: 'e0', allow_documentation_addresses: true, allowed_prefixes: ['198.51.100.0/24'],
    health: { enabled: false }, resync_interval_seconds: 0, log_level: 'warn', flow_table_size: 1 << 21,
    flood_new_flows_per_second: 100_000_000, xdp: { enabled: true },
  }));
  writeFileSync(join(dir, 'desired.json'), JSON.stringify(state(1, 1, 10, 1021)));
  agent = spawn('ip', ['netns', 'exec', EDGE, process.execPath, '-r', join(ROOT, 'scripts/register.js'), join(ROOT, 'apps/edge-agent/src/main.ts'), '--config', join(dir, 'agent.json')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  await until('agent programmed (10 backends)', () => status().programmed && status().datapath.mode === 'xdp', 60_000);
  // warm-up: the first packets resolve the edge's neighbour (until then XDP passes them to the kernel)
  spawnSync('ip', ['netns', 'exec', GEN, flowgen, VIP, '5000', '1000', '900000000']);
  await new Promise((r) => setTimeout(r, 500));
  const small = await measure('10 backends (1 service, M=1021)');

  const t0 = Date.now();
  writeFileSync(join(dir, 'desired.json'), JSON.stringify(state(2, 10, 1000, 16381)));
  await until('agent programmed (10,000 backends)', () => status().applied_generation === 2, 600_000);
  setMode('xdp');
  // the XDP maps are written after the nft apply; wait for the table of the measured service
  await until('XDP maps', () => Number(spawnSync('nsenter', ['-t', String(agent?.pid), '-m', 'sh', '-c', "bpftool -j map show pinned /sys/fs/bpf/anyfront/maps/af_vips"], { encoding: 'utf8' }).status) === 0 && spawnSync('nsenter', ['-t', String(agent?.pid), '-m', 'sh', '-c', 'bpftool map dump pinned /sys/fs/bpf/anyfront/maps/af_vips | grep -c key'], { encoding: 'utf8' }).stdout.trim() === '10', 600_000);
  await new Promise((r) => setTimeout(r, 2000));
  console.log(`\n10,000 backends programmed in ${((Date.now() - t0) / 1000).toFixed(1)} s (nft + routes + XDP maps)`);
  const big = await measure('10,000 backends (10 services x 1,000, M=16381, measured service last)');
  console.log('\n10,000 vs 10 backends (new / known flows):');
  for (const k of ['plain', 'nft', 'xdp']) console.log(`  ${k.padEnd(5)} ${(big[k][0] / small[k][0]).toFixed(2)}x / ${(big[k][1] / small[k][1]).toFixed(2)}x`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; }).finally(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  for (const ns of [GEN, EDGE]) await deleteNamespace(ns);
  rmSync(dir, { recursive: true, force: true });
});
