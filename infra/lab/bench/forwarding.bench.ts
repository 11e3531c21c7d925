/**
 * Lab forwarding throughput: the Anyfront data plane (client -> router -> edge nft + SRv6 -> router ->
 * backend, reply direct) against plain routing on the same namespaces (client -> router -> backend's
 * unicast address). TCP single stream and 64-byte UDP at a fixed offered rate, with iperf3.
 * Run as root: node -r ./scripts/register.js infra/lab/bench/forwarding.bench.ts
 */
import { spawn } from 'node:child_process';
import { agentStatus } from '../src/agent';
import { composeDesiredState } from '../src/desired';
import { nsRun, waitFor, isAlive } from '../src/exec';
import { nextGeneration, pushDesiredState, setRouterPath, startLab, stopLab } from '../src/lab';
import { anycastV4, backends, edges, SERVICE_PORT } from '../src/topology';

const IPERF_PORT = 5201;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const UDP_RATE = process.env.BENCH_UDP_RATE ?? '100M'; // offered bits/s of 64-byte datagrams (~195 k packets/s)

interface IperfEnd { end: { sum_received?: { bits_per_second: number }; sum?: { packets: number; lost_packets: number; seconds: number; jitter_ms: number } } }

async function iperf(target: string, udp: boolean): Promise<{ mbps: number; pps?: number; loss?: number }> {
  const args = ['-c', target, '-p', String(IPERF_PORT), '-t', String(SECONDS), '-J'];
  if (udp) args.push('-u', '-l', '64', '-b', UDP_RATE);
  const { stdout } = await nsRun('af-client1', 'iperf3', args, { timeoutMs: (SECONDS + 30) * 1000 });
  const j = JSON.parse(stdout) as IperfEnd;
  if (!udp) return { mbps: j.end.sum_received!.bits_per_second / 1e6 };
  const s = j.end.sum!;
  const received = s.packets - s.lost_packets;
  return { mbps: (received * 64 * 8) / s.seconds / 1e6, pps: received / s.seconds, loss: s.lost_packets / Math.max(1, s.packets) };
}

async function main(): Promise<void> {
  console.log('lab forwarding benchmark: building the lab ...');
  await startLab();
  const be1 = backends[0];
  const server = spawn('ip', ['netns', 'exec', be1.ns, 'iperf3', '-s', '-p', String(IPERF_PORT)], { stdio: 'ignore' });
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
    await waitFor('iperf3 server listening', async () => {
      if (!isAlive(server.pid)) throw new Error('iperf3 server exited');
      return (await nsRun(be1.ns, 'ss', ['-Hltn', `sport = :${IPERF_PORT}`])).stdout.includes(String(IPERF_PORT));
    }, 10_000, 200);

    const plain = be1.link.peerV4;
    const anycast = anycastV4[0];
    const tcpPlain = await iperf(plain, false);
    const tcpDp = await iperf(anycast, false);
    const udpPlain = await iperf(plain, true);
    const udpDp = await iperf(anycast, true);

    const f = (n: number, d = 0): string => n.toFixed(d);
    console.log(`\nforwarding through the data plane vs plain routing (${SECONDS} s each, iperf3, one run)`);
    console.log(`  TCP single stream       plain ${f(tcpPlain.mbps)} Mbit/s   data plane ${f(tcpDp.mbps)} Mbit/s   ratio ${(tcpDp.mbps / tcpPlain.mbps).toFixed(2)}x`);
    console.log(`  UDP 64 B @ ${UDP_RATE}bit/s   plain ${f(udpPlain.pps!)} pkt/s (loss ${(udpPlain.loss! * 100).toFixed(1)} %)   data plane ${f(udpDp.pps!)} pkt/s (loss ${(udpDp.loss! * 100).toFixed(1)} %)   ratio ${(udpDp.pps! / udpPlain.pps!).toFixed(2)}x`);
  } finally {
    if (server.pid) process.kill(server.pid, 'SIGTERM');
    await stopLab();
  }
}

main().catch(async (e) => { console.error(e); await stopLab().catch(() => undefined); process.exit(1); });
