import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { DesiredState, desiredStateSchema, KernelCapabilities, PoolState } from '@anyfront/contracts';
import { verificationBinding } from '@anyfront/domain';
import {
  ALL_CAPABILITIES, allocateMarks, Families, AppliedSummary, buildGuards, buildPlan, buildRouting, DataplanePlan, emptyAllocation, EMPTY_INVENTORY, MarkAllocation, markKey,
  NftInventory, PlanOptions, renderBirdConfig, renderNftChange, renderRoutingChange, RoutingChange, RoutingInventory,
  renderGuardChange, routingChangeIsEmpty, drainingMarkKeys, semanticProblems, summarize, TunnelSources, unsupportedReason, wantedMarkKeys, withGuards,
} from '@anyfront/dataplane';
import type { PersistedState } from './io/state-store';

/** I/O the reconciler needs; real implementations live in ./io, tests pass fakes. */
export interface NftPort {
  inventory(): Promise<NftInventory>;
  apply(script: string): Promise<void>;
}
export interface RoutePort {
  inventory(): Promise<RoutingInventory>;
  applyAdds(c: RoutingChange): Promise<void>;
  applyRemovals(c: RoutingChange): Promise<void>;
}
export interface BirdPort {
  writeConfig(text: string): Promise<void>;
  configure(): Promise<void>;
  setAnnounce(on: Families): Promise<void>;
}
export interface StorePort {
  load(): Promise<PersistedState | null>;
  save(s: PersistedState): Promise<void>;
}
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ReconcilerOptions {
  nodeId: string;
  plan: PlanOptions;
  markBase: number;
  markCount: number;
  uplink: string;
  rulePriority: number;
  devicePrefix: string;
  /** Config fallbacks for the node's tunnel sources. */
  sources: TunnelSources;
  /** How long a backend removed from the desired state keeps its running flows (no new ones) before its routes go. */
  backendDrainSeconds?: number;
  bird?: { routerId: string; localAs: number; neighbors: { address: string; as: number; name?: string; source_address?: string; multihop?: number }[]; bfd: boolean; holdTime: number; keepaliveTime: number };
  dryRun: boolean;
}

/** The state with the given services kept (addresses, listeners) but without backends: refused and counted, never routed. */
export function skipServices(state: DesiredState, skip: ReadonlyMap<string, string>): DesiredState {
  if (!skip.size) return state;
  return { ...state, services: state.services.map((s) => (skip.has(s.id) ? { ...s, backends: [] } : s)) };
}

export type SubmitOutcome =
  | { status: 200; applied: boolean; generation: number }
  | { status: 409 | 422 | 500; title: string; detail: string; generation?: number };

export interface ApplyResult {
  ms: number;
  changedServices: string[];
}

/**
 * Turns desired states into kernel state: validate -> render -> routes (adds) -> one nft
 * transaction -> routes (removals) -> persist -> BIRD. Every operation is serialised.
 *
 * Failure semantics: a state that fails validation changes nothing (422). Failures are per service
 * where they can be: a service this kernel cannot program (capabilities probed at start) or whose
 * routes the kernel refuses is skipped on this edge — rendered without backends, so its traffic is
 * refused with a TCP reset / ICMP unreachable and counted — and reported with its reason
 * (`failedServices`); every other service is programmed and the pools stay announced. If the nft
 * transaction fails, the kernel refused it as a whole and the previous state is still fully
 * programmed, so the node keeps announcing. If routes fail half-way for no one service the data
 * plane matches no state: the node withdraws until a later apply succeeds (retried by the agent).
 */
