import { type DataplanePlan, names } from '@anyfront/dataplane';
import { type CounterCheckOptions, type CounterSample, watchCounters, watchedServices } from './verdict-counters';

/** A plan with just what the counter check reads: addresses, backends' marks, usable buckets. */
function plan(services: Array<{ id: string; address: string; marks: number[]; usable?: boolean }>): DataplanePlan {
  return {
    services: services.map((s) => ({
      id: s.id,
      addresses: [{ address: s.address, family: 6 }],
      backends: s.marks.map((mark) => ({ id: `${s.id}-b${mark}`, mark })),
      buckets: new Map(s.usable === false ? [] : [[0, s.marks[0]]]),
    })),
  } as unknown as DataplanePlan;
}

/** Counter values by service: forwarded (split over its first backend), arrived at listeners, dropped at other ports. */
function sample(atMs: number, v: Record<string, { fwd?: number; addr?: number; drop?: number }>, p: DataplanePlan): CounterSample {
  const counters = new Map<string, { packets: number; bytes: number }>();
  for (const s of p.services) {
    const x = v[s.id] ?? {};
    counters.set(names.backendCounter(s.backends[0].mark), { packets: x.fwd ?? 0, bytes: 0 });
    counters.set(names.addressCounter(s.addresses[0].address), { packets: x.addr ?? 0, bytes: 0 });
    counters.set(names.dropCounter(s.addresses[0].address), { packets: x.drop ?? 0, bytes: 0 });
  }
  return { atMs, counters };
}

const o: CounterCheckOptions = { windowMs: 1000, minPackets: 20, pollMs: 200, maxSampleAgeMs: 60_000 };

describe('canary verdict: counters moving (issue 9 §1)', () => {
  const p = plan([{ id: 'busy', address: 'fd00::1', marks: [1] }, { id: 'idle', address: 'fd00::2', marks: [2] }, { id: 'emptied', address: 'fd00::3', marks: [3] }]);

  it('watches the services that forwarded between the last two reads before the change and still have a backend after it', () => {
    const history = [sample(0, { busy: { fwd: 10 }, emptied: { fwd: 5 } }, p), sample(10_000, { busy: { fwd: 500 }, emptied: { fwd: 50 } }, p)];
    const after = plan([{ id: 'busy', address: 'fd00::1', marks: [1] }, { id: 'idle', address: 'fd00::2', marks: [2] }, { id: 'emptied', address: 'fd00::3', marks: [3], usable: false }]);
    expect(watchedServices(history, p, after, 12_000, o)).toEqual(['busy']);
    // Nothing to compare with, or the newest read is too old to say what ran right before the change: nothing watched.
    expect(watchedServices(history.slice(1), p, after, 12_000, o)).toEqual([]);
    expect(watchedServices(history, p, after, 10_000 + o.maxSampleAgeMs + 1, o)).toEqual([]);
  });

  /** Re-reads as a clock: each read is pollMs later, with the counters a function of the read's number. */
  const reads = (at: (i: number) => Record<string, { fwd?: number; addr?: number; drop?: number }>) => {
    let i = 0;
    const fn = jest.fn(async () => sample(i * o.pollMs, at(i++), p));
    return fn;
  };
  const noSleep = async () => undefined;

  it('passes at the first re-read when the watched service keeps forwarding', async () => {
    const read = reads((i) => ({ busy: { fwd: 1000 + 30 * i, addr: 1000 + 30 * i } }));
    expect(await watchCounters(['busy'], p, read, o, noSleep)).toEqual([]);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('fails a watched service whose packets keep arriving and are not forwarded any more', async () => {
    const read = reads((i) => ({ busy: { fwd: 1000, addr: 1000 + 30 * i } }));
    const reasons = await watchCounters(['busy'], p, read, o, noSleep);
    expect(reasons).toEqual([expect.stringMatching(/^service busy: 30 packets arrived for its listeners in the 200 ms after the change and none was forwarded/)]);
  });

  it('does not fail on silence (its clients stopped) nor on packets to other ports; the wait is bounded by the window', async () => {
    // Scans of other ports are dropped per address: they are no arrivals at the listeners.
    const read = reads((i) => ({ busy: { fwd: 1000, addr: 1000 + 50 * i, drop: 50 * i } }));
    expect(await watchCounters(['busy'], p, read, o, noSleep)).toEqual([]);
    expect(read).toHaveBeenCalledTimes(1 + o.windowMs / o.pollMs);
    // Below minPackets the evidence is too thin to halt a rollout (a few stray packets).
    expect(await watchCounters(['busy'], p, reads((i) => ({ busy: { fwd: 1000, addr: 1000 + 3 * i } })), o, noSleep)).toEqual([]);
  });

  it('a recreated counter (smaller than before) counts all its packets as new', async () => {
    const read = reads((i) => (i === 0 ? { busy: { fwd: 1000, addr: 1000 } } : { busy: { fwd: 7, addr: 40 } }));
    expect(await watchCounters(['busy'], p, read, o, noSleep)).toEqual([]);
  });

  it('reads nothing when nothing is watched or the check is off', async () => {
    const read = reads(() => ({}));
    expect(await watchCounters([], p, read, o, noSleep)).toEqual([]);
    expect(await watchCounters(['busy'], p, read, { ...o, windowMs: 0 }, noSleep)).toEqual([]);
    expect(read).not.toHaveBeenCalled();
  });
});
