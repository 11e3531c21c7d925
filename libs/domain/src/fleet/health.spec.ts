import { summarizeServiceHealth, type BackendHealthReport } from './health';

const now = new Date('2026-01-01T12:00:00Z');
const r = (backendId: string, popCode: string, nodeId: string, healthy: boolean, ageMs = 1000, reason?: string): BackendHealthReport => ({
  backendId, nodeId, popId: `pop-${popCode}`, popCode, healthy, reportedAt: new Date(now.getTime() - ageMs), ...(reason ? { reason } : {}),
});
const backends = [
  { id: 'b1', address: '2001:db8::1', enabled: true },
  { id: 'b2', address: '2001:db8::2', enabled: true },
];

describe('summarizeServiceHealth', () => {
  it('shows health per PoP and overall, and flags a backend down at every PoP', () => {
    const s = summarizeServiceHealth(backends, [
      r('b1', 'ams', 'n1', true), r('b1', 'fra', 'n2', true),
      r('b2', 'ams', 'n1', false), r('b2', 'fra', 'n2', false), r('b2', 'fra', 'n3', false, 1000, 'path MTU to backend below 1500: …'),
    ], now, 60_000);
    expect(s.backends_down_everywhere).toEqual(['b2']);
    expect(s.status).toBe('degraded');
    expect(s.backends[0]).toMatchObject({ backend_id: 'b1', status: 'healthy', down_everywhere: false });
    expect(s.backends[1].pops).toEqual([
      { pop_id: 'pop-ams', pop_code: 'ams', status: 'unhealthy', healthy_nodes: 0, unhealthy_nodes: 1, reason: null },
      // The reason of a node that gave one (an older agent's report has none).
      { pop_id: 'pop-fra', pop_code: 'fra', status: 'unhealthy', healthy_nodes: 0, unhealthy_nodes: 2, reason: 'path MTU to backend below 1500: …' },
    ]);
  });

  it('a backend down at one PoP only is degraded, not down everywhere', () => {
    const s = summarizeServiceHealth(backends.slice(0, 1), [r('b1', 'ams', 'n1', false), r('b1', 'fra', 'n2', true)], now, 60_000);
    expect(s.backends[0]).toMatchObject({ status: 'degraded', down_everywhere: false });
    expect(s.backends_down_everywhere).toEqual([]);
  });

  it('ignores stale reports and says unknown without reports', () => {
    const s = summarizeServiceHealth(backends, [r('b1', 'ams', 'n1', false, 120_000)], now, 60_000);
    expect(s.status).toBe('unknown');
    expect(s.backends.every((b) => b.status === 'unknown' && !b.down_everywhere)).toBe(true);
  });

  it('is down when every backend is down everywhere, healthy when all are healthy', () => {
    expect(summarizeServiceHealth(backends, [r('b1', 'ams', 'n1', false), r('b2', 'ams', 'n1', false)], now, 60_000).status).toBe('down');
    expect(summarizeServiceHealth(backends, [r('b1', 'ams', 'n1', true), r('b2', 'ams', 'n1', true)], now, 60_000).status).toBe('healthy');
  });
});
