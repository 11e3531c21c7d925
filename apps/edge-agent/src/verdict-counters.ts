import { type DataplanePlan, names, type ServicePlan } from '@anyfront/dataplane';
import type { CounterValue } from './io/nft-client';

/**
 * "Its counters moving" in the canary's verdict (issue 9 §1, staged rollout): a service that was
 * forwarding traffic right before the change must still forward after it. Judged from the nft
 * counters, so it sees what the kernel does with tenant packets, not what the agent believes:
 *  - watched: services that forwarded packets between the agent's last two counter reads before the
 *    change (the traffic reports read them every traffic interval, the metrics at each scrape) and
 *    that still have a backend to forward to after it. A service without recent traffic, or whose
 *    change removed every backend, is not watched: the verdict never waits for it.
 *  - after the apply the counters are read again until every watched service forwarded a packet
 *    (it passes, usually at the first re-read) or the window ends (it passes too: its clients may
 *    simply have stopped; silence alone proves nothing);
 *  - a watched service fails only on positive evidence: at least `minPackets` packets arrived for
 *    its listeners (address counters minus the per-address drops of other ports) and not one was
 *    forwarded to a backend. That is a change that broke dispatch, a reject-everything table or a
 *    listener filter that no longer matches, on the edge that tried it first.
 * Not seen here: a packet forwarded into a broken route (the immediate probe through the tunnel
 * covers that), traffic that stopped arriving (the BGP check covers a lost session).
 */
export interface CounterSample {
  /** When the counters were read (ms since the epoch). */
  atMs: number;
  counters: ReadonlyMap<string, CounterValue>;
}

export interface CounterCheckOptions {
  /** The longest the verdict waits for a watched service's counters after the apply; 0 turns the check off. */
  windowMs: number;
  /** Packets that must arrive, none forwarded, for a watched service to fail. */
  minPackets: number;
  /** Between two re-reads (each one `nft list counters`, ~100 ms per 16 services). */
  pollMs: number;
  /** The newest read before the change must be at most this old to say anything about "right before". */
  maxSampleAgeMs: number;
}

/** Growth of a kernel counter between two reads; a smaller value is a recreated counter: all of it is new. */
function grown(name: string, from: CounterSample, to: CounterSample): number {
  const a = from.counters.get(name)?.packets ?? 0;
  const b = to.counters.get(name)?.packets;
  if (b === undefined) return 0;
  return b >= a ? b - a : b;
}

/** Packets the service forwarded to its backends (per-mark counters) between two reads. */
function forwarded(svc: ServicePlan, from: CounterSample, to: CounterSample): number {
  return svc.backends.reduce((n, b) => n + grown(names.backendCounter(b.mark), from, to), 0);
}

/** Packets that arrived for the service's listeners: address counters minus the drops of other ports. */
function arrived(svc: ServicePlan, from: CounterSample, to: CounterSample): number {
  return svc.addresses.reduce((n, a) => n + Math.max(0, grown(names.addressCounter(a.address), from, to) - grown(names.dropCounter(a.address), from, to)), 0);
}

/**
 * The services the verdict watches: forwarding between the last two reads before the change (the
 * newer one at most maxSampleAgeMs before `nowMs`), and with a usable backend after it.
 */
export function watchedServices(history: readonly CounterSample[], before: DataplanePlan | null, after: DataplanePlan | null, nowMs: number, o: Pick<CounterCheckOptions, 'maxSampleAgeMs'>): string[] {
  const newer = history[history.length - 1];
  const older = history[history.length - 2];
  if (!before || !after || !newer || !older || nowMs - newer.atMs > o.maxSampleAgeMs) return [];
  const usable = new Set(after.services.filter((s) => s.buckets.size > 0).map((s) => s.id));
  return before.services.filter((s) => usable.has(s.id) && forwarded(s, older, newer) > 0).map((s) => s.id);
}

export type CounterJudgement = 'moving' | 'stalled' | 'open';

/** One watched service between the first read after the apply and a later one. */
export function judgeService(svc: ServicePlan, first: CounterSample, last: CounterSample, minPackets: number): CounterJudgement {
  if (forwarded(svc, first, last) > 0) return 'moving';
  return arrived(svc, first, last) >= minPackets ? 'stalled' : 'open';
}

/**
 * Reads the counters after the apply until every watched service moved, one stalled, or the window
 * ended; answers the verdict's reasons (empty: nothing stalled). Bounded: at most windowMs plus one read.
 */
export async function watchCounters(
  watched: readonly string[],
  after: DataplanePlan,
  read: () => Promise<CounterSample>,
  o: CounterCheckOptions,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<string[]> {
  const services = after.services.filter((s) => watched.includes(s.id));
  if (!services.length || o.windowMs <= 0) return [];
  const first = await read();
  let open = services;
  for (;;) {
    await sleep(o.pollMs);
    const last = await read();
    const verdicts = open.map((s) => [s, judgeService(s, first, last, o.minPackets)] as const);
    const stalled = verdicts.filter(([, j]) => j === 'stalled');
    if (stalled.length) {
      const ms = last.atMs - first.atMs;
      return stalled.map(([s]) => `service ${s.id}: ${arrived(s, first, last)} packets arrived for its listeners in the ${ms} ms after the change and none was forwarded to a backend (it forwarded before)`);
    }
    open = verdicts.filter(([, j]) => j === 'open').map(([s]) => s);
    if (!open.length || last.atMs - first.atMs >= o.windowMs) return [];
  }
}
