import type { ChildProcess } from 'node:child_process';
import { ChallengeAnswer, ChallengeFn, challengeProbe, ProbeFn, ProbeTarget, tcpProbe } from './probe';
import type { DataplanePlan, ServicePlan } from '@anyfront/dataplane';
import { probePorts } from '@anyfront/dataplane';
import { BACKEND_VERIFY_PORT, type BackendState, type HealthCheck } from '@anyfront/contracts';
import {
  challengePath,
  initialVerification,
  judgeChallenge,
  judgePathMtu,
  newChallengeNonce,
  nextVerification,
  PATH_MTU_PROBE_BYTES,
  pathMtuProbePath,
  verificationBinding,
  verifyProof,
  type VerificationRecord,
} from '@anyfront/domain';

export type { ChallengeFn, ProbeFn, ProbeTarget } from './probe';
export { challengeProbe, tcpProbe } from './probe';

/** A probe's result (true/false) or a challenge's answer. */
type ProbeReply = boolean | ChallengeAnswer;

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
  private readonly pending = new Map<number, (r: ProbeReply) => void>();

  constructor(private readonly start: () => ChildProcess) {}

  /** Starts the child ahead of the first probe (its start-up must not count against a probe's timeout). */
  warm(): void {
    this.ensure();
  }

  readonly probe: ProbeFn = async (t, port) => (await this.request(t, { target: t, port })) === true;

  readonly challenge: ChallengeFn = async (t, port, path, dport, body) => {
    const r = await this.request(t, { target: t, port, challenge: { path, dport, ...(body === undefined ? {} : { body }) } });
    return typeof r === 'object' && r !== null ? r : { error: 'the probe process did not answer' };
  };

  private async request(t: ProbeTarget, msg: Record<string, unknown>): Promise<ProbeReply> {
    const child = this.ensure();
    if (!(await this.ready)) return false;
    return new Promise((resolve) => {
      const id = ++this.seq;
      const timer = setTimeout(() => settle(false), Math.max(1, t.check.timeout_seconds) * 1000 + 2000);
      const settle = (r: ProbeReply) => { clearTimeout(timer); this.pending.delete(id); resolve(r); };
      this.pending.set(id, settle);
      child.send({ id, ...msg }, (err) => { if (err) settle(false); });
    });
  }

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
    c.on('message', (m: { id?: number; ok?: boolean; answer?: ChallengeAnswer; ready?: boolean }) => {
      if (m?.ready) { clearTimeout(giveUp); markReady(true); }
      if (typeof m?.id === 'number') this.pending.get(m.id)?.(m.answer ?? m.ok === true);
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
 * `tokens` ("service/backend" -> verify_token): the backends whose ownership proof the state demands.
 * `pathMtu`: probe their path MTU too (only backends with a kit, i.e. a token: the kit answers it).
 */
export function probeTargets(plan: DataplanePlan, services: Map<string, HealthCheck>, sources: { ipv4?: string; ipv6?: string }, tokens?: Map<string, string>, o: { pathMtu?: { recheckSeconds: number } } = {}): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  for (const svc of plan.services) {
    const check = services.get(svc.id);
    const addrs = pickAddresses(svc, sources);
    if (!check || !addrs.length) continue;
    for (const b of svc.backends) {
      if (b.draining) continue; // removed from the service: nothing new goes there
      const ports = probePorts(plan, b.mark);
      if (ports[1] > 65535) continue;
      const token = tokens?.get(`${svc.id}/${b.id}`);
      for (const a of addrs) out.push({ serviceId: svc.id, backendId: b.id, address: a.address, family: a.family, localAddress: a.local, ports, check, ...(token ? { verifyToken: token, backendAddress: b.address, ...(o.pathMtu ? { pathMtu: o.pathMtu } : {}) } : {}) });
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

/** A backend's verification as this edge reports it. */
export interface VerificationView {
  state: VerificationRecord['state'];
  reason: string | null;
  checkedAt: Date | null;
}

/**
 * Runs every target on its own interval (serially per backend and family, so its two source ports
 * never collide within a family; the IPv4 and IPv6 sockets of one port do not collide). A backend
 * probed over both families is healthy when both are, unhealthy when either is.
 *
 * A target with a verify token is first an ownership challenge (backend-verification): until the
 * backend is verified its turns send only challenges, at the low rate of nextVerification, and no
 * health probe; once verified, health probes run and a turn is a challenge again when the recheck is
 * due. The challenge uses the target's own source ports, so it never collides with its probes.
 *
 * A target with `pathMtu` follows a passing health probe with the path MTU probe (libs/domain
 * path-mtu.ts) through the same tunnel; its failure fails the check, with the reason reported
 * (reasonOf). A pass holds for the target's recheckSeconds.
 */
export class HealthChecker {
  private readonly states = new Map<string, HealthState>();
  private readonly timers = new Map<string, { target: ProbeTarget; timer: NodeJS.Timeout; turn: number; busy: boolean }>();
  /** Combined health last reported per "service/backend". */
  private readonly reported = new Map<string, boolean>();
  /** Per target key: why its last check failed (kept until it is healthy again) and when its path MTU probe last passed. */
  private readonly failures = new Map<string, string>();
  private readonly pathMtuPassedAt = new Map<string, number>();
  /** Verification per "service/backend", with the binding (token, address) it is about and whether a challenge is out. */
  private readonly verification = new Map<string, { binding: string; record: VerificationRecord; busy: boolean; notified?: string | null }>();
  private stopped = false;

  constructor(
    private readonly onChange: (serviceId: string, backendId: string, healthy: boolean) => void,
    private readonly probe: ProbeFn = tcpProbe,
    private readonly challenge: ChallengeFn = challengeProbe,
    /** A backend's verdict changed: the binding it proved, or null when it is not (or no longer) verified. */
    private readonly onVerified: (serviceId: string, backendId: string, binding: string | null) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

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
        this.failures.delete(key);
        this.pathMtuPassedAt.delete(key);
      }
    }
    const backends = new Set(targets.map((t) => `${t.serviceId}/${t.backendId}`));
    for (const k of [...this.reported.keys()]) if (!backends.has(k)) this.reported.delete(k);
    // A verdict is about one token at one address: another token or server starts over, a gone backend is forgotten.
    const bindings = new Map(targets.filter((t) => t.verifyToken).map((t) => [`${t.serviceId}/${t.backendId}`, verificationBinding(t.verifyToken!, t.backendAddress ?? '')]));
    for (const [k, v] of [...this.verification]) {
      if (bindings.get(k) === v.binding) continue;
      this.verification.delete(k);
      if (v.notified) this.notifyVerified(k, null);
    }
  }

  /** Combined over the backend's probed families: false if any failed, true if all passed, else undefined. */
  healthOf(serviceId: string, backendId: string): boolean | undefined {
    const prefix = `${serviceId}/${backendId}/`;
    const all = [...this.timers.keys()].filter((k) => k.startsWith(prefix)).map((k) => this.states.get(k)?.healthy);
    if (!all.length) return undefined;
    if (all.includes(false)) return false;
    return all.every((h) => h === true) ? true : undefined;
  }

  /** Why the backend is unhealthy on this edge (its failing families' last failure), or null. */
  reasonOf(serviceId: string, backendId: string): string | null {
    const prefix = `${serviceId}/${backendId}/`;
    const keys = [...this.timers.keys()].filter((k) => k.startsWith(prefix) && this.states.get(k)?.healthy === false);
    const reasons = keys.flatMap((k) => {
      const reason = this.failures.get(k);
      return reason ? [{ family: this.timers.get(k)?.target.family, reason }] : [];
    });
    const [only] = reasons;
    if (!only) return null;
    return reasons.length === 1 ? only.reason : reasons.map((r) => `IPv${r.family ?? '?'}: ${r.reason}`).join('; ');
  }

  /** The backend's verification on this edge (undefined: no proof demanded, or not probed here). */
  verificationOf(serviceId: string, backendId: string): VerificationView | undefined {
    const v = this.verification.get(`${serviceId}/${backendId}`);
    return v && { state: v.record.state, reason: v.record.reason, checkedAt: v.record.checkedAt };
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.timers.values()) clearInterval(e.timer);
    this.timers.clear();
  }

  private notifyVerified(backendKey: string, binding: string | null): void {
    const [serviceId = '', backendId = ''] = backendKey.split('/');
    this.onVerified(serviceId, backendId, binding);
  }

  /** This turn's challenge when the target needs one now; 'wait' while an unverified backend's next challenge is not due. */
  private async verifyTurn(e: { target: ProbeTarget; turn: number }): Promise<'probe' | 'done' | 'wait'> {
    const t = e.target;
    if (!t.verifyToken) return 'probe';
    const bkey = `${t.serviceId}/${t.backendId}`;
    const binding = verificationBinding(t.verifyToken, t.backendAddress ?? '');
    let v = this.verification.get(bkey);
    if (!v || v.binding !== binding) this.verification.set(bkey, (v = { binding, record: initialVerification(this.now()), busy: false }));
    const due = this.now() >= v.record.nextCheckAt;
    if (!due || v.busy) return v.record.state === 'verified' ? 'probe' : 'wait';
    v.busy = true;
    const nonce = newChallengeNonce();
    const port = t.ports[e.turn++ % 2] ?? t.ports[0];
    const answer = await this.challenge(t, port, challengePath(t.verifyToken, nonce), BACKEND_VERIFY_PORT).catch((err: Error): ChallengeAnswer => ({ error: err.message }));
    v.busy = false;
    if (this.stopped || this.verification.get(bkey) !== v) return 'done';
    v.record = nextVerification(v.record, judgeChallenge(verifyProof(t.verifyToken, nonce, t.address), answer), this.now());
    // The first verdict is always passed on: the reconciler may hold a proof restored from before a restart.
    const proven = v.record.state === 'verified' ? binding : null;
    if (v.notified !== proven) {
      v.notified = proven;
      this.notifyVerified(bkey, proven);
    }
    return 'done';
  }

  private async run(key: string): Promise<void> {
    const e = this.timers.get(key);
    if (!e || e.busy || this.stopped) return;
    e.busy = true;
    const turn = await this.verifyTurn(e);
    if (turn !== 'probe') {
      e.busy = false;
      return;
    }
    const port = e.target.ports[e.turn++ % 2] ?? e.target.ports[0];
    let ok = await this.probe(e.target, port).catch(() => false);
    let failure = ok ? null : healthCheckFailure(e.target.check);
    if (ok && e.target.pathMtu && !this.stopped && this.now() - (this.pathMtuPassedAt.get(key) ?? -Infinity) >= e.target.pathMtu.recheckSeconds * 1000) {
      // The path MTU probe, through the same tunnel from the other source port (issue 9 §5).
      const nonce = newChallengeNonce();
      const mtuPort = e.target.ports[e.turn++ % 2] ?? e.target.ports[0];
      const answer = await this.challenge(e.target, mtuPort, pathMtuProbePath(nonce), BACKEND_VERIFY_PORT, PATH_MTU_PROBE_BYTES).catch((err: Error): ChallengeAnswer => ({ error: err.message }));
      failure = judgePathMtu(answer, nonce, PATH_MTU_PROBE_BYTES);
      ok = failure === null;
      if (ok) this.pathMtuPassedAt.set(key, this.now());
      else this.pathMtuPassedAt.delete(key);
    }
    e.busy = false;
    if (this.stopped || this.timers.get(key) !== e) return;
    let st = this.states.get(key);
    if (!st) this.states.set(key, (st = new HealthState()));
    st.record(ok, e.target.check);
    if (failure) this.failures.set(key, failure);
    else if (st.healthy) this.failures.delete(key);
    const { serviceId, backendId } = e.target;
    const combined = this.healthOf(serviceId, backendId);
    const id = `${serviceId}/${backendId}`;
    if (combined !== undefined && combined !== this.reported.get(id)) {
      this.reported.set(id, combined);
      this.onChange(serviceId, backendId, combined);
    }
  }
}

/** Why a health probe failed (the probe itself answers only yes or no). */
function healthCheckFailure(c: HealthCheck): string {
  const what = c.protocol === 'http' ? `HTTP GET ${c.path} (expecting 2xx/3xx)` : 'TCP connect';
  return `health check failed: ${what} to port ${c.port} through the tunnel got no passing answer within ${c.timeout_seconds} s`;
}

/** "service/backend" -> verify_token of every backend whose proof the state demands. */
export function verifyTokens(services: { id: string; backends: Pick<BackendState, 'id' | 'verify_token'>[] }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of services) for (const b of s.backends) if (b.verify_token) out.set(`${s.id}/${b.id}`, b.verify_token);
  return out;
}
