import { mkdir, readFile } from 'node:fs/promises';
import { existsSync, readFileSync, unwatchFile, watchFile } from 'node:fs';
import { ChildProcess, fork, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { Server } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger as PinoLogger } from 'pino';
import type { HealthCheck } from '@anyfront/contracts';
import { type DataplanePlan, renderBirdConfig } from '@anyfront/dataplane';
import type { AgentConfig } from './config';
import { Executor, ProcessExecutor } from './io/exec';
import { type CounterValue, NftClient } from './io/nft-client';
import { RouteClient } from './io/route-client';
import { BirdClient } from './io/bird-client';
import { probeCapabilities } from './io/capability-probe';
import { StateStore } from './io/state-store';
import { Reconciler } from './reconciler';
import { ChallengeFn, challengeProbe, HealthChecker, probeTargets, ProbeFn, ProbeWorker, verifyTokens } from './health';
import type { BackendVerificationReport } from './reports';
import { AgentMetrics } from './metrics';
import { createAgentServer } from './http';
import { ensurePushCertificate, type PushTlsMaterial } from './io/push-tls';
import { ControlPlaneClient } from './io/control-plane-client';
import { ControlPlaneSync } from './control-plane-sync';
import { SignedSubmitOutcome, StateVerifier } from './control-plane/signature';
import { pidAlive, takeWithdrawnMarker, writeHeartbeat } from './watchdog';
import { LocalPolicy, localPolicyProblems } from './control-plane/local-policy';
import { desiredStateSchema } from '@anyfront/contracts';
import type { SubmitOutcome } from './reconciler';
import { XdpAgentHook } from './xdp/agent-hook';
import { type CounterSample, watchCounters, watchedServices } from './verdict-counters';

/** The agent's own health before an apply, for the canary verdict. */
export interface VerdictBaseline {
  /** Established BGP sessions; null: no BIRD (dry run). */
  bgp: number | null;
  /** Each service's applied content (JSON), by id. */
  services: Map<string, string>;
  /** "service/backend" keys that passed health checks. */
  healthy: Set<string>;
  /** The plan in force before the change and the last counter reads under it (the counter check's "before"). */
  plan: DataplanePlan | null;
  counters: CounterSample[];
  atMs: number;
}