export class Reconciler {
  private queue: Promise<unknown> = Promise.resolve();
  private applied: { state: DesiredState; summary: AppliedSummary } | null = null;
  private marks: MarkAllocation;
  private readonly health = new Map<string, boolean>();
  /** Backends whose ownership proof this edge has: "service/backend" -> the binding (token, address) proven. */
  private readonly verified = new Map<string, string>();
  private operatorDrain = false;
  private stopping = false;
  programmed = false;
  /** True while the pools of either family are announced. */
  announced = false;
  announcedFamilies: Families = { 4: false, 6: false };
  lastError: string | null = null;
  lastApplyMs: number | null = null;
  lastPlan: DataplanePlan | null = null;
  /** Desired state that failed to program (routes) and is retried. */
  private pending: DesiredState | null = null;
  /** Kernel capabilities probed at agent start; null = not probed (everything assumed). */
  capabilities: KernelCapabilities | null = null;
  /** Services of the applied state skipped on this edge, with the reason (re-evaluated on every apply and resync). */
  failedServices = new Map<string, string>();
  /** Backends removed from the desired state, still draining: "service/backend" -> address and end of the drain (ms). */
  private readonly draining = new Map<string, { serviceId: string; id: string; address: string; until: number }>();
  private drainTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly nft: NftPort,
    private readonly routes: RoutePort,
    private readonly bird: BirdPort | null,
    private readonly store: StorePort,
    private readonly opts: ReconcilerOptions,
    private readonly log: Logger,
    private readonly onApplied: (r: ApplyResult) => void = () => undefined,
  ) {
    this.marks = emptyAllocation(opts.markBase, opts.markCount);
  }

  get state(): DesiredState | null {
    return this.applied?.state ?? null;
  }
  get generation(): number {
    return this.applied?.state.generation ?? 0;
  }
  get drained(): boolean {
    return this.operatorDrain || (this.applied?.state.drained ?? false);
  }
  get needsRetry(): boolean {
    return this.pending !== null;
  }

  healthOf(serviceId: string, backendId: string): boolean | undefined {
    return this.health.get(markKey(serviceId, backendId));
  }

  /**
   * Health as the live set sees it: a backend whose desired state demands an ownership proof counts
   * as down until this edge verified exactly its token at its address (issue 8). A dry run sends no
   * challenges and forwards nothing, so there it is health alone.
   */
  private liveHealth(state: DesiredState): (serviceId: string, backendId: string) => boolean | undefined {
    const need = new Map<string, string>();
    for (const s of state.services) for (const b of s.backends) if (b.verify_token) need.set(markKey(s.id, b.id), verificationBinding(b.verify_token, b.address));
    return (s, b) => {
      const binding = need.get(markKey(s, b));
      if (binding !== undefined && !this.opts.dryRun && this.verified.get(markKey(s, b)) !== binding) return false;
      return this.healthOf(s, b);
    };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Loads the last good state and re-applies it without flushing flows (restart path). */
  restore(): Promise<boolean> {
    return this.serial(async () => {
      const saved = await this.store.load();
      if (!saved) {
        await this.syncBird();
        return false;
      }
      this.marks = saved.marks;
      for (const [k, v] of Object.entries(saved.health ?? {})) this.health.set(k, v);
      for (const [k, v] of Object.entries(saved.verified ?? {})) this.verified.set(k, v);
      this.applied = { state: saved.state, summary: saved.summary };
      try {
        await this.apply(saved.state);
      } catch (e) {
        // Not in force in this kernel: retried, and a push of the same generation applies it again.
        this.pending = saved.state;
        this.programmed = false;
        await this.fail(e);
      }
      return true;
    });
  }

  /** Validates and applies a pushed/loaded state. Never throws for bad input: returns the HTTP outcome. */
  submit(raw: unknown): Promise<SubmitOutcome> {
    return this.serial(async () => {
      const parsed = desiredStateSchema.safeParse(raw);
      if (!parsed.success) return { status: 422, title: 'Invalid desired state', detail: z.prettifyError(parsed.error) };
      const state = parsed.data;
      if (state.node.id !== this.opts.nodeId) {
        return { status: 422, title: 'Invalid desired state', detail: `desired state is for node "${state.node.id}", this is node "${this.opts.nodeId}"` };
      }
      const problems = semanticProblems(state, this.sources(state));
      if (problems.length) return { status: 422, title: 'Invalid desired state', detail: problems.join('\n') };
      const current = this.generation;
      if (this.applied && state.generation < current) {
        return { status: 409, title: 'Stale generation', detail: `generation ${state.generation} is older than the applied generation ${current}`, generation: current };
      }
      if (this.applied && state.generation === current && !this.pending) {
        if (isDeepStrictEqual(state, this.applied.state)) return { status: 200, applied: false, generation: current };
        return { status: 409, title: 'Generation conflict', detail: `generation ${current} is already applied with different content; send a newer generation`, generation: current };
      }
      try {
        await this.apply(state);
        return { status: 200, applied: true, generation: state.generation };
      } catch (e) {
        await this.fail(e);
        return { status: 500, title: 'Apply failed', detail: `${(e as Error).message}\nthe last good state (generation ${this.generation}) stays in force` };
      }
    });
  }

  /** Health of one backend changed: re-render (only services whose buckets changed are touched). */
  setHealth(serviceId: string, backendId: string, healthy: boolean): Promise<void> {
    return this.serial(async () => {
      const key = markKey(serviceId, backendId);
      if (this.health.get(key) === healthy) return;
      this.health.set(key, healthy);
      if (!this.applied || this.pending) return;
      try {
        await this.apply(this.applied.state);
      } catch (e) {
        await this.fail(e);
      }
    });
  }

  /** A backend's ownership proof changed on this edge (binding proven, or null): re-render like a health change. */
  setVerified(serviceId: string, backendId: string, binding: string | null): Promise<void> {
    return this.serial(async () => {
      const key = markKey(serviceId, backendId);
      if ((this.verified.get(key) ?? null) === binding) return;
      if (binding === null) this.verified.delete(key);
      else this.verified.set(key, binding);
      if (!this.applied || this.pending) return;
      try {
        await this.apply(this.applied.state);
      } catch (e) {
        await this.fail(e);
      }
    });
  }

  /**
   * Re-applies the applied state against the kernel: repairs drift (objects or routes removed by
   * hand, a reboot of BIRD) and writes nothing when the kernel still matches.
   */
  resync(): Promise<void> {
    // One waiting resync is enough: on a loaded node a resync can take longer than its interval,
    // and a growing backlog would delay every later operation (a shutdown's withdrawal included).
    if (this.resyncWaiting) return this.resyncWaiting;
    const run = this.serial(async () => {
      this.resyncWaiting = null;
      if (!this.applied || this.pending || this.stopping) return;
      try {
        await this.apply(this.applied.state);
      } catch (e) {
        await this.fail(e);
      }
    });
    this.resyncWaiting = run;
    return run;
  }
  private resyncWaiting: Promise<void> | null = null;

  /** Retry of a state whose routes failed. */
  retry(): Promise<void> {
    return this.serial(async () => {
      const s = this.pending;
      if (!s) return;
      try {
        await this.apply(s);
      } catch (e) {
        await this.fail(e);
      }
    });
  }

  /** Puts BIRD's statics back to what this reconciler wants (after the watchdog withdrew them). */
  reassertBird(): Promise<void> {
    return this.serial(() => this.syncBird().catch(() => undefined));
  }

  setOperatorDrain(on: boolean): Promise<void> {
    return this.serial(async () => {
      this.operatorDrain = on;
      await this.syncBird();
    });
  }

  /** Withdraw and stop applying; nft and routes stay so flows keep forwarding while BGP converges. */
  shutdown(): Promise<void> {
    return this.serial(async () => {
      this.stopping = true;
      if (this.drainTimer) clearTimeout(this.drainTimer);
      await this.syncBird();
    });
  }

  shouldAnnounce(): boolean {
    const f = this.shouldAnnounceFamilies();
    return f[4] || f[6];
  }

  /**
   * Per address family (issue 9 §8): a family's pools are announced while a service with an address
   * of that family can forward, so an edge whose IPv6 services are all broken keeps its IPv4 pools
   * (and the reverse). Pools of a family no service has an address in follow the edge as a whole.
   */
  shouldAnnounceFamilies(): Families {
    if (this.stopping || !this.programmed || this.drained || !this.applied) return { 4: false, 6: false };
    const services = this.applied.state.services;
    if (services.length === 0) return { 4: true, 6: true };
    // With health checks, a backend counts once it passed them (rise); without, unless it failed.
    const health = this.liveHealth(this.applied.state);
    const up = (s: string, b: string) => (this.opts.plan.requireRise ? health(s, b) === true : health(s, b) !== false);
    // A service skipped on this edge has nothing to forward to; it neither keeps nor stops the announcement alone.
    const serving = services.filter((s) => !this.failedServices.has(s.id) && s.backends.some((b) => b.enabled && b.weight > 0 && up(s.id, b.id)));
    const family = (f: 4 | 6) => {
      const has = (s: (typeof services)[number]) => s.addresses.some((a) => a.family === f);
      return services.some(has) ? serving.some(has) : serving.length > 0;
    };
    return { 4: family(4), 6: family(6) };
  }

  /**
   * Backends the next state removes from a service that stays start draining: they keep their mark,
   * route and place in the live set (running flows continue) but get no new flows, until
   * `backendDrainSeconds` have passed; then a re-apply removes them.
   */
  private updateDraining(next: DesiredState): void {
    const now = Date.now();
    const drainMs = (this.opts.backendDrainSeconds ?? 0) * 1000;
    const nextServices = new Map(next.services.map((s) => [s.id, new Set(s.backends.map((b) => b.id))]));
    if (drainMs > 0) {
      for (const s of this.applied?.state.services ?? []) {
        const keep = nextServices.get(s.id);
        if (!keep || this.failedServices.has(s.id)) continue;
        for (const b of s.backends) {
          const key = markKey(s.id, b.id);
          if (!keep.has(b.id) && !this.draining.has(key)) this.draining.set(key, { serviceId: s.id, id: b.id, address: b.address, until: now + drainMs });
        }
      }
    }
    for (const [key, d] of this.draining) {
      if (d.until <= now || !nextServices.has(d.serviceId) || nextServices.get(d.serviceId)!.has(d.id)) this.draining.delete(key);
    }
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    if (this.draining.size && !this.stopping) {
      const next = Math.min(...[...this.draining.values()].map((d) => d.until));
      this.drainTimer = setTimeout(() => void this.resync(), Math.max(0, next - now) + 50);
      this.drainTimer.unref();
    }
  }

  private drainingOf = (serviceId: string) => [...this.draining.values()].filter((d) => d.serviceId === serviceId);

  /** Backends removed from the desired state and still draining here (status). */
  get drainingBackends(): { serviceId: string; id: string; until: number }[] {
    return [...this.draining.values()].map((d) => ({ serviceId: d.serviceId, id: d.id, until: d.until }));
  }

  private sources(state: DesiredState): TunnelSources {
    return { ipv4: state.node.tunnel_source_ipv4 ?? this.opts.sources.ipv4, ipv6: state.node.tunnel_source_ipv6 ?? this.opts.sources.ipv6 };
  }

  /** Pure part of an apply: everything it would do, nothing done. */
  async render(state: DesiredState): Promise<{ plan: DataplanePlan; marks: MarkAllocation; nft: ReturnType<typeof renderNftChange>; routing: RoutingChange }> {
    const marks = allocateMarks(this.marks, [...wantedMarkKeys(state), ...drainingMarkKeys(state, this.drainingOf)]);
    const plan = buildPlan(state, marks, this.liveHealth(state), this.opts.plan, this.drainingOf);
    // A dry run does not even read the kernel (it may run unprivileged): it renders against an empty node.
    const [inv, rinv] = this.opts.dryRun
      ? [EMPTY_INVENTORY, { rules: [], routes: [], links: [] }]
      : await Promise.all([this.nft.inventory(), this.routes.inventory()]);
    const nft = renderNftChange(this.applied?.summary ?? null, plan, inv);
    const sources = this.sources(state);
    const routing = withGuards(
      renderRoutingChange(
        buildRouting(plan, { uplink: this.opts.uplink, rulePriority: this.opts.rulePriority, devicePrefix: this.opts.devicePrefix, sources }),
        rinv,
        { devicePrefix: this.opts.devicePrefix },
      ),
      // Loop guards: a blackhole per pool and the catch-all after the per-mark rules (see guards.ts).
      renderGuardChange(
        buildGuards(state.pools, { markBase: this.opts.markBase, markCount: this.opts.markCount, rulePriority: this.opts.rulePriority, tunnelSourceV6: sources.ipv6 }),
        rinv.guards ?? { rules: [] },
      ),
    );
    return { plan, marks, nft, routing };
  }

  private async apply(state: DesiredState): Promise<void> {
    const t0 = process.hrtime.bigint();
    const caps = this.capabilities ?? ALL_CAPABILITIES;
    const failed = new Map<string, string>();
    for (const svc of state.services) {
      const why = unsupportedReason(svc, caps);
      if (why) failed.set(svc.id, why);
    }
    this.updateDraining(state);
    let rendered = await this.render(skipServices(state, failed));
    if (this.opts.dryRun) {
      this.log.info({ generation: state.generation, nft: rendered.nft.script, routing: rendered.routing }, 'dry run: rendered, nothing applied');
    } else {
      try {
        await this.routes.applyAdds(rendered.routing);
      } catch (e) {
        // Find the services whose own routes the kernel refuses, skip them and render again.
        const culprits = await this.routeCulprits(rendered.plan, state);
        const programmable = rendered.plan.services.filter((s) => s.backends.length > 0).length;
        if (culprits.size === 0 || culprits.size >= programmable) {
          this.programmed = false;
          this.pending = state;
          throw e;
        }
        for (const [id, why] of culprits) failed.set(id, why);
        rendered = await this.render(skipServices(state, failed));
        try {
          await this.routes.applyAdds(rendered.routing);
        } catch (e2) {
          this.programmed = false;
          this.pending = state;
          throw e2;
        }
      }
      const { nft, routing } = rendered;
      if (!nft.empty) await this.nft.apply(nft.script); // atomic: on failure the kernel kept the previous state
      try {
        await this.routes.applyRemovals(routing);
      } catch (e) {
        this.programmed = false;
        this.pending = state;
        throw e;
      }
      if (!routingChangeIsEmpty(routing) || !nft.empty) this.log.info({ generation: state.generation, changed: nft.changed, removed: nft.removed, routes: routing }, 'data plane updated');
    }
    const { plan, marks, nft } = rendered;
    if (failed.size && !isDeepStrictEqual(failed, this.failedServices)) this.log.error({ generation: state.generation, failed: Object.fromEntries(failed) }, 'services skipped on this edge');
    this.failedServices = failed;
    this.marks = marks;
    for (const k of [...this.health.keys()]) if (!(k in marks.slots)) this.health.delete(k);
    for (const k of [...this.verified.keys()]) if (!(k in marks.slots)) this.verified.delete(k);
    this.applied = { state, summary: summarize(plan) };
    this.lastPlan = plan;
    this.pending = null;
    this.programmed = true;
    this.lastError = null;
    if (!this.opts.dryRun) await this.store.save({ state, summary: this.applied.summary, marks, health: Object.fromEntries(this.health), verified: Object.fromEntries(this.verified) });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    this.lastApplyMs = ms;
    this.onApplied({ ms, changedServices: nft.changed });
    // The data plane is in force; a BIRD problem is reported (status, lastError) but does not undo it.
    await this.syncBird().catch(() => undefined);
  }

  /**
   * After a route batch failed (`ip -batch` stops at the first error): applies each service's own
   * route additions separately, against a fresh inventory, and returns the services the kernel
   * refuses with its message. Additions only, so trying is harmless for the services that pass.
   */
  private async routeCulprits(plan: DataplanePlan, state: DesiredState): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const inv = await this.routes.inventory();
    const ropts = { uplink: this.opts.uplink, rulePriority: this.opts.rulePriority, devicePrefix: this.opts.devicePrefix, sources: this.sources(state) };
    for (const svc of plan.services) {
      if (!svc.backends.length) continue;
      const one = renderRoutingChange(buildRouting({ ...plan, services: [svc], marks: svc.backends.map((b) => b.mark) }, ropts), inv, { devicePrefix: this.opts.devicePrefix });
      try {
        await this.routes.applyAdds({ ...one, v4Del: [], v6Del: [], post: [] });
      } catch (e) {
        out.set(svc.id, `the kernel refused its tunnel routes: ${(e as Error).message.slice(0, 600)}`);
      }
    }
    return out;
  }

  private async fail(e: unknown): Promise<void> {
    const message = (e as Error).message;
    this.log.error({ err: message, programmed: this.programmed }, 'apply failed');
    // Routes half-applied: withdraw. (An nft failure changed nothing, so the old state still forwards.)
    await this.syncBird().catch(() => undefined);
    this.lastError = message;
  }

  private lastBirdConfig: string | null = null;
  /** The last BIRD update failed (BIRD down or restarting): the agent retries it. */
  birdOutOfSync = false;

  /** Writes the BIRD config when it changed and enables/disables the pool statics. */
  private async syncBird(): Promise<void> {
    const fams = this.shouldAnnounceFamilies();
    const announce = fams[4] || fams[6];
    if (!this.bird || !this.opts.bird || this.opts.dryRun) {
      this.announced = announce;
      this.announcedFamilies = fams;
      return;
    }
    const pools: PoolState[] = this.applied?.state.pools ?? [];
    const config = renderBirdConfig({ ...this.opts.bird, pools, announce: fams });
    try {
      // Withdraw first (birdc disable takes milliseconds), then rewrite; announce only after the rewrite.
      if (!fams[4] || !fams[6]) await this.bird.setAnnounce({ 4: fams[4] && this.announcedFamilies[4], 6: fams[6] && this.announcedFamilies[6] });
      if (config !== this.lastBirdConfig) {
        await this.bird.writeConfig(config);
        await this.bird.configure();
        this.lastBirdConfig = config;
      }
      if (announce) await this.bird.setAnnounce(fams);
      if (fams[4] !== this.announcedFamilies[4] || fams[6] !== this.announcedFamilies[6]) this.log.info({ announce, ipv4: fams[4], ipv6: fams[6] }, announce ? 'announcing pools' : 'withdrew pools');
      this.announced = announce;
      this.announcedFamilies = fams;
      if (this.birdOutOfSync && this.lastError?.startsWith('BIRD:')) this.lastError = null;
      this.birdOutOfSync = false;
    } catch (e) {
      this.birdOutOfSync = true;
      this.lastError = `BIRD: ${(e as Error).message}`;
      this.log.error({ err: this.lastError }, 'BIRD update failed');
      throw e;
    }
  }
}
