import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { DataplanePlan, TunnelSources } from '@anyfront/dataplane';
import type { Executor } from '../io/exec';
import type { CounterValue } from '../io/nft-client';
import { BpfTool } from './bpftool';
import { XdpFastPath, XdpLogger } from './fastpath';
import { datapathSchema, type Datapath, type XdpAgentConfig } from './config';

export interface XdpHookSettings {
  uplink: string;
  flowTimeoutSeconds: number;
  handshakeTimeoutSeconds: number;
  floodNewFlowsPerSecond: number;
  /** The agent config's `datapath` (undefined: xdp where supported). */
  datapath?: Datapath;
  /** Where a datapath set at runtime is kept across restarts; null: not kept. */
  stateDir: string | null;
}

/** What the agent reports about its data path (status `datapath`). */
export interface DatapathReport {
  mode: Datapath;
  /** The setting in force: set at runtime, else the agent config's; null = default (xdp where supported). */
  setting: Datapath | null;
  /** Whether the XDP program loads and attaches to the uplink (capability `xdp`); null: not probed (dry run). */
  xdp_supported: boolean | null;
  /** Why the edge runs on nft alone (the setting, the default's reason, or what the kernel refused). */
  xdp_unavailable?: string;
  /** Services the XDP program leaves to the nft path on this edge, with the reason. */
  nft_only_services?: { id: string; reason: string }[];
}

/**
 * Why the default (no `datapath` set) is nft on this uplink although the program attaches, or null.
 * A veth delivers XDP_TX frames only to a peer that runs XDP or GRO, and XDP_TX drops the checksum
 * offload of packets from a local veth sender: lab topologies have to prepare for both, which the
 * agent cannot see from its side.
 */
export async function defaultDatapathBlocker(exec: Executor, uplink: string): Promise<string | null> {
  const r = await exec.run('ip', ['-j', '-d', 'link', 'show', 'dev', uplink]).catch(() => null);
  const kind = r?.code === 0 ? (JSON.parse(r.stdout) as { linkinfo?: { info_kind?: string } }[])[0]?.linkinfo?.info_kind : undefined;
  return kind === 'veth' ? 'the uplink is a veth (XDP_TX needs XDP or GRO on its peer): set datapath xdp to use the fast path anyway' : null;
}

const SETTING_FILE = 'datapath.json';

/**
 * The agent's only contact with the XDP fast path: started once after the capability probe,
 * told about every applied plan (after nft and routes are in force, so the slow path is always
 * complete first). A failure detaches the program and leaves the edge on nft; it never fails an apply.
 *
 * At start the program is loaded and attached (the VIP map empty: every packet passes to nft) -
 * that is the probe of the `xdp` capability - and detached again when the data path is nft.
 * Switching at runtime keeps the nft path programmed throughout and the pinned maps (flow table,
 * counters) loaded: a flow either path placed by the hash stays on its backend.
 */
export class XdpAgentHook {
  readonly fp: XdpFastPath | null;
  private supported: boolean | null = null;
  private setting: Datapath | undefined;
  private blocker: string | null = null;
  private last: { plan: DataplanePlan; sources: TunnelSources } | null = null;

  constructor(private readonly config: XdpAgentConfig, private readonly exec: Executor, private readonly s: XdpHookSettings, private readonly log: XdpLogger & { error(obj: object, msg?: string): void }, dryRun = false) {
    this.setting = s.datapath ?? (config.enabled === undefined ? undefined : config.enabled ? 'xdp' : 'nft');
    this.fp = dryRun
      ? null
      : new XdpFastPath(new BpfTool(exec, config.pin_dir, { bpftool: config.bpftool }), {
        device: s.uplink,
        mode: config.mode === 'native' ? 'xdp' : 'xdpgeneric',
        object: config.object,
        config: {
          flowTimeoutSeconds: s.flowTimeoutSeconds,
          handshakeTimeoutSeconds: s.handshakeTimeoutSeconds,
          newFlowsPerCpuSecond: Math.max(1, Math.ceil(s.floodNewFlowsPerSecond / Math.max(1, cpus().length))),
        },
      }, log);
  }

