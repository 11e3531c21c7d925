import type { HealthCheck } from '@anyfront/contracts';
import { judgePathMtu, parsePathMtuProbePath, pathMtuAnswer, verifyProof, verifyTokenId } from '@anyfront/domain';
import { HealthChecker, probeTargets, ProbeTarget } from './health';
import type { ChallengeAnswer } from './probe';
import type { DataplanePlan } from '@anyfront/dataplane';

const check: HealthCheck = { protocol: 'tcp', port: 80, path: '/', interval_seconds: 1, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 2 };
const TOKEN = `afv_${'a'.repeat(64)}`;
const target = (o: Partial<ProbeTarget> = {}): ProbeTarget => ({ serviceId: 'web', backendId: 'b1', address: '198.51.100.10', localAddress: '192.0.2.2', ports: [10000, 10001], check, backendAddress: 'fd00:b::1', verifyToken: TOKEN, pathMtu: { recheckSeconds: 30 }, ...o });
const flush = async () => { for (let i = 0; i < 8; i++) await Promise.resolve(); };

/** A backend kit: proves ownership; takes the path MTU probe when `wide` (its path carries full-size packets), else the POST never arrives. */
function kit(path: { wide: boolean }) {
  const mtuCalls: { port: number; dport: number; body?: number }[] = [];
  const challenge = async (t: ProbeTarget, port: number, p: string, dport: number, body?: number): Promise<ChallengeAnswer> => {
    const nonce = parsePathMtuProbePath(p);
    if (nonce !== null) {
      mtuCalls.push({ port, dport, body });
      return path.wide ? { status: 200, body: pathMtuAnswer(nonce, body ?? 0) } : { error: 'timed out' };
    }
    const n = /nonce=([0-9a-f]+)/.exec(p)![1];
    return p.includes(verifyTokenId(TOKEN)) ? { status: 200, body: verifyProof(TOKEN, n, t.address) } : { status: 404, body: '' };
  };
  return { mtuCalls, challenge };
}

describe('HealthChecker: path MTU probe (issue 9 §5)', () => {
  let now = 1_000_000;
  beforeEach(() => { jest.useFakeTimers(); now = 1_000_000; });
  afterEach(() => jest.useRealTimers());
  const tick = async (ms: number) => { now += ms; jest.advanceTimersByTime(ms); await flush(); };

  it('after a passing health probe, a POST in full-size segments to the kit through the same tunnel; a narrow path fails the check with the reason', async () => {
    const path = { wide: true };
    const k = kit(path);
    const changes: boolean[] = [];
    const hc = new HealthChecker((_s, _b, h) => changes.push(h), async () => true, k.challenge, () => undefined, () => now);
    hc.update([target()]);
    await tick(0); // verification
    await tick(1000); // health probe + path MTU probe
    expect(changes).toEqual([true]);
    // From the backend's source-port pair (its tunnel), the port after the health probe's.
    expect(k.mtuCalls).toEqual([{ port: 10000, dport: 61080, body: 4000 }]);
    expect(hc.reasonOf('web', 'b1')).toBeNull();
    // A pass holds for a while: no second probe at the next turns.
    await tick(1000);
    expect(k.mtuCalls.length).toBe(1);
    path.wide = false;
    await tick(30_000);
    await tick(1000);
    await tick(1000);
    expect(changes).toEqual([true, false]);
    expect(hc.reasonOf('web', 'b1')).toMatch(/^path MTU to backend below 1500: a 4000-byte request in full-size segments through the tunnel got no answer/);
    // While it fails, every turn probes again; a wide path makes it healthy and clears the reason.
    const calls = k.mtuCalls.length;
    path.wide = true;
    await tick(1000);
    expect(k.mtuCalls.length).toBe(calls + 1);
    expect(changes).toEqual([true, false, true]);
    expect(hc.reasonOf('web', 'b1')).toBeNull();
    hc.stop();
  });

  it('control: without pathMtu (the agent option off, or a backend without a kit) a narrow path is not noticed', async () => {
    const k = kit({ wide: false });
    const changes: boolean[] = [];
    const hc = new HealthChecker((_s, _b, h) => changes.push(h), async () => true, k.challenge, () => undefined, () => now);
    hc.update([target({ pathMtu: undefined })]);
    for (let i = 0; i < 5; i++) await tick(1000);
    expect(changes).toEqual([true]);
    expect(k.mtuCalls).toEqual([]);
    hc.stop();
  });

  it('a failing health probe is reported with its own reason, per family when both fail', async () => {
    const hc = new HealthChecker(() => undefined, async () => false, kit({ wide: true }).challenge, () => undefined, () => now);
    hc.update([target({ family: 4 }), target({ family: 6, address: 'fd00:aa::10', localAddress: 'fd00:1::2' })]);
    for (let i = 0; i < 3; i++) await tick(1000);
    expect(hc.healthOf('web', 'b1')).toBe(false);
    expect(hc.reasonOf('web', 'b1')).toBe('IPv4: health check failed: TCP connect to port 80 through the tunnel got no passing answer within 1 s; IPv6: health check failed: TCP connect to port 80 through the tunnel got no passing answer within 1 s');
    hc.stop();
  });

  it('judgePathMtu: the whole body acknowledged passes; a timeout is the MTU reason; anything else names the kit', () => {
    expect(judgePathMtu({ status: 200, body: pathMtuAnswer('ab'.repeat(8), 4000) }, 'ab'.repeat(8), 4000)).toBeNull();
    expect(judgePathMtu({ status: 200, body: pathMtuAnswer('ab'.repeat(8), 2800) }, 'ab'.repeat(8), 4000)).toMatch(/without the expected acknowledgement/);
    expect(judgePathMtu({ status: 400, body: 'not an Anyfront verification challenge' }, 'ab'.repeat(8), 4000)).toMatch(/HTTP 400/);
    expect(judgePathMtu({ error: 'timed out' }, 'ab'.repeat(8), 4000)).toMatch(/^path MTU to backend below 1500/);
    expect(judgePathMtu({ error: 'ECONNREFUSED' }, 'ab'.repeat(8), 4000)).toMatch(/no answer from the backend kit on port 61080 .*ECONNREFUSED/);
  });

  it('probeTargets: pathMtu only with the option and only for backends with a kit (a verify token)', () => {
    const plan = { services: [{ id: 'web', addresses: [{ address: '198.51.100.10', family: 4 }], backends: [{ id: 'b1', mark: 0x100000, address: 'fd00:b::1' }, { id: 'b2', mark: 0x100001, address: 'fd00:b::2' }] }], markBase: 0x100000, options: { probePortBase: 10000 } } as unknown as DataplanePlan;
    const tokens = new Map([['web/b1', TOKEN]]);
    const on = probeTargets(plan, new Map([['web', check]]), { ipv4: '192.0.2.2' }, tokens, { pathMtu: { recheckSeconds: 30 } });
    expect(on.map((t) => [t.backendId, t.pathMtu ?? null])).toEqual([['b1', { recheckSeconds: 30 }], ['b2', null]]);
    expect(probeTargets(plan, new Map([['web', check]]), { ipv4: '192.0.2.2' }, tokens).some((t) => t.pathMtu)).toBe(false);
  });
});
