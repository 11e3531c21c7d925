import { cpus } from 'node:os';
import type { DataplanePlan, TunnelSources } from '@anyfront/dataplane';
import type { Executor } from '../io/exec';
import { BpfTool } from './bpftool';
import { XdpFastPath, XdpLogger } from './fastpath';
import type { XdpAgentConfig } from './config';

export interface XdpHookSettings {
  uplink: string;
  flowTimeoutSeconds: number;
  handshakeTimeoutSeconds: number;
  floodNewFlowsPerSecond: number;
}

/** What the agent reports about its data path (status `datapath`). */
export interface DatapathReport {
  mode: 'xdp' | 'nft';
  /** Why the edge runs on nft alone (XDP off in the config, or what the kernel refused). */
  xdp_unavailable?: string;
  /** Services the XDP program leaves to the nft path on this edge, with the reason. */
  nft_only_services?: { id: string; reason: string }[];
}

/**
 * The agent's only contact with the XDP fast path: started once after the capability probe,
 * told about every applied plan (after nft and routes are in force, so the slow path is always
 * complete first). A failure detaches the program and leaves the edge on nft; it never fails an apply.
 */
export class XdpAgentHook {
  readonly fp: XdpFastPath | null;

  constructor(private readonly config: XdpAgentConfig, exec: Executor, s: XdpHookSettings, private readonly log: XdpLogger & { error(obj: object, msg?: string): void }) {
    this.fp = config.enabled
      ? new XdpFastPath(new BpfTool(exec, config.pin_dir, { bpftool: config.bpftool }), {
        device: s.uplink,
        mode: config.mode === 'native' ? 'xdp' : 'xdpgeneric',
        object: config.object,
        config: {
          flowTimeoutSeconds: s.flowTimeoutSeconds,
          handshakeTimeoutSeconds: s.handshakeTimeoutSeconds,
          newFlowsPerCpuSecond: Math.max(1, Math.ceil(s.floodNewFlowsPerSecond / Math.max(1, cpus().length))),
        },
      }, log)
      : null;
  }

  async start(): Promise<void> {
    await this.fp?.start();
  }

  applied(plan: DataplanePlan | null, sources: TunnelSources): void {
    if (!this.fp?.attached || !plan) return;
    this.fp.apply(plan, sources).then(
      (r) => { if (r.ops) this.log.info({ ops: r.ops }, 'XDP maps updated'); },
      (e: unknown) => this.log.error({ err: (e as Error).message.slice(0, 500) }, 'XDP map update failed: detached, the nft path carries everything'),
    );
  }

  report(): DatapathReport {
    if (!this.fp) return { mode: 'nft', xdp_unavailable: 'xdp.enabled is false in the agent config' };
    if (!this.fp.attached) return { mode: 'nft', xdp_unavailable: this.fp.reason ?? 'not attached' };
    return { mode: 'xdp', nft_only_services: [...this.fp.skipped].map(([id, reason]) => ({ id, reason })) };
  }

  /** Agent exit: the program stays attached (pinned), like nft and routes, so flows keep forwarding. */
}