  /** The data path to run: the setting, else xdp where supported. */
  private wanted(): Datapath {
    return this.setting ?? (this.blocker ? 'nft' : 'xdp');
  }

  /** Probes (load + attach) and settles on the wanted data path. */
  async start(): Promise<void> {
    if (!this.fp) return;
    this.setting = (await this.persisted()) ?? this.setting;
    this.supported = await this.fp.start();
    if (!this.supported) return;
    if (this.setting === undefined) this.blocker = await defaultDatapathBlocker(this.exec, this.s.uplink);
    if (this.wanted() === 'nft') await this.fp.stop();
  }

  /** The `xdp` capability: null until probed. */
  get capability(): boolean | null {
    return this.supported;
  }

  /** Runtime switch (POST /v1/datapath), kept across restarts. The nft path is programmed throughout. */
  async setDatapath(d: Datapath): Promise<DatapathReport> {
    this.setting = d;
    if (this.s.stateDir) {
      await mkdir(this.s.stateDir, { recursive: true });
      await writeFile(join(this.s.stateDir, SETTING_FILE), JSON.stringify({ datapath: d }));
    }
    if (this.fp && d === 'xdp' && !this.fp.attached) {
      this.supported = await this.fp.start();
      if (this.fp.attached && this.last) await this.fp.apply(this.last.plan, this.last.sources).catch((e: unknown) => this.log.error({ err: (e as Error).message.slice(0, 500) }, 'XDP map update failed: detached, the nft path carries everything'));
    }
    if (this.fp && d === 'nft' && this.fp.attached) await this.fp.stop();
    this.log.info({ datapath: this.report() }, 'data path set');
    return this.report();
  }

  private async persisted(): Promise<Datapath | undefined> {
    if (!this.s.stateDir) return undefined;
    const raw = await readFile(join(this.s.stateDir, SETTING_FILE), 'utf8').catch(() => null);
    const parsed = raw === null ? null : datapathSchema.safeParse((JSON.parse(raw) as { datapath?: unknown }).datapath);
    return parsed?.success ? parsed.data : undefined;
  }

  applied(plan: DataplanePlan | null, sources: TunnelSources): void {
    if (plan) this.last = { plan, sources };
    if (!this.fp?.attached || !plan) return;
    this.fp.apply(plan, sources).then(
      (r) => { if (r.ops) this.log.info({ ops: r.ops }, 'XDP maps updated'); },
      (e: unknown) => this.log.error({ err: (e as Error).message.slice(0, 500) }, 'XDP map update failed: detached, the nft path carries everything'),
    );
  }

  /**
   * The program's per-address and per-backend counters (xdpCounterName), also after a detach (the
   * pinned maps keep them). A failed read returns none: the next read reports what this one missed.
   */
  async counters(): Promise<Map<string, CounterValue>> {
    if (!this.fp?.loaded) return new Map();
    return this.fp.counters().catch((e: unknown) => {
      this.log.warn({ err: (e as Error).message.slice(0, 500) }, 'XDP counter read failed; its traffic goes into the next report');
      return new Map<string, CounterValue>();
    });
  }

  report(): DatapathReport {
    const base = { setting: this.setting ?? null, xdp_supported: this.supported };
    if (!this.fp) return { mode: 'nft', ...base, xdp_unavailable: 'dry run' };
    if (this.fp.attached) return { mode: 'xdp', ...base, nft_only_services: [...this.fp.skipped].map(([id, reason]) => ({ id, reason })) };
    const why = this.supported === false || this.wanted() === 'xdp'
      ? this.fp.reason ?? 'not attached'
      : this.setting === 'nft' ? 'datapath is set to nft' : this.blocker ?? 'not attached';
    return { mode: 'nft', ...base, xdp_unavailable: why };
  }

  /** Agent exit: the program stays attached (pinned), like nft and routes, so flows keep forwarding. */
}
