import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import type { Server } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger as PinoLogger } from 'pino';
import type { HealthCheck } from '@anyfront/contracts';
import { renderBirdConfig } from '@anyfront/dataplane';
import type { AgentConfig } from './config';
import { Executor, ProcessExecutor } from './io/exec';
import { NftClient } from './io/nft-client';
import { RouteClient } from './io/route-client';
import { BirdClient } from './io/bird-client';
import { probeCapabilities } from './io/capability-probe';
import { StateStore } from './io/state-store';
import { Reconciler } from './reconciler';
import { HealthChecker, probeTargets, ProbeFn, tcpProbe } from './health';
import { AgentMetrics } from './metrics';
import { createAgentServer } from './http';
import { ensurePushCertificate, type PushTlsMaterial } from './io/push-tls';
import { ControlPlaneClient } from './io/control-plane-client';
import { ControlPlaneSync } from './control-plane-sync';
import { SignedSubmitOutcome, StateVerifier } from './control-plane/signature';
import { LocalPolicy, localPolicyProblems } from './control-plane/local-policy';
import { desiredStateSchema } from '@anyfront/contracts';
import type { SubmitOutcome } from './reconciler';
import { XdpAgentHook } from './xdp/agent-hook';

/** Wires config, I/O clients, reconciler, health checks, HTTP API, file watch and signals. */
export class Agent {
  readonly reconciler: Reconciler;
  readonly nft: NftClient;
  private readonly bird: BirdClient | null;
  private readonly health: HealthChecker;
  private readonly metrics: AgentMetrics;
  private readonly verifier: StateVerifier;
  private readonly policy: LocalPolicy;
  private server: Server | TlsServer | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private sync: ControlPlaneSync | null = null;
  private stopped = false;
  readonly xdp: XdpAgentHook;

  constructor(private readonly config: AgentConfig, private readonly log: PinoLogger, private readonly exec: Executor = new ProcessExecutor(), probe: ProbeFn = tcpProbe) {
    this.nft = new NftClient(exec, config.nft_table);
    this.verifier = new StateVerifier(config.state_keys, config.state_dir);
    this.policy = {
      allowedPrefixes: config.allowed_prefixes,
      allowDocumentationAddresses: config.allow_documentation_addresses,
      ownAddresses: [config.tunnel_source_ipv4, config.tunnel_source_ipv6].filter((x): x is string => !!x),
    };
    if (!config.allowed_prefixes) log.warn({}, 'no allowed_prefixes configured: this edge announces whatever pools a signed desired state names');
    const routes = new RouteClient(exec, { base: config.mark_base, count: config.mark_count, rulePriority: config.rule_priority }, config.tunnel_device_prefix);
    const b = config.bird && config.bird.enabled ? config.bird : null;
    this.bird = b ? new BirdClient(exec, { configPath: b.config_path, controlSocket: b.control_socket, pidFile: b.pid_file, binary: b.binary, birdc: b.birdc }) : null;
    this.reconciler = new Reconciler(
      this.nft,
      routes,
      this.bird,
      new StateStore(config.state_dir),
      {
        nodeId: config.node_id,
        plan: { table: config.nft_table, flowTimeoutSeconds: config.flow_timeout_seconds, flowTableSize: config.flow_table_size, flowHandshakeTimeoutSeconds: config.flow_handshake_timeout_seconds, floodNewFlowsPerSecond: config.flood_new_flows_per_second, probePortBase: config.health.source_port_base, requireRise: config.health.enabled && !config.dry_run },
        backendDrainSeconds: config.backend_drain_seconds,
        markBase: config.mark_base,
        markCount: config.mark_count,
        uplink: config.uplink_device,
        rulePriority: config.rule_priority,
        devicePrefix: config.tunnel_device_prefix,
        sources: { ipv4: config.tunnel_source_ipv4, ipv6: config.tunnel_source_ipv6 },
        bird: b ? { routerId: b.router_id, localAs: b.local_as, neighbors: b.neighbors, bfd: b.bfd, holdTime: b.hold_time, keepaliveTime: b.keepalive_time } : undefined,
        dryRun: config.dry_run,
      },
      log,
      (r) => {
        this.metrics.applyDuration.observe(r.ms / 1000);
        this.refreshProbes();
        this.xdp.applied(this.reconciler.lastPlan, this.tunnelSources());
        setImmediate(() => void this.sync?.reportStatus());
      },
    );
    this.health = new HealthChecker((svc, backend, healthy) => {
      log.warn({ service: svc, backend, healthy }, healthy ? 'backend healthy' : 'backend unhealthy');
      void this.reconciler.setHealth(svc, backend, healthy);
    }, probe);
    this.xdp = new XdpAgentHook(config.dry_run ? { ...config.xdp, enabled: false } : config.xdp, exec, {
      uplink: config.uplink_device, flowTimeoutSeconds: config.flow_timeout_seconds, handshakeTimeoutSeconds: config.flow_handshake_timeout_seconds, floodNewFlowsPerSecond: config.flood_new_flows_per_second,
    }, log);
    this.metrics = new AgentMetrics(this.reconciler, () => this.nft.counters());
  }

