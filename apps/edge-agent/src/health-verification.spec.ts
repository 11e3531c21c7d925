import type { HealthCheck } from '@anyfront/contracts';
import { verifyProof, verificationBinding, verifyTokenId } from '@anyfront/domain';
import { HealthChecker, ProbeTarget } from './health';
import type { ChallengeAnswer } from './probe';

const check: HealthCheck = { protocol: 'tcp', port: 80, path: '/', interval_seconds: 1, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 1 };
const TOKEN = `afv_${'a'.repeat(64)}`;
const OTHER = `afv_${'b'.repeat(64)}`;
const target = (verifyToken?: string): ProbeTarget => ({ serviceId: 'web', backendId: 'b1', address: '198.51.100.10', localAddress: '192.0.2.2', ports: [10000, 10001], check, backendAddress: 'fd00:b::1', ...(verifyToken ? { verifyToken } : {}) });
const flush = async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); };

/** A kit at the backend holding `held` tokens: answers with the proof of the token the path names. */
function kit(held: string[] | null) {
  const calls: { port: number; dport: number }[] = [];
  const challenge = async (t: ProbeTarget, port: number, path: string, dport: number): Promise<ChallengeAnswer> => {
    calls.push({ port, dport });
    if (held === null) return { error: 'ECONNREFUSED' };
    const nonce = /nonce=([0-9a-f]+)/.exec(path)![1];
    const token = held.find((x) => path.includes(verifyTokenId(x)));
    return token ? { status: 200, body: verifyProof(token, nonce, t.address) } : { status: 404, body: 'no such token' };
  };
  return { calls, challenge };
}

describe('HealthChecker: ownership verification (issue 8)', () => {
  let now = 1_000_000;
  beforeEach(() => { jest.useFakeTimers(); now = 1_000_000; });
  afterEach(() => jest.useRealTimers());
  const tick = async (ms: number) => { now += ms; jest.advanceTimersByTime(ms); await flush(); };

  it('challenges before any health probe; the right kit verifies, then health probes run', async () => {
    const k = kit([TOKEN]);
    const probes: number[] = [];
    const verified: (string | null)[] = [];
    const hc = new HealthChecker(() => undefined, async (_t, p) => { probes.push(p); return true; }, k.challenge, (_s, _b, binding) => verified.push(binding), () => now);
    hc.update([target(TOKEN)]);
    await tick(0);
    expect(k.calls).toEqual([{ port: 10000, dport: 61080 }]); // through the backend's tunnel (its probe port), to the kit's port
    expect(probes).toEqual([]);
    expect(verified).toEqual([verificationBinding(TOKEN, 'fd00:b::1')]);
    expect(hc.verificationOf('web', 'b1')).toMatchObject({ state: 'verified', reason: null });
    await tick(1000);
    await tick(1000);
    expect(probes.length).toBe(2);
    expect(k.calls.length).toBe(1); // no recheck before it is due
    hc.stop();
  });

  it('a kit without this backend\'s token: failed, never a health probe, challenges at the low rate', async () => {
    const k = kit([OTHER]);
    const probes: number[] = [];
    const verified: (string | null)[] = [];
    const hc = new HealthChecker(() => undefined, async (_t, p) => { probes.push(p); return true; }, k.challenge, (_s, _b, binding) => verified.push(binding), () => now);
    hc.update([target(TOKEN)]);
    await tick(0);
    for (let i = 0; i < 60; i++) await tick(1000);
    expect(probes).toEqual([]);
    expect(hc.verificationOf('web', 'b1')).toMatchObject({ state: 'failed', reason: expect.stringContaining('HTTP 404') });
    expect(verified).toEqual([null]); // told once: not verified
    // 1 + 2 + 4 + 8 + 16 + 30 s: six challenges in a minute, not sixty.
    expect(k.calls.length).toBeLessThanOrEqual(7);
    expect(k.calls.length).toBeGreaterThanOrEqual(5);
    hc.stop();
  });

  it('no kit: pending; a new token or address starts over; no token: health probes only', async () => {
    const k = kit(null);
    const hc = new HealthChecker(() => undefined, async () => true, k.challenge, () => undefined, () => now);
    hc.update([target(TOKEN)]);
    await tick(0);
    expect(hc.verificationOf('web', 'b1')).toMatchObject({ state: 'pending', reason: expect.stringContaining('ECONNREFUSED') });
    hc.update([target(OTHER)]);
    expect(hc.verificationOf('web', 'b1')).toBeUndefined();
    await tick(0);
    expect(k.calls.length).toBe(2);
    hc.update([target()]);
    expect(hc.verificationOf('web', 'b1')).toBeUndefined();
    hc.stop();
  });
});
