import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KernelCapabilities, TrafficReport } from '@anyfront/contracts';
import type { DataplanePlan } from '@anyfront/dataplane';
import { ControlPlaneClient, ControlPlaneError } from './io/control-plane-client';
import type { CounterValue } from './io/nft-client';
import type { Logger } from './reconciler';
import type { SignedSubmitOutcome } from './control-plane/signature';
import { statusReport, trafficDeltas, type BackendVerificationReport } from './reports';

export interface SyncHooks {
  generation(): number;
  submit(raw: unknown): Promise<SignedSubmitOutcome>;
  status(): { announced: boolean; drained: boolean; programmed: boolean; lastError: string | null; plan: DataplanePlan | null; capabilities?: KernelCapabilities | null; failedServices?: ReadonlyMap<string, string>; uncheckedHealthy?: boolean; verification?: (serviceId: string, backendId: string) => BackendVerificationReport | undefined; healthReason?: (serviceId: string, backendId: string) => string | null };
  readCounters(): Promise<Map<string, CounterValue>>;
}

interface TrafficFile {
  /** Next sequence number; never reused, so (node, sequence) makes ingestion idempotent. */
  sequence: number;
  snapshot: Record<string, CounterValue>;
  /** Built and numbered but not yet acknowledged: re-sent as is (same sequence) until accepted. */
  pending: TrafficReport | null;
  interval_start: string | null;
}

/**
 * The agent's side of the control-plane API: pulls the desired state (ETag = generation), reports
 * status after every apply and periodically, and reports traffic deltas per interval with a
 * persisted sequence. Push (POST /v1/desired-state) and pull feed the same reconciler.
 */
export class ControlPlaneSync {
  private timers: NodeJS.Timeout[] = [];
  private busy = { pull: false, status: false, traffic: false };
  private readonly file: string;

  constructor(
    private readonly client: ControlPlaneClient,
    private readonly hooks: SyncHooks,
    private readonly opts: { stateDir: string; pullSeconds: number; statusSeconds: number; trafficSeconds: number; pushUrl?: string; pushTlsFingerprint?: string },
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.file = join(opts.stateDir, 'traffic.json');
  }

  async start(): Promise<void> {
    if (this.opts.pushUrl) {
      await this.client.putPushEndpoint(this.opts.pushUrl, this.opts.pushTlsFingerprint).catch((e) => this.log.warn({ err: (e as Error).message }, 'could not register push endpoint'));
    }
    await this.pull();
    const every = (s: number, fn: () => Promise<unknown>) => this.timers.push(setInterval(() => void fn(), s * 1000));
    every(this.opts.pullSeconds, () => this.pull());
    every(this.opts.statusSeconds, () => this.reportStatus());
    every(this.opts.trafficSeconds, () => this.reportTraffic());
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Fetches the desired state unless nothing is newer than what is applied. */
  async pull(): Promise<SignedSubmitOutcome | null> {
    if (this.busy.pull) return null;
    this.busy.pull = true;
    try {
      const r = await this.client.pullDesiredState(this.hooks.generation());
      if (r.status === 304) return null;
      const out = await this.hooks.submit(r.body);
      if (out.status !== 200) this.log.error({ ...out }, 'pulled desired state refused');
      else if (out.applied) this.log.info({ generation: out.generation }, 'applied pulled desired state');
      await this.reportStatus();
      return out;
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'desired state pull failed');
      return null;
    } finally {
      this.busy.pull = false;
    }
  }

  async reportStatus(): Promise<void> {
    // A report asked for while one is on its way (an apply right after a periodic report started)
    // is sent when that one returns: the one on its way carries the state from before the apply.
    if (this.busy.status) {
      this.statusAgain = true;
      return;
    }
    this.busy.status = true;
    try {
      do {
        this.statusAgain = false;
        const s = this.hooks.status();
        const { desired_generation } = await this.client.postStatus(statusReport({ generation: this.hooks.generation(), ...s }));
        if (desired_generation > this.hooks.generation() && !this.statusAgain) {
          this.busy.status = false;
          await this.pull();
          return;
        }
      } while (this.statusAgain);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'status report failed');
    } finally {
      this.busy.status = false;
    }
  }
  private statusAgain = false;

  /** One interval: resend an unacknowledged report, else number and send the new deltas. */
  async reportTraffic(): Promise<void> {
    if (this.busy.traffic) return;
    this.busy.traffic = true;
    try {
      const st = await this.load();
      if (st.pending) {
        await this.send(st);
        await this.save(st);
      }
      const now = this.now();
      const counters = await this.hooks.readCounters();
      const d = trafficDeltas(st.snapshot, counters, this.hooks.status().plan);
      // The contract allows intervals up to an hour: after a long outage the counts go to the last interval.
      const last = st.interval_start ? new Date(st.interval_start) : null;
      const start = last && now.getTime() - last.getTime() <= 3_600_000 && last <= now ? last : new Date(now.getTime() - this.opts.trafficSeconds * 1000);
      st.snapshot = { ...st.snapshot, ...d.snapshot };
      st.interval_start = now.toISOString();
      if (d.addresses.length || d.backends.length) {
        st.pending = {
          sequence: st.sequence++,
          interval_start: start.toISOString(),
          interval_seconds: Math.max(1, Math.round((now.getTime() - start.getTime()) / 1000)),
          addresses: d.addresses,
          backends: d.backends,
        };
      }
      await this.save(st); // numbered before it is sent: a crash after sending re-sends the same sequence
      if (st.pending) {
        await this.send(st);
        await this.save(st);
      }
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'traffic report failed; kept for the next interval');
    } finally {
      this.busy.traffic = false;
    }
  }

  /** Sends the pending report; one the API refuses as invalid (422) is dropped, or it would block every later one. */
  private async send(st: TrafficFile): Promise<void> {
    try {
      await this.client.postTraffic(st.pending as TrafficReport);
    } catch (e) {
      if (!(e instanceof ControlPlaneError && e.status === 422)) throw e;
      this.log.error({ err: e.message, sequence: st.pending?.sequence }, 'traffic report refused by the control plane; dropped');
    }
    st.pending = null;
  }

  private async load(): Promise<TrafficFile> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as TrafficFile;
    } catch {
      return { sequence: 0, snapshot: {}, pending: null, interval_start: null };
    }
  }

  private async save(st: TrafficFile): Promise<void> {
    await mkdir(this.opts.stateDir, { recursive: true });
    await writeFile(`${this.file}.tmp`, JSON.stringify(st));
    await rename(`${this.file}.tmp`, this.file);
  }
}