  async start(): Promise<number> {
    if (!this.config.dry_run) {
      // What this kernel can program: a service needing something missing is skipped, not the whole edge.
      this.reconciler.capabilities = await probeCapabilities(this.exec);
      this.log.info({ capabilities: this.reconciler.capabilities }, 'kernel capabilities');
      await this.xdp.start();
      this.log.info({ datapath: this.xdp.report() }, 'data path');
    }
    if (this.bird && this.config.bird?.spawn && !this.config.dry_run) {
      // Start BIRD with every static disabled: nothing is announced before the data plane is programmed.
      const b = this.config.bird;
      await this.bird.writeConfig(renderBirdConfig({ routerId: b.router_id, localAs: b.local_as, neighbors: b.neighbors, bfd: b.bfd, holdTime: b.hold_time, keepaliveTime: b.keepalive_time, pools: [], announce: false }));
      await this.bird.spawn();
      this.bird.spawned?.once('exit', (code) => { if (!this.stopped) this.log.error({ code }, 'bird exited'); });
    }
    const restored = await this.reconciler.restore();
    if (restored) this.log.info({ generation: this.reconciler.generation, programmed: this.reconciler.programmed }, 'restored last good state');
    if (this.config.desired_state_file) {
      await this.loadFile('start');
      watchFile(this.config.desired_state_file, { interval: 500 }, () => void this.loadFile('changed'));
    }
    // Before the control plane hears the push URL: it gets the certificate's fingerprint with it.
    const tls: PushTlsMaterial | undefined = this.config.listen.tls ? await ensurePushCertificate(this.config.state_dir, `anyfront-agent ${this.config.node_id}`) : undefined;
    if (tls) this.log.info({ fingerprint256: tls.fingerprint256 }, 'push endpoint certificate');
    const cp = this.config.control_plane;
    // Also in dry run (npm start's local fleet off the lab): pull, status and empty traffic reports touch no kernel.
    if (cp) {
      const credential = cp.credential ?? (await readFile(cp.credential_file as string, 'utf8')).trim();
      const r = this.reconciler;
      this.sync = new ControlPlaneSync(
        new ControlPlaneClient(cp.url, credential),
        {
          generation: () => r.generation,
          submit: (raw) => this.submit(raw),
          status: () => ({ announced: r.announced, drained: r.drained, programmed: r.programmed, lastError: r.lastError, plan: r.lastPlan, capabilities: r.capabilities, failedServices: r.failedServices, uncheckedHealthy: !this.config.health.enabled || this.config.dry_run }),
          readCounters: () => (this.config.dry_run ? Promise.resolve(new Map()) : this.nft.counters()),
        },
        { stateDir: this.config.state_dir, pullSeconds: cp.pull_interval_seconds, statusSeconds: cp.status_interval_seconds, trafficSeconds: cp.traffic_interval_seconds, pushUrl: cp.push_url, pushTlsFingerprint: tls?.fingerprint256 },
        this.log,
      );
      await this.sync.start();
    }
    this.retryTimer = setInterval(() => { if (this.reconciler.needsRetry) void this.reconciler.retry(); }, 5000);
    if (this.config.resync_interval_seconds > 0 && !this.config.dry_run) {
      this.resyncTimer = setInterval(() => void this.reconciler.resync(), this.config.resync_interval_seconds * 1000);
    }
    this.server = createAgentServer(this, this.config.push_token, { nodeId: this.config.node_id, trusted: () => this.verifier.trusted() }, tls);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.listen.port, this.config.listen.host, () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    this.log.info({ node_id: this.config.node_id, host: this.config.listen.host, port, generation: this.reconciler.generation, announced: this.reconciler.announced }, 'agent ready');
    return port;
  }

