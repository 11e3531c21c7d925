/**
 * Lab forwarding throughput: the Anyfront data plane (client -> router -> edge nft + SRv6 -> router ->
 * backend, reply direct) against plain routing on the same namespaces (client -> router -> backend's
 * unicast address). TCP single stream and 64-byte UDP at a fixed offered rate, with iperf3.
 * Run as root: node -r ./scripts/register.js infra/lab/bench/forwarding.bench.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { agentStatus } from '../src/agent';
import { composeDesiredState } from '../src/desired';
import { nsRun, waitFor, isAlive } from '../src/exec';
import { nextGeneration, pushDesiredState, setRouterPath, startLab, stopLab } from '../src/lab';
import { anycastV4, backends, edges, SERVICE_PORT } from '../src/topology';

const IPERF_PORT = 5201;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const UDP_RATE = process.env.BENCH_UDP_RATE ?? '100M'; // offered bits/s of 64-byte datagrams (~195 k packets/s)

interface IperfEnd { end: { sum_received?: { bits_per_second: number }; sum?: { packets: number; lost_packets: number; seconds: number; jitter_ms: number } } }

async function iperf(target: string, udp: boolean): Promise<{ mbps: number; pps?: number; loss?: number }> {
  const args = ['-c', target, '-p', String(IPERF_PORT), '-t', String(SECONDS), '-J'];
  if (udp) args.push('-u', '-l', '64', '-b', UDP_RATE);
  const { stdout } = await nsRun('af-client1', 'iperf3', args, { timeoutMs: (SECONDS + 30) * 1000, allowFail: true });
  const j = JSON.parse(stdout) as IperfEnd & { error?: string };
  if (j.error) throw new Error(`iperf3 to ${target}: ${j.error}`);
  if (!udp) return { mbps: j.end.sum_received!.bits_per_second / 1e6 };
  const s = j.end.sum!;
  const received = s.packets - s.lost_packets;
  return { mbps: (received * 64 * 8) / s.seconds / 1e6, pps: received / s.seconds, loss: s.lost_packets / Math.max(1, s.packets) };
}

/** The lab needs root and these tools; without them the benchmark says why and skips. */
function missingPrerequisite(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const bin of ['ip', 'nft', 'bird', 'birdc', 'iperf3', 'curl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status !== 0) return `${bin} is not installed`;
  }
  return undefined;
}

async function main(): Promise<void> {
  const missing = missingPrerequisite();
  if (missing) { console.log(`lab forwarding benchmark skipped: ${missing}`); return; }
  console.log('lab forwarding benchmark: building the lab ...');
  await startLab();
  const be1 = backends[0];
  // One server per address: a UDP reply must leave from the address the client sent to (the anycast
  // address under DSR), which a wildcard-bound iperf3 UDP socket does not guarantee.
  const servers = [anycastV4[0], be1.link.peerV4].map((addr) => spawn('ip', ['netns', 'exec', be1.ns, 'iperf3', '-s', '-B', addr, '-p', String(IPERF_PORT)], { stdio: 'ignore' }));
  try {
    // One backend and an iperf3 listener (TCP control + data, UDP data) on the service; one edge path.
    const generation = nextGeneration();
    for (const e of edges) {
      const state = composeDesiredState({
        edge: e, generation, backends: [be1],
        listeners: [{ protocol: 'tcp', port_from: SERVICE_PORT, port_to: SERVICE_PORT }, { protocol: 'tcp', port_from: IPERF_PORT, port_to: IPERF_PORT }, { protocol: 'udp', port_from: IPERF_PORT, port_to: IPERF_PORT }],
      });
      const r = await pushDesiredState(e.name, state);
      if (r.status !== 200) throw new Error(`push to ${e.name} answered ${r.status}: ${JSON.stringify(r.body)}`);
      await waitFor(`${e.name} applied`, async () => (await agentStatus(e)).applied_generation === generation);
    }
    await setRouterPath(['edge1']);
    await waitFor('iperf3 servers listening', async () => {
      if (servers.some((s) => !isAlive(s.pid))) throw new Error('an iperf3 server exited');
      return (await nsRun(be1.ns, 'ss', ['-Hltn', `sport = :${IPERF_PORT}`])).stdout.trim().split('\n').length === servers.length;
    }, 10_000, 200);

    const plain = be1.link.peerV4;
    const anycast = anycastV4[0];
    // Alternate the two paths and keep the median of each: the machine is shared, single runs are noisy.
    const runs: Record<string, { mbps: number; pps?: number; loss?: number }[]> = { tcpPlain: [], tcpDp: [], udpPlain: [], udpDp: [] };
    for (let i = 0; i < ROUNDS; i++) {
      runs.tcpPlain.push(await iperf(plain, false));
      runs.tcpDp.push(await iperf(anycast, false));
      runs.udpPlain.push(await iperf(plain, true));
      runs.udpDp.push(await iperf(anycast, true));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const tcpPlain = median(runs.tcpPlain.map((r) => r.mbps));
    const tcpDp = median(runs.tcpDp.map((r) => r.mbps));
    const udpPlain = median(runs.udpPlain.map((r) => r.pps!));
    const udpDp = median(runs.udpDp.map((r) => r.pps!));
    const loss = (rs: { loss?: number }[]): string => `${(median(rs.map((r) => r.loss!)) * 100).toFixed(1)} %`;

    console.log(`\nforwarding through the data plane (edge nft + SRv6, DSR) vs plain routing; iperf3, median of ${ROUNDS} alternating ${SECONDS} s runs`);
    console.log(`  TCP single stream        plain ${tcpPlain.toFixed(0)} Mbit/s   data plane ${tcpDp.toFixed(0)} Mbit/s   ratio ${(tcpDp / tcpPlain).toFixed(2)}x`);
    console.log(`  UDP 64 B, ${UDP_RATE}bit/s offered   plain ${udpPlain.toFixed(0)} pkt/s (loss ${loss(runs.udpPlain)})   data plane ${udpDp.toFixed(0)} pkt/s (loss ${loss(runs.udpDp)})   ratio ${(udpDp / udpPlain).toFixed(2)}x`);
  } finally {
    for (const s of servers) if (s.pid && isAlive(s.pid)) process.kill(s.pid, 'SIGTERM');
    await stopLab();
  }
}

main().catch(async (e) => { console.error(e); await stopLab().catch(() => undefined); process.exit(1); });
