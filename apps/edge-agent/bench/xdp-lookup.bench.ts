/**
 * The XDP program's per-packet cost at 10 and at 10,000 backends (issue 13's O(1) claim), without
 * namespaces or traffic: BPF_PROG_TEST_RUN repeats one frame through the program loaded in a private
 * mount + network namespace, maps programmed by the agent's XdpFastPath from real desired states.
 * The namespace has no routes, so after every map lookup (VIP, listener, flow table, Maglev bucket,
 * backend) the FIB lookup misses and the frame passes unchanged - a repeat then runs the same full
 * lookup path again (the encapsulation and XDP_TX, constant work, are left out: test runs do not
 * reset the frame between repeats). Baseline in the same run: a frame to a non-VIP address
 * (parse + one VIP-map miss). Alternating, median of 5 runs of 2,000,000 repeats.
 *
 * `npm run bench -- xdp-lookup` (root, bpftool; the object built by npm test).
 */
import type { ServiceState } from '@anyfront/contracts';
import { clientFrame, TCP } from '../src/xdp/packets';
import { labService, labState, XdpHarness } from '../src/xdp/xdp-harness';

const REPEAT = Number(process.env.XDP_BENCH_REPEAT ?? 2_000_000);
const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function services(count: number, backendsPer: number, m: number): ServiceState[] {
  return Array.from({ length: count }, (_, i) => labService(i === count - 1 ? 'web' : `s${String(i).padStart(2, '0')}`, {
    addresses: [{ address: i === count - 1 ? '198.51.100.10' : `198.51.100.${100 + i}`, family: 4 }],
    maglev_table_size: m,
    backends: Array.from({ length: backendsPer }, (_, k) => ({ id: `b${String(k).padStart(4, '0')}`, address: `fd00:af7:${i.toString(16)}::${(k + 1).toString(16)}`, weight: 1, enabled: true })),
  }));
}

async function main(): Promise<void> {
  const frames = {
    'non-VIP (baseline)': clientFrame({ src: '203.0.113.7', dst: '198.51.100.99', sport: 40000, dport: 80, proto: 'tcp' }),
    'VIP, SYN (Maglev lookup)': clientFrame({ src: '203.0.113.7', dst: '198.51.100.10', sport: 40001, dport: 80, proto: 'tcp' }, { flags: TCP.SYN }),
    'VIP, known flow (flow-table hit)': clientFrame({ src: '203.0.113.7', dst: '198.51.100.10', sport: 40002, dport: 80, proto: 'tcp' }),
  };
  const results: Record<string, Record<string, number>> = {};
  for (const [label, svcs] of [['10 backends', services(1, 10, 1021)], ['10,000 backends', services(10, 1000, 16381)]] as const) {
    const h = new XdpHarness();
    await h.start({ fibLookup: true });
    try {
      const t0 = Date.now();
      await h.program(labState(svcs));
      console.log(`${label}: maps programmed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const runs: Record<string, number[]> = {};
      for (let r = 0; r < ROUNDS; r++) {
        for (const [name, frame] of Object.entries(frames)) {
          const out = await h.bpf.testRun(frame, REPEAT);
          if (out.retval !== 2) throw new Error(`${name}: expected XDP_PASS (FIB miss), got ${out.retval}`);
          (runs[name] ??= []).push(out.durationNs);
        }
      }
      results[label] = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
      const counters = await h.bpf.dump('af_counters');
      const noRoute = counters[6]?.values.reduce((s, v) => s + Number(v.readBigUInt64LE(0)), 0) ?? 0;
      if (noRoute < REPEAT) throw new Error('the VIP frames did not reach the FIB lookup');
    } finally {
      h.stop();
    }
  }
  const small = results['10 backends'] ?? {};
  const big = results['10,000 backends'] ?? {};
  console.log(`\nns per packet (BPF_PROG_TEST_RUN, median of ${ROUNDS} x ${REPEAT} repeats)`);
  console.log('| frame | 10 backends | 10,000 backends | 10,000 vs 10 |');
  console.log('|---|---|---|---|');
  for (const k of Object.keys(frames)) console.log(`| ${k} | ${small[k]} | ${big[k]} | ${((big[k] ?? NaN) / (small[k] ?? NaN)).toFixed(2)}x |`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