  /** Re-reads desired_state_file (start, file change, SIGHUP). */
  async loadFile(why: string): Promise<SignedSubmitOutcome | null> {
    const file = this.config.desired_state_file;
    if (!file || this.stopped) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      this.reconciler.lastError = `cannot read ${file}: ${(e as Error).message}`;
      this.log.error({ file, err: this.reconciler.lastError }, 'desired state file unreadable');
      return null;
    }
    const out = await this.submit(raw);
    if (out.status === 200) this.log.info({ file, why, ...out }, out.applied ? 'applied desired state file' : 'desired state file unchanged');
    else {
      this.reconciler.lastError = `${out.title}: ${out.detail}`;
      this.log.error({ file, why, ...out }, 'desired state file refused');
    }
    return out;
  }

  /** Every desired state (push, pull, file) comes through here: verified first, then applied. */
  async submit(raw: unknown): Promise<SignedSubmitOutcome> {
    const out = await this.verifier.submit(raw, (state) => this.applyWithinPolicy(state));
    if (out.status === 401) this.log.error({ detail: out.detail }, 'desired state refused: signature');
    return out;
  }

  /** The local policy (allowed_prefixes, backend address rules) before the reconciler: a violation refuses the whole state. */
  private applyWithinPolicy(state: unknown): Promise<SubmitOutcome> {
    const parsed = desiredStateSchema.safeParse(state);
    const problems = parsed.success ? localPolicyProblems(parsed.data, this.policy) : [];
    if (problems.length) {
      this.log.error({ generation: parsed.data?.generation, problems }, 'desired state refused by the local policy');
      return Promise.resolve({ status: 422, title: 'Desired state refused by the local policy', detail: problems.join('; '), generation: this.reconciler.generation });
    }
    return this.reconciler.submit(state);
  }

  setDrain(on: boolean): Promise<void> {
    this.log.warn({ drained: on }, on ? 'operator drain' : 'operator undrain');
    return this.reconciler.setOperatorDrain(on);
  }

  private refreshProbes(): void {
    const plan = this.reconciler.lastPlan;
    const state = this.reconciler.state;
    if (!plan || !state || !this.config.health.enabled || this.config.dry_run || this.stopped) return;
    const checks = new Map<string, HealthCheck>(state.services.map((s) => [s.id, s.health_check]));
    this.health.update(probeTargets(plan, checks, this.tunnelSources()));
  }

  private tunnelSources(): { ipv4?: string; ipv6?: string } {
    const node = this.reconciler.state?.node;
    return { ipv4: node?.tunnel_source_ipv4 ?? this.config.tunnel_source_ipv4, ipv6: node?.tunnel_source_ipv6 ?? this.config.tunnel_source_ipv6 };
  }

  status(): Record<string, unknown> {
    const r = this.reconciler;
    const plan = r.lastPlan;
    return {
      node_id: this.config.node_id,
      applied_generation: r.generation,
      programmed: r.programmed,
      announced: r.announced,
      drained: r.drained,
      dry_run: this.config.dry_run,
      last_error: r.lastError,
      last_apply_ms: r.lastApplyMs,
      capabilities: r.capabilities,
      datapath: this.xdp.report(),
      failed_services: [...r.failedServices].map(([id, reason]) => ({ id, reason })),
      services: (plan?.services ?? []).map((s) => ({
        id: s.id,
        addresses: s.addresses.map((a) => a.address),
        encapsulation: s.encapsulation,
        maglev_table_size: s.m,
        usable_buckets: s.buckets.size,
        backends: s.backends.map((b) => ({ id: b.id, address: b.address, mark: b.mark, enabled: b.enabled, weight: b.weight, healthy: b.healthy ?? null, ...(b.draining ? { draining: true } : {}) })),
      })),
    };
  }

  async metricsText(): Promise<{ text: string; contentType: string }> {
    return { text: await this.metrics.text(), contentType: this.metrics.registry.contentType };
  }

  /** Withdraw, stop probing and serving; nft and routes stay so flows keep forwarding while BGP converges. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.config.desired_state_file) unwatchFile(this.config.desired_state_file);
    if (this.retryTimer) clearInterval(this.retryTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.sync?.stop();
    this.health.stop();
    await this.reconciler.shutdown().catch((e) => this.log.error({ err: (e as Error).message }, 'withdraw failed'));
    await this.sync?.reportStatus(); // tell the control plane we no longer announce
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections?.();
    if (this.bird) await this.bird.stop();
    this.log.info({}, 'agent stopped (data plane left in place)');
  }
}
