import fc from 'fast-check';
import { heldSeconds, replayHoldings, type HoldingEvent } from './holdings';

const SERVICES: Record<string, string> = { s1: 'o1', s2: 'o1', s3: 'o2' };
const FAMILY: Record<string, 4 | 6> = { '192.0.2.1': 4, '192.0.2.2': 4, 'fd00::1': 6 };

const eventsArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 0, max: 40 }),
      release: fc.boolean(),
      address: fc.constantFrom(...Object.keys(FAMILY)),
      service: fc.constantFrom(...Object.keys(SERVICES)),
    }),
    { maxLength: 30 },
  )
  .map((steps) => {
    let t = 0;
    return steps.map((s): HoldingEvent => {
      t += s.gap;
      return s.release
        ? { kind: 'release', at: t, address: s.address }
        : { kind: 'assign', at: t, address: s.address, family: FAMILY[s.address], serviceId: s.service, organizationId: SERVICES[s.service] };
    });
  });

/** Second-by-second simulation: the independent reference for "who held what". */
function bruteForceSeconds(events: HoldingEvent[], from: number, to: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let t = from; t < to; t++) {
    const holder = new Map<string, string>();
    for (const e of events) {
      if (e.at > t) break;
      if (e.kind === 'release') holder.delete(e.address);
      else holder.set(e.address, e.serviceId);
    }
    for (const [address, service] of holder) {
      const key = `${SERVICES[service]}/${service}/${FAMILY[address]}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

function replayedSeconds(events: HoldingEvent[], from: number, to: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const h of replayHoldings(events)) {
    const s = heldSeconds(h, from, to);
    if (!s) continue;
    const key = `${h.organizationId}/${h.serviceId}/${h.family}`;
    out.set(key, (out.get(key) ?? 0) + s);
  }
  return out;
}

describe('holding history replay', () => {
  it('turns assign / release / reassign into holdings', () => {
    const a = '192.0.2.1';
    const holdings = replayHoldings([
      { kind: 'assign', at: 100, address: a, family: 4, serviceId: 's1', organizationId: 'o1' },
      { kind: 'assign', at: 150, address: a, family: 4, serviceId: 's1', organizationId: 'o1' }, // retried: no-op
      { kind: 'release', at: 200, address: a }, // service deleted: quarantined
      { kind: 'release', at: 250, address: a }, // already free: no-op
      { kind: 'assign', at: 900, address: a, family: 4, serviceId: 's3', organizationId: 'o2' }, // reused after quarantine
      { kind: 'assign', at: 1000, address: a, family: 4, serviceId: 's2', organizationId: 'o1' }, // relocated to another service
    ]);
    expect(holdings.map((h) => [h.serviceId, h.from, h.to])).toEqual([
      ['s1', 100, 200],
      ['s3', 900, 1000],
      ['s2', 1000, null],
    ]);
    expect(heldSeconds(holdings[2], 0, 1500)).toBe(500);
  });

  it('refuses a history that goes back in time', () => {
    expect(() =>
      replayHoldings([
        { kind: 'release', at: 10, address: 'x' },
        { kind: 'release', at: 9, address: 'x' },
      ]),
    ).toThrow(/back in time/);
  });

  it('gives the same address-seconds as a second-by-second simulation, for any sequence and window', () => {
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 600 }), (events, x, y) => {
        const [from, to] = x <= y ? [x, y] : [y, x];
        expect(replayedSeconds(events, from, to)).toEqual(bruteForceSeconds(events, from, to));
      }),
      { numRuns: 300 },
    );
  });

  it('a retried event (delivered twice) does not change a single second', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const doubled = events.flatMap((e) => [e, e]);
        expect(replayHoldings(doubled)).toEqual(replayHoldings(events));
      }),
    );
  });

  it('splitting a window anywhere never gains or loses a second', () => {
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: 0, max: 700 }), (events, cut) => {
        const whole = replayedSeconds(events, 0, 700);
        const left = replayedSeconds(events, 0, cut);
        const right = replayedSeconds(events, cut, 700);
        const joined = new Map(left);
        for (const [k, v] of right) joined.set(k, (joined.get(k) ?? 0) + v);
        expect(joined).toEqual(whole);
      }),
    );
  });
});
