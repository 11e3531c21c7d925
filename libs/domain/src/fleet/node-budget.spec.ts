import { type DesiredStateInput, type FleetServiceInput, planNodeState } from './desired-state';
import { DEFAULT_NODE_BUDGET, nodeBudgetCheck, serviceCost } from './node-budget';
import { PUBLISH_CHECKS } from './publish-filter';

const POP = 'a0000000-0000-4000-8000-000000000001';
const POOL = 'b0000000-0000-4000-8000-00000000000a';
const hc = { protocol: 'tcp' as const, port: 443, path: null, interval_seconds: 10, timeout_seconds: 5, healthy_threshold: 3, unhealthy_threshold: 3 };

function service(n: number, backends: number, createdAt?: string): FleetServiceInput {
  return {
    id: `d0000000-0000-4000-8000-00000000000${n}`,
    name: `svc-${n}`,
    status: 'active',
    listeners: [{ protocol: 'tcp', ports: '443' }],
    hashMode: 'five_tuple',
    encapsulation: 'ip6ip6',
    guePort: null,
    healthCheck: hc,
    addresses: [{ address: `198.51.100.${10 + n}`, family: 4, poolId: POOL, state: 'assigned' }],
    backends: Array.from({ length: backends }, (_, i) => ({ id: `c0000000-0000-4000-8000-0000000${n}${String(i).padStart(4, '0')}`, address: `2001:db8:${n}::${i + 1}`, weight: 100, enabled: true })),
    ...(createdAt ? { createdAt } : {}),
  };
}

function input(services: FleetServiceInput[]): DesiredStateInput {
  return {
    node: { id: 'e0000000-0000-4000-8000-000000000001', popId: POP, popCode: 'ams', state: 'active', drained: false, tunnelSourceIpv4: null, tunnelSourceIpv6: 'fd00:0:1::1' },
    pools: [{ id: POOL, prefix: '198.51.100.0/24', family: 4, state: 'active', popIds: [POP] }],
    services,
    hashSeed: 1,
    generation: 3,
  };
}

describe('per-edge-node budget (publish check)', () => {
  it('is one of the checks every publication passes', () => {
    expect(PUBLISH_CHECKS.map((c) => c.name)).toContain('node-budget');
    expect(DEFAULT_NODE_BUDGET.fwmarks).toBeLessThan(10_000); // under the agent's default mark_count
  });

  it('leaves out the service that would overflow the node\'s marks, with a reason; the rest of the node is published', () => {
    const check = nodeBudgetCheck({ fwmarks: 5, nftElements: 1_000_000 });
    const plan = planNodeState(input([service(1, 3), service(2, 3), service(3, 2)]), [...PUBLISH_CHECKS.filter((c) => c.name !== 'node-budget'), check]);
    expect(plan.state.services.map((s) => s.id)).toEqual([service(1, 3).id, service(3, 2).id]);
    expect(plan.excluded).toEqual([{ id: service(2, 3).id, reason: expect.stringMatching(/budget of 5 backend marks is used up \(3 taken by other services, this one needs 3\)/) }]);
  });

  it('counts nft elements: Maglev table, addresses and backends', () => {
    const plan = planNodeState(input([service(1, 1)]), []);
    const s = plan.state.services[0];
    if (!s) throw new Error('the service was not published');
    expect(serviceCost(s)).toEqual({ fwmarks: 1, nftElements: s.maglev_table_size + 1 + 2 });
    const tight = nodeBudgetCheck({ fwmarks: 100, nftElements: serviceCost(s).nftElements + 1 });
    const two = planNodeState(input([service(1, 1), service(2, 1)]), [tight]);
    expect(two.state.services).toHaveLength(1);
    expect(two.excluded[0]?.reason).toMatch(/data-plane table entries/);
  });

  it('older services keep their place: a newer service cannot push one out, whatever the ids', () => {
    const check = nodeBudgetCheck({ fwmarks: 4, nftElements: 1_000_000 });
    const older = service(9, 3, '2026-01-01T00:00:00.000Z');
    const newer = service(1, 3, '2026-06-01T00:00:00.000Z');
    const plan = planNodeState(input([newer, older]), [check]);
    expect(plan.state.services.map((s) => s.id)).toEqual([older.id]);
    expect(plan.excluded.map((e) => e.id)).toEqual([newer.id]);
  });

  it('negative control: without the check the node gets more marks than its budget', () => {
    const plan = planNodeState(input([service(1, 3), service(2, 3)]), []);
    expect(plan.state.services.reduce((n, s) => n + s.backends.length, 0)).toBe(6);
  });
});
