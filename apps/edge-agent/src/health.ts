import type { ChildProcess } from 'node:child_process';
import { ProbeFn, ProbeTarget, tcpProbe } from './probe';
import type { DataplanePlan, ServicePlan } from '@anyfront/dataplane';
import { probePorts } from '@anyfront/dataplane';
import type { HealthCheck } from '@anyfront/contracts';

export type { ProbeFn, ProbeTarget } from './probe';
export { tcpProbe } from './probe';

/**
 * Probes run in a child process under their own uid (`health.probe_uid`): the nft rule that marks
 * probes into a backend's tunnel matches that uid's sockets only (`meta skuid`), so a local service
 * whose port falls in the probe range is never routed into a tunnel (issue 9 §7). The child is
 * started on the first probe and again after it died; a probe without an answer counts as failed.
 */
export class ProbeWorker {
  private child: ChildProcess | null = null;
  /** Resolves when the child said it is ready: its start-up (seconds on a loaded node) must not fail probes. */
  private ready: Promise<boolean> = Promise.resolve(false);
  private seq = 0;
  private readonly pending = new Map<number, (ok: boolean) => void>();

  constructor(private readonly start: () => ChildProcess) {}

  /** Starts the child ahead of the first probe (its start-up must not count against a probe's timeout). */
  warm(): void {
    this.ensure();
  }

  readonly probe: ProbeFn = async (t, port) => {
    const child = this.ensure();
    if (!(await this.ready)) return false;
    return new Promise((resolve) => {
      const id = ++this.seq;
      const timer = setTimeout(() => settle(false), t.check.timeout_seconds * 1000 + 2000);
      const settle = (ok: boolean) => { clearTimeout(timer); this.pending.delete(id); resolve(ok); };
      this.pending.set(id, settle);
      child.send({ id, target: t, port }, (err) => { if (err) settle(false); });
    });
  };

  stop(): void {
    const c = this.child;
    this.child = null;
    if (c && c.exitCode === null) c.kill('SIGTERM');
  }

  private ensure(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.connected) return this.child;
    const c = this.start();
    this.child = c;
    let markReady: (ok: boolean) => void = () => undefined;
    this.ready = new Promise<boolean>((r) => { markReady = r; });
    const giveUp = setTimeout(() => markReady(false), 60_000);
    c.on('message', (m: { id?: number; ok?: boolean; ready?: boolean }) => {
      if (m?.ready) { clearTimeout(giveUp); markReady(true); }
      if (typeof m?.id === 'number') this.pending.get(m.id)?.(m.ok === true);
    });
    c.once('exit', () => {
      clearTimeout(giveUp);
      markReady(false);
      if (this.child === c) this.child = null;
      for (const settle of [...this.pending.values()]) settle(false);
    });
    return c;
  }
}

/** Consecutive-result counter per backend with the service's thresholds. */
export class HealthState {
  private ok = 0;
  private bad = 0;
  healthy: boolean | undefined = undefined;

  /** Returns the new health when it changed, else undefined. */
  record(success: boolean, check: Pick<HealthCheck, 'healthy_threshold' | 'unhealthy_threshold'>): boolean | undefined {
    if (success) {
      this.ok++;
      this.bad = 0;
      if (this.healthy !== true && this.ok >= check.healthy_threshold) return (this.healthy = true);
    } else {
      this.bad++;
      this.ok = 0;
      if (this.healthy !== false && this.bad >= check.unhealthy_threshold) return (this.healthy = false);
    }
    return undefined;
  }
}

/**
 * Probe targets of a plan: per backend, one per address family of the service the edge has a
 * source for (through the service's first address of that family): IPv4 and IPv6 clients take
 * different paths through the tunnel and the backend (its decapsulation, its listener per family).
 */
