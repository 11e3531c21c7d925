import type { HealthCheck } from '@anyfront/contracts';
import { HealthChecker, ProbeTarget } from './health';

const check: HealthCheck = { protocol: 'tcp', port: 80, path: '/', interval_seconds: 2, timeout_seconds: 1, healthy_threshold: 2, unhealthy_threshold: 3 };
const target = (backendId: string): ProbeTarget => ({ serviceId: 'web', backendId, address: '198.51.100.10', localAddress: '192.0.2.2', ports: [10000, 10001], check });
const flush = async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); };

describe('HealthChecker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('probes right away and every interval, alternating the two source ports, and reports only changes', async () => {
    let up = true;
    const ports: number[] = [];
    const changes: [string, boolean][] = [];
    const hc = new HealthChecker((_s, b, h) => changes.push([b, h]), async (_t, port) => { ports.push(port); return up; });
    hc.update([target('b1')]);
    jest.advanceTimersByTime(0);
    await flush();
    jest.advanceTimersByTime(2000);
    await flush();
    expect(changes).toEqual([['b1', true]]); // healthy after 2 successes
    up = false;
    for (let i = 0; i < 3; i++) { jest.advanceTimersByTime(2000); await flush(); }
    expect(changes).toEqual([['b1', true], ['b1', false]]); // unhealthy after 3 failures
    expect(ports.slice(0, 4)).toEqual([10000, 10001, 10000, 10001]);
    expect(hc.healthOf('web', 'b1')).toBe(false);
    hc.stop();
  });

  it('keeps counters of backends that stay, forgets removed ones, never overlaps probes of one backend', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const release: (() => void)[] = [];
    const hc = new HealthChecker(() => undefined, () => new Promise<boolean>((res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      release.push(() => { inFlight--; res(true); });
    }));
    hc.update([target('b1'), target('b2')]);
    jest.advanceTimersByTime(0);
    for (let i = 0; i < 3; i++) { jest.advanceTimersByTime(2000); await flush(); } // probes hang: no second probe per backend
    expect(maxInFlight).toBe(2);
    release.splice(0).forEach((r) => r());
    await flush();
    hc.update([target('b1')]);
    expect(hc.healthOf('web', 'b2')).toBeUndefined();
    hc.stop();
  });

  it('a backend probed over both families is healthy only when both pass, unhealthy when either fails (issue 9 §7)', async () => {
    const up = { 4: true, 6: false };
    const changes: boolean[] = [];
    const hc = new HealthChecker((_s, _b, h) => changes.push(h), async (t) => up[t.family ?? 4]);
    const both = (family: 4 | 6): ProbeTarget => ({ ...target('b1'), family, address: family === 4 ? '198.51.100.10' : 'fd00:aa::10', localAddress: family === 4 ? '192.0.2.2' : 'fd00:1::2' });
    hc.update([both(4), both(6)]);
    jest.advanceTimersByTime(0);
    for (let i = 0; i < 3; i++) { jest.advanceTimersByTime(2000); await flush(); }
    // IPv4 passes, IPv6 fails: unhealthy (a probe over IPv4 alone would call it healthy).
    expect(changes).toEqual([false]);
    up[6] = true;
    for (let i = 0; i < 2; i++) { jest.advanceTimersByTime(2000); await flush(); }
    expect(changes).toEqual([false, true]);
    expect(hc.healthOf('web', 'b1')).toBe(true);
    hc.stop();
  });
});