/** Between two counter re-reads of the verdict's counter check. */
const VERDICT_COUNTER_POLL_MS = 200;
/** A counter read older than this says nothing about the traffic right before a change (traffic reports read every 10 s by default). */
const VERDICT_COUNTER_MAX_AGE_MS = 60_000;

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
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private watchdog: ChildProcess | null = null;
  /** Where the agent proves it is alive to the BIRD watchdog; null = no watchdog. */
  private readonly heartbeatFile: string | null;
  readonly xdp: XdpAgentHook;

  /** The last two nft counter reads (traffic reports, metrics scrapes, verdicts): the canary verdict's "before". */
  private counterReads: CounterSample[] = [];

  private readonly probeWorker: ProbeWorker | null = null;
  private readonly probe: ProbeFn;

  constructor(private readonly config: AgentConfig, private readonly log: PinoLogger, private readonly exec: Executor = new ProcessExecutor(), probe?: ProbeFn, challenge?: ChallengeFn) {
    if (!probe) {
      // Probes (and ownership challenges) under their own uid (only its sockets are marked into tunnels), in a child process.
      const h = config.health;
      this.probeWorker = new ProbeWorker(() => fork(require.resolve('./probe-worker'), [], { execArgv: process.execArgv, uid: h.probe_uid, gid: h.probe_gid, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
      probe = this.probeWorker.probe;
      challenge ??= this.probeWorker.challenge;
    }
    this.probe = probe;
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
    this.heartbeatFile = b && b.watchdog.enabled && !config.dry_run ? b.watchdog.heartbeat_file ?? join(config.state_dir, 'heartbeat.json') : null;
    this.bird = b ? new BirdClient(exec, { configPath: b.config_path, controlSocket: b.control_socket, pidFile: b.pid_file, binary: b.binary, birdc: b.birdc }) : null;
    this.reconciler = new Reconciler(
      this.nft,
      routes,
      this.bird,
      new StateStore(config.state_dir),
      {
        nodeId: config.node_id,
        plan: { table: config.nft_table, flowTimeoutSeconds: config.flow_timeout_seconds, flowTableSize: config.flow_table_size, flowHandshakeTimeoutSeconds: config.flow_handshake_timeout_seconds, floodNewFlowsPerSecond: config.flood_new_flows_per_second, probePortBase: config.health.source_port_base, probeUid: config.health.probe_uid, requireRise: config.health.enabled && !config.dry_run },
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
    }, probe, challenge ?? challengeProbe, (svc, backend, binding) => {
      const v = this.health.verificationOf(svc, backend);
      if (binding) log.info({ service: svc, backend }, 'backend verified: the backend kit proved it serves this backend');
      else log.warn({ service: svc, backend, verification: v?.state, reason: v?.reason }, 'backend not verified: no tenant traffic until the backend kit proves it');
      void this.reconciler.setVerified(svc, backend, binding);
    });
    this.xdp = new XdpAgentHook(config.xdp, exec, {
      uplink: config.uplink_device, flowTimeoutSeconds: config.flow_timeout_seconds, handshakeTimeoutSeconds: config.flow_handshake_timeout_seconds, floodNewFlowsPerSecond: config.flood_new_flows_per_second,
      datapath: config.datapath, stateDir: config.state_dir,
    }, log, config.dry_run);
    this.metrics = new AgentMetrics(this.reconciler, () => this.readCounters());
  }

  async start(): Promise<number> {
    if (!this.config.dry_run) {
      // What this kernel can program: a service needing something missing is skipped, not the whole edge.
      this.reconciler.capabilities = await probeCapabilities(this.exec);
      this.log.info({ capabilities: this.reconciler.capabilities }, 'kernel capabilities');
      await this.xdp.start();
      this.reconciler.capabilities = { ...this.reconciler.capabilities, xdp: this.xdp.capability === true };
      this.log.info({ datapath: this.xdp.report() }, 'data path');
    }
    if (this.heartbeatFile) await this.startHeartbeat(this.heartbeatFile);
    const b = this.config.bird;
    const withdrawnConfig = () => b && renderBirdConfig({ routerId: b.router_id, localAs: b.local_as, neighbors: b.neighbors, bfd: b.bfd, holdTime: b.hold_time, keepaliveTime: b.keepalive_time, pools: [], announce: false });
    if (this.bird && b && !b.spawn && !this.config.dry_run && !existsSync(b.config_path)) {
      // BIRD under systemd waits for this file (infra/systemd); the first one announces nothing.
      await this.bird.writeConfig(withdrawnConfig()!);
    }
    if (this.bird && b?.spawn && !this.config.dry_run) {
      // Start BIRD with every static disabled: nothing is announced before the data plane is programmed.
      await this.stopOrphanBird();
      await this.bird.writeConfig(withdrawnConfig()!);
      await this.bird.spawn();
      this.bird.spawned?.once('exit', (code) => { if (!this.stopped) this.log.error({ code }, 'bird exited'); });
      if (this.heartbeatFile && this.bird.spawned?.pid) this.spawnWatchdog(this.heartbeatFile, this.bird.spawned.pid);
    }
    if (this.config.health.enabled && !this.config.dry_run) this.probeWorker?.warm();
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
          status: () => ({ announced: r.announced, drained: r.drained, programmed: r.programmed, lastError: r.lastError, plan: r.lastPlan, capabilities: r.capabilities, failedServices: r.failedServices, uncheckedHealthy: !this.config.health.enabled || this.config.dry_run, verification: (s, b) => this.verificationOf(s, b), healthReason: (s, b) => this.health.reasonOf(s, b) }),
          readCounters: () => (this.config.dry_run ? Promise.resolve(new Map()) : this.readCounters()),
        },
        { stateDir: this.config.state_dir, pullSeconds: cp.pull_interval_seconds, statusSeconds: cp.status_interval_seconds, trafficSeconds: cp.traffic_interval_seconds, pushUrl: cp.push_url, pushTlsFingerprint: tls?.fingerprint256 },
        this.log,
      );
      await this.sync.start();
    }
    this.retryTimer = setInterval(() => {
      if (this.reconciler.needsRetry) void this.reconciler.retry();
      else if (this.reconciler.birdOutOfSync) void this.reconciler.reassertBird(); // BIRD was down (restarting under systemd)
    }, 5000);
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

  /**
   * Heartbeat for the BIRD watchdog (watchdog.ts), from the event loop so a hung loop stops it too.
   * The watchdog leaves a marker when it withdrew: this agent is evidently running again, so the
   * announcements are put back to what the reconciler wants.
   */
  private async startHeartbeat(file: string): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    await writeHeartbeat(file);
    await takeWithdrawnMarker(file);
    this.heartbeatTimer = setInterval(() => {
      void (async () => {
        await writeHeartbeat(file);
        if (await takeWithdrawnMarker(file)) {
          this.log.warn({}, 'the BIRD watchdog had withdrawn the pools (this agent was not running): announcing again');
          await this.reconciler.reassertBird();
        }
      })().catch((e) => this.log.error({ err: (e as Error).message }, 'heartbeat failed'));
    }, 1000);
  }

  /** The watchdog runs as its own process, so it outlives this one (kill -9) and runs while this one is frozen. */
  private spawnWatchdog(heartbeatFile: string, birdPid: number): void {
    const b = this.config.bird!;
    const args = [...process.execArgv, process.argv[1] ?? '', 'watchdog', '--heartbeat', heartbeatFile, '--timeout', String(b.watchdog.timeout_seconds), '--birdc', b.birdc, '--socket', b.control_socket, '--bird-pid', String(birdPid), '--agent-pid', String(process.pid), '--log-level', this.config.log_level];
    this.watchdog = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    this.watchdog.once('exit', (code) => { if (!this.stopped) this.log.error({ code }, 'BIRD watchdog exited'); });
  }

  /** A BIRD left running by a previous agent that was killed (its pid file names a live bird): stopped before ours starts. */
  private async stopOrphanBird(): Promise<void> {
    const pidFile = this.config.bird?.pid_file;
    if (!pidFile) return;
    let pid = 0;
    try { pid = Number(readFileSync(pidFile, 'utf8').trim()); } catch { return; }
    if (!(pid > 0) || !pidAlive(pid)) return;
    let comm = '';
    try { comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return; }
    if (comm !== 'bird') return;
    this.log.warn({ pid }, 'stopping the BIRD a previous agent left running');
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
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

  /** What a canary verdict compares with: taken before a pushed state is applied. */
  async verdictBaseline(): Promise<VerdictBaseline> {
    const r = this.reconciler;
    const healthy = new Set<string>();
    for (const svc of r.lastPlan?.services ?? []) for (const b of svc.backends) if (b.healthy === true && !b.draining) healthy.add(`${svc.id}/${b.id}`);
    return {
      bgp: await this.bgpSessions().catch(() => null),
      services: new Map((r.state?.services ?? []).map((s) => [s.id, JSON.stringify(s)])),
      healthy,
      plan: r.lastPlan,
      counters: [...this.counterReads],
      atMs: Date.now(),
    };
  }

  /**
   * Every read of the counters goes through here, so the canary verdict knows the newest ones: nft's
   * and the XDP fast path's (names kept apart: reports, metrics and the verdict add them up).
   */
  private async readCounters(): Promise<Map<string, CounterValue>> {
    const [nft, xdp] = await Promise.all([this.nft.counters(), this.xdp.counters()]);
    const counters = new Map([...nft, ...xdp]);
    this.counterReads = [...this.counterReads, { atMs: Date.now(), counters }].slice(-2);
    return counters;
  }

  /**
   * The canary's verdict right after an apply (staged rollout, libs/domain/src/fleet/canary.ts):
   * applied without error and programmed (BIRD updated included), no fewer BGP sessions established
   * than before, and for each service whose content changed and had
   * backends passing health checks before, at least one of those passes an immediate check through
   * its tunnel now, and its counters moving: a service that forwarded right before the change does
   * not take packets for its listeners without forwarding any after it (verdict-counters.ts). Fast:
   * one `birdc` call, one probe round (timeout at most 1 s) and, at the same time, counter re-reads
   * only while a service that had traffic has not forwarded yet (at most verdict.counter_window_ms).
   * A withdrawn announcement alone is no failure: a new service announces only once a backend passed
   * its checks.
   */
  async verdict(before: VerdictBaseline): Promise<{ ok: boolean; reasons: string[]; failed_services: Array<{ id: string; reason: string }> }> {
    const r = this.reconciler;
    const reasons: string[] = [];
    if (!r.programmed) reasons.push(`the data plane is not programmed${r.lastError ? `: ${r.lastError}` : ''}`);
    else if (r.lastError) reasons.push(r.lastError);
    if (before.bgp !== null) {
      const now = await this.bgpSessions().catch(() => 0);
      if (now !== null && now < before.bgp) reasons.push(`BGP sessions established: ${now}, ${before.bgp} before the change`);
    }
    const [health, counters] = await Promise.all([this.changedServicesHealth(before), this.countersMoving(before)]);
    reasons.push(...health, ...counters);
    return { ok: reasons.length === 0, reasons, failed_services: [...r.failedServices].map(([id, reason]) => ({ id, reason })) };
  }

  private async bgpSessions(): Promise<number | null> {
    if (!this.bird || this.config.dry_run) return null;
    return this.bird.establishedBgpSessions();
  }

  private async countersMoving(before: VerdictBaseline): Promise<string[]> {
    const after = this.reconciler.lastPlan;
    if (this.config.dry_run || !after) return [];
    const watched = watchedServices(before.counters, before.plan, after, before.atMs, { maxSampleAgeMs: VERDICT_COUNTER_MAX_AGE_MS });
    const o = this.config.verdict;
    return watchCounters(watched, after, async () => ({ atMs: Date.now(), counters: await this.readCounters() }), {
      windowMs: o.counter_window_ms, minPackets: o.counter_min_packets, pollMs: VERDICT_COUNTER_POLL_MS, maxSampleAgeMs: VERDICT_COUNTER_MAX_AGE_MS,
    });
  }

  private async changedServicesHealth(before: VerdictBaseline): Promise<string[]> {
    const plan = this.reconciler.lastPlan;
    const state = this.reconciler.state;
    if (!plan || !state || !this.config.health.enabled || this.config.dry_run) return [];
    const out: string[] = [];
    await Promise.all(state.services.map(async (s) => {
      const was = before.services.get(s.id);
      if (was === undefined || was === JSON.stringify(s)) return;
      const check = { ...s.health_check, timeout_seconds: Math.min(s.health_check.timeout_seconds, 1) };
      const targets = probeTargets({ ...plan, services: plan.services.filter((p) => p.id === s.id) }, new Map([[s.id, check]]), this.tunnelSources())
        .filter((t) => before.healthy.has(`${s.id}/${t.backendId}`))
        .slice(0, 8);
      if (!targets.length) return;
      const ok = await Promise.all(targets.map((t) => this.probe(t, t.ports[0]).catch(() => false)));
      if (!ok.some(Boolean)) out.push(`service ${s.id}: none of the ${targets.length} backend checks that passed before the change passes now`);
    }));
    return out;
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
    this.health.update(probeTargets(plan, checks, this.tunnelSources(), verifyTokens(state.services), { pathMtu: this.config.health.path_mtu_probe ? { recheckSeconds: this.config.health.path_mtu_recheck_seconds } : undefined }));
  }

  /**
   * A backend's verification on this edge, for backends whose proof the applied state demands. An
   * edge that sends no challenges (dry run, health checks off) says so: pending, never verified.
   */
  verificationOf(serviceId: string, backendId: string): BackendVerificationReport | undefined {
    const b = this.reconciler.state?.services.find((s) => s.id === serviceId)?.backends.find((x) => x.id === backendId);
    if (!b?.verify_token) return undefined;
    if (this.config.dry_run) return { state: 'pending', reason: 'this edge runs a dry-run data plane: it sends no challenges (and no traffic)', checkedAt: null };
    if (!this.config.health.enabled) return { state: 'pending', reason: 'health checks are off on this edge, so it sends no challenges: the backend gets no traffic here', checkedAt: null };
    return this.health.verificationOf(serviceId, backendId) ?? { state: 'pending', reason: 'waiting for the first challenge', checkedAt: null };
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
      announced_families: { ipv4: r.announcedFamilies[4], ipv6: r.announcedFamilies[6] },
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
        backends: s.backends.map((b) => ({ id: b.id, address: b.address, mark: b.mark, enabled: b.enabled, weight: b.weight, healthy: b.healthy ?? null, health_reason: b.healthy === false ? this.health.reasonOf(s.id, b.id) : null, verification: this.verificationOf(s.id, b.id)?.state ?? null, ...(b.draining ? { draining: true } : {}) })),
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
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    // This agent withdraws itself; the watchdog would only race it.
    if (this.watchdog && this.watchdog.exitCode === null) this.watchdog.kill('SIGTERM');
    this.sync?.stop();
    this.health.stop();
    this.probeWorker?.stop();
    await this.reconciler.shutdown().catch((e) => this.log.error({ err: (e as Error).message }, 'withdraw failed'));
    await this.sync?.reportStatus(); // tell the control plane we no longer announce
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections?.();
    if (this.bird) await this.bird.stop();
    this.log.info({}, 'agent stopped (data plane left in place)');
  }
}