export function probeTargets(plan: DataplanePlan, services: Map<string, HealthCheck>, sources: { ipv4?: string; ipv6?: string }): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  for (const svc of plan.services) {
    const check = services.get(svc.id);
    const addrs = pickAddresses(svc, sources);
    if (!check || !addrs.length) continue;
    for (const b of svc.backends) {
      if (b.draining) continue; // removed from the service: nothing new goes there
      const ports = probePorts(plan, b.mark);
      if (ports[1] > 65535) continue;
      for (const a of addrs) out.push({ serviceId: svc.id, backendId: b.id, address: a.address, family: a.family, localAddress: a.local, ports, check });
    }
  }
  return out;
}

function pickAddresses(svc: ServicePlan, sources: { ipv4?: string; ipv6?: string }): { address: string; family: 4 | 6; local: string }[] {
  const out: { address: string; family: 4 | 6; local: string }[] = [];
  for (const fam of [4, 6] as const) {
    const a = svc.addresses.find((x) => x.family === fam);
    const local = fam === 4 ? sources.ipv4 : sources.ipv6;
    if (a && local) out.push({ address: a.address, family: fam, local });
  }
  return out;
}

/**
 * Runs every target on its own interval (serially per backend and family, so its two source ports
 * never collide within a family; the IPv4 and IPv6 sockets of one port do not collide). A backend
 * probed over both families is healthy when both are, unhealthy when either is.
 */
export class HealthChecker {
  private readonly states = new Map<string, HealthState>();
  private readonly timers = new Map<string, { target: ProbeTarget; timer: NodeJS.Timeout; turn: number; busy: boolean }>();
  /** Combined health last reported per "service/backend". */
  private readonly reported = new Map<string, boolean>();
  private stopped = false;

  constructor(private readonly onChange: (serviceId: string, backendId: string, healthy: boolean) => void, private readonly probe: ProbeFn = tcpProbe) {}

  /** Replaces the target set; backends that stay keep their counters. */
  update(targets: ProbeTarget[]): void {
    const keep = new Set<string>();
    for (const t of targets) {
      const key = `${t.serviceId}/${t.backendId}/${t.family ?? ''}`;
      keep.add(key);
      const cur = this.timers.get(key);
      if (cur && JSON.stringify(cur.target) === JSON.stringify(t)) continue;
      if (cur) clearInterval(cur.timer);
      const entry = { target: t, turn: 0, busy: false, timer: setInterval(() => void this.run(key), t.check.interval_seconds * 1000) };
      this.timers.set(key, entry);
      setImmediate(() => void this.run(key));
    }
    for (const [key, e] of this.timers) {
      if (!keep.has(key)) {
        clearInterval(e.timer);
        this.timers.delete(key);
        this.states.delete(key);
      }
    }
    const backends = new Set(targets.map((t) => `${t.serviceId}/${t.backendId}`));
    for (const k of [...this.reported.keys()]) if (!backends.has(k)) this.reported.delete(k);
  }

  /** Combined over the backend's probed families: false if any failed, true if all passed, else undefined. */
  healthOf(serviceId: string, backendId: string): boolean | undefined {
    const prefix = `${serviceId}/${backendId}/`;
    const all = [...this.timers.keys()].filter((k) => k.startsWith(prefix)).map((k) => this.states.get(k)?.healthy);
    if (!all.length) return undefined;
    if (all.includes(false)) return false;
    return all.every((h) => h === true) ? true : undefined;
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.timers.values()) clearInterval(e.timer);
    this.timers.clear();
  }

  private async run(key: string): Promise<void> {
    const e = this.timers.get(key);
    if (!e || e.busy || this.stopped) return;
    e.busy = true;
    const port = e.target.ports[e.turn++ % 2] ?? e.target.ports[0];
    const ok = await this.probe(e.target, port).catch(() => false);
    e.busy = false;
    if (this.stopped || this.timers.get(key) !== e) return;
    let st = this.states.get(key);
    if (!st) this.states.set(key, (st = new HealthState()));
    st.record(ok, e.target.check);
    const { serviceId, backendId } = e.target;
    const combined = this.healthOf(serviceId, backendId);
    const id = `${serviceId}/${backendId}`;
    if (combined !== undefined && combined !== this.reported.get(id)) {
      this.reported.set(id, combined);
      this.onChange(serviceId, backendId, combined);
    }
  }
}
