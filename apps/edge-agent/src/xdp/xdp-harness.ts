import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DesiredState, desiredStateSchema, ServiceState } from '@anyfront/contracts';
import { allocateMarks, buildPlan, DataplanePlan, emptyAllocation, HealthLookup, MarkAllocation, wantedMarkKeys } from '@anyfront/dataplane';
import { ProcessExecutor } from '../io/exec';
import { BpfTool } from './bpftool';
import { XdpFastPath } from './fastpath';

/** The object the build script (apps/edge-agent/xdp/build.mjs) writes. */
export const XDP_OBJECT = resolve(__dirname, '..', '..', '..', '..', 'dist', 'xdp', 'anyfront_xdp.o');

export const MARK_BASE = 0x100000;
export const EDGE_MAC = '02:00:00:00:00:e1';
export const ROUTER_MAC = '02:00:00:00:00:01';

/**
 * The XDP program loaded into a private mount namespace with its own bpffs (a `sleep` started by
 * `unshare -m`; bpftool runs in it through nsenter), nothing attached: killing the process frees
 * program and maps. Programmed through the agent's own XdpFastPath, next hop static.
 */
export class XdpHarness {
  private holder: ChildProcess | null = null;
  private dir = '';
  bpf!: BpfTool;
  fp!: XdpFastPath;
  marks: MarkAllocation = emptyAllocation(MARK_BASE, 65536);

  /**
   * `fibLookup`: next hop from the kernel FIB instead of static MACs, in an empty network namespace
   * of its own (no routes: every lookup misses and the program passes the packet unchanged after
   * doing every map lookup - what a repeated BPF_PROG_TEST_RUN can time, since the frame is not reset
   * between repeats).
   */
  async start(opts: { newFlowsPerCpuSecond?: number; fibLookup?: boolean; flowEntries?: number } = {}): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'afx-bpffs-'));
    this.holder = spawn('unshare', ['-m', ...(opts.fibLookup ? ['-n'] : []), '--propagation', 'private', 'sleep', '3600'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    const pid = this.holder.pid as number;
    this.bpf = new BpfTool(new ProcessExecutor(), this.dir, { wrap: ['nsenter', '-t', String(pid), '-m', ...(opts.fibLookup ? ['-n'] : []), '--'] });
    this.fp = new XdpFastPath(this.bpf, {
      device: null,
      mode: 'xdp',
      object: XDP_OBJECT,
      config: { flowTimeoutSeconds: 300, handshakeTimeoutSeconds: 10, newFlowsPerCpuSecond: opts.newFlowsPerCpuSecond ?? 0, ...(opts.fibLookup ? {} : { staticNextHop: { smac: EDGE_MAC, dmac: ROUTER_MAC } }) },
    }, { info: () => undefined, warn: (o) => console.warn(o) });
    if (!(await this.fp.start())) throw new Error(`XDP program did not load: ${this.fp.reason}`);
  }

  plan(state: DesiredState, health: HealthLookup = () => undefined): DataplanePlan {
    this.marks = allocateMarks(this.marks, wantedMarkKeys(state));
    return buildPlan(state, this.marks, health, { table: 'anyfront', flowTimeoutSeconds: 300, flowTableSize: 65536, probePortBase: 10000 });
  }

  async program(state: DesiredState, health?: HealthLookup): Promise<DataplanePlan> {
    const p = this.plan(state, health);
    await this.fp.apply(p, { ipv4: state.node.tunnel_source_ipv4, ipv6: state.node.tunnel_source_ipv6 });
    return p;
  }

  stop(): void {
    if (this.holder?.pid) process.kill(this.holder.pid, 'SIGKILL');
    this.holder = null;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

export function labService(id: string, over: Partial<ServiceState> = {}): ServiceState {
  return {
    id,
    addresses: [{ address: '198.51.100.10', family: 4 }, { address: 'fd00:a0::10', family: 6 }],
    listeners: [{ protocol: 'tcp', port_from: 80, port_to: 80 }, { protocol: 'udp', port_from: 5000, port_to: 5010 }],
    hash_mode: 'five_tuple',
    encapsulation: 'srv6',
    maglev_table_size: 251,
    backends: [
      { id: 'b1', address: 'fd00:b::1', weight: 1, enabled: true },
      { id: 'b2', address: 'fd00:b::2', weight: 1, enabled: true },
    ],
    health_check: { protocol: 'tcp', port: 80, path: '/', interval_seconds: 1, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 1 },
    ...over,
  };
}

export function labState(services: ServiceState[], over: Partial<DesiredState> = {}): DesiredState {
  return desiredStateSchema.parse({
    version: 1,
    generation: 1,
    node: { id: 'edge-1', pop: 'lab', tunnel_source_ipv4: '192.0.2.11', tunnel_source_ipv6: 'fd00:1::11' },
    hash_seed: 0x5eed1234,
    pools: [{ id: 'p4', prefix: '198.51.100.0/24', family: 4 }],
    services,
    ...over,
  });
}
