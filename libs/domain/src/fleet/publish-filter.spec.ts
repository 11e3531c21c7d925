import { desiredStateSchema } from '@anyfront/contracts';
import { semanticProblems } from '@anyfront/dataplane';
import { type DesiredStateInput, type FleetServiceInput, planNodeState } from './desired-state';
import { PUBLISH_CHECKS, type PublishCheck } from './publish-filter';

const POP = 'a0000000-0000-4000-8000-000000000001';
const POOL = 'b0000000-0000-4000-8000-00000000000a';
const hc = { protocol: 'tcp' as const, port: 443, path: null, interval_seconds: 10, timeout_seconds: 5, healthy_threshold: 3, unhealthy_threshold: 3 };

function service(n: number, over: Partial<FleetServiceInput> = {}): FleetServiceInput {
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
    backends: [{ id: `c0000000-0000-4000-8000-00000000000${n}`, address: `2001:db8::${n}`, weight: 100, enabled: true }],
    ...over,
  };
}

function input(services: FleetServiceInput[], sources: { v4?: string; v6?: string } = { v6: 'fd00:0:1::1' }): DesiredStateInput {
  return {
    node: { id: 'e0000000-0000-4000-8000-000000000001', popId: POP, popCode: 'ams', state: 'active', drained: false, tunnelSourceIpv4: sources.v4 ?? null, tunnelSourceIpv6: sources.v6 ?? null },
    pools: [{ id: POOL, prefix: '198.51.100.0/24', family: 4, state: 'active', popIds: [POP] }],
    services,
    hashSeed: 1,
    generation: 3,
  };
}

/** What the edge agent decides about a whole state (apps/edge-agent reconciler): any problem refuses all of it. */
const agentAccepts = (plan: ReturnType<typeof planNodeState>, sources: { ipv4?: string; ipv6?: string }) =>
  desiredStateSchema.safeParse(plan.state).success && semanticProblems(plan.state, sources).length === 0;

describe('publish filter (planNodeState + PUBLISH_CHECKS)', () => {
  it('leaves out a service the agent would refuse, with its reason, and still publishes the node\'s other services', () => {
    const gueWithoutPort = service(2, { encapsulation: 'gue', guePort: null });
    const ipv4BackendOnV6OnlyNode = service(3, { encapsulation: 'ipip', backends: [{ id: 'c0000000-0000-4000-8000-000000000003', address: '192.0.2.3', weight: 100, enabled: true }] });
    const fine = service(1);
    const plan = planNodeState(input([gueWithoutPort, fine, ipv4BackendOnV6OnlyNode]));
    expect(plan.state.services.map((s) => s.id)).toEqual([fine.id]);
    expect(plan.excluded).toEqual([
      { id: gueWithoutPort.id, reason: 'encapsulation gue needs gue_port' },
      { id: ipv4BackendOnV6OnlyNode.id, reason: 'backend c0000000-0000-4000-8000-000000000003 needs an IPv4 tunnel source, but the node has none' },
    ]);
    expect([...plan.serviceHashes.keys()]).toEqual([fine.id]);
    // The point of the filter: the agent accepts what is published (so the node is never frozen).
    expect(agentAccepts(plan, { ipv6: 'fd00:0:1::1' })).toBe(true);
  });

  it("withdraws a suspended organization's service from the node with the reason, and keeps every other tenant's", () => {
    const suspended = service(1, { suspension: 'an invoice is unpaid past its grace period' });
    const other = service(2);
    const plan = planNodeState(input([suspended, other]));
    expect(plan.state.services.map((s) => s.id)).toEqual([other.id]);
    expect(plan.excluded).toEqual([{ id: suspended.id, reason: 'withdrawn: the organization is suspended (an invoice is unpaid past its grace period)' }]);
    // Restored (no suspension): published again.
    expect(planNodeState(input([{ ...suspended, suspension: null }, other])).state.services.map((s) => s.id)).toEqual([suspended.id, other.id]);
    // Negative control: without the suspension check the service would be published.
    expect(planNodeState(input([suspended, other]), PUBLISH_CHECKS.filter((c) => c.name !== 'billing-suspension')).state.services).toHaveLength(2);
  });

  it('decides per node: the same service is published on a node that can run it', () => {
    const ipip = service(3, { encapsulation: 'ipip', backends: [{ id: 'c0000000-0000-4000-8000-000000000003', address: '192.0.2.3', weight: 100, enabled: true }] });
    const plan = planNodeState(input([ipip], { v4: '192.0.2.100', v6: 'fd00:0:1::1' }));
    expect(plan.excluded).toEqual([]);
    expect(plan.state.services.map((s) => s.id)).toEqual([ipip.id]);
    expect(agentAccepts(plan, { ipv4: '192.0.2.100', ipv6: 'fd00:0:1::1' })).toBe(true);
  });

  it('negative control: without the checks, the state holds the refused service and the agent refuses the whole node', () => {
    const plan = planNodeState(input([service(1), service(2, { encapsulation: 'gue', guePort: null })]), []);
    expect(plan.state.services).toHaveLength(2);
    expect(agentAccepts(plan, { ipv6: 'fd00:0:1::1' })).toBe(false);
  });

  it('is extensible: a check sees the node, the stored service and what was accepted so far (e.g. a per-node budget)', () => {
    const atMostTwo: PublishCheck = { name: 'budget', exclusionReason: ({ accepted }) => (accepted.length >= 2 ? 'node budget of 2 services reached' : null) };
    const plan = planNodeState(input([service(1), service(2), service(3)]), [...PUBLISH_CHECKS, atMostTwo]);
    expect(plan.state.services).toHaveLength(2);
    expect(plan.excluded).toEqual([{ id: service(3).id, reason: 'node budget of 2 services reached' }]);
  });

  it('never sends a node a service its kernel cannot program (reported capabilities); a node that reported none still gets it', () => {
    const caps = { seg6: true, ipip: false, sit: false, ip6tnl: false, fou: false, nft: true };
    const srv6 = service(1, { encapsulation: 'srv6' });
    const ip6ip6 = service(2); // needs ip6_tunnel
    const withCaps = input([srv6, ip6ip6]);
    const plan = planNodeState({ ...withCaps, node: { ...withCaps.node, capabilities: caps } });
    expect(plan.state.services.map((s) => s.id)).toEqual([srv6.id]);
    expect(plan.excluded).toEqual([{ id: ip6ip6.id, reason: "encapsulation ip6ip6 needs the ip6_tunnel module, which this edge's kernel lacks" }]);
    // Control: the same node before its agent reported capabilities gets both (its agent would skip ip6ip6 itself).
    expect(planNodeState(withCaps).state.services).toHaveLength(2);
  });
});
