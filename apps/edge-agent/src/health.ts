import { Socket } from 'node:net';
import type { DataplanePlan, ServicePlan } from '@anyfront/dataplane';
import { probePorts } from '@anyfront/dataplane';
import type { HealthCheck } from '@anyfront/contracts';

export interface ProbeTarget {
  serviceId: string;
  backendId: string;
  /** Anycast address the probe connects to (the backend serves it once decapsulated). */
  address: string;
  /** Its family: a service with both is probed over both (a backend is healthy when every family passes). */
  family?: 4 | 6;
  /** Edge address the probe leaves from. */
  localAddress: string;
  /** Two source ports: nft marks probes from them with the backend's mark, so they take its tunnel. */
  ports: [number, number];
  check: HealthCheck;
}

export type ProbeFn = (t: ProbeTarget, port: number) => Promise<boolean>;

/**
 * A probe through the tunnel: TCP connect (and for http a GET expecting 2xx/3xx) from the edge's
 * own address and a per-backend source port to the anycast address. The nft output chain marks it
 * with the backend's mark, so it is encapsulated exactly like client traffic: a backend that cannot
 * decapsulate (or whose server is down) fails it. Closed with RST so the fixed source port is
 * immediately reusable (no TIME_WAIT).
 */
export const tcpProbe: ProbeFn = (t, port) =>
  new Promise((resolve) => {
    const sock = new Socket();
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.removeAllListeners('data');
      if (!sock.destroyed) sock.resetAndDestroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), t.check.timeout_seconds * 1000);
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
    sock.connect({ host: t.address, port: t.check.port, localAddress: t.localAddress, localPort: port }, () => {
      if (t.check.protocol === 'tcp') return finish(true);
      const host = t.address.includes(':') ? `[${t.address}]` : t.address;
      sock.write(`GET ${t.check.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: anyfront-edge-agent\r\nConnection: close\r\n\r\n`);
      let head = '';
      sock.on('data', (d: Buffer) => {
        head += d.toString('latin1');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (m) finish(Number(m[1]) >= 200 && Number(m[1]) < 400);
        else if (head.length > 64 || head.includes('\n')) finish(false);
      });
    });
  });

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
