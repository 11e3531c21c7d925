import { allocateMarks, emptyAllocation } from './marks';
import { buildPlan, wantedMarkKeys } from './plan';
import { buildRouting, renderRoutingChange, RoutingInventory, routingChangeIsEmpty, RoutingOptions } from './routes';
import { renderBirdConfig } from './bird';
import { service, state } from './fixtures.spec-helpers';
import type { ServiceState } from '@anyfront/contracts';

const ROPTS: RoutingOptions = { uplink: 'eth0', rulePriority: 1000, devicePrefix: 'aft', sources: { ipv4: '192.0.2.11', ipv6: 'fd00:1::11' } };
function routing(svc: ServiceState) {
  const s = state([svc]);
  const p = buildPlan(s, allocateMarks(emptyAllocation(0x100000, 100), wantedMarkKeys(s)), () => undefined, { table: 'anyfront', flowTimeoutSeconds: 300, flowTableSize: 65536, probePortBase: 10000 });
  return buildRouting(p, ROPTS);
}
const EMPTY: RoutingInventory = { rules: [], routes: [], links: [] };
const dual = [{ address: '198.51.100.10', family: 4 as const }, { address: 'fd00:aa::10', family: 6 as const }];

describe('routes per encapsulation', () => {
  it('srv6: one table per backend with a seg6 encap route for each inner family (plus a throw for the outer packet), outer source via tunsrc', () => {
    const r = routing(service('web', { addresses: dual }));
    expect(renderRoutingChange(r, EMPTY, ROPTS)).toEqual({
      pre: ['sr tunsrc set fd00:1::11'],
      v4: [
        'route replace default encap seg6 mode encap segs fd00:b::1 dev eth0 table 1048576',
        'route replace default encap seg6 mode encap segs fd00:b::2 dev eth0 table 1048577',
        'rule add fwmark 0x100000 table 1048576 priority 1000',
        'rule add fwmark 0x100001 table 1048577 priority 1000',
      ],
      v6: [
        'route replace default encap seg6 mode encap segs fd00:b::1 dev eth0 table 1048576',
        'route replace throw fd00:b::1/128 table 1048576',
        'route replace default encap seg6 mode encap segs fd00:b::2 dev eth0 table 1048577',
        'route replace throw fd00:b::2/128 table 1048577',
        'rule add fwmark 0x100000 table 1048576 priority 1000',
        'rule add fwmark 0x100001 table 1048577 priority 1000',
      ],
      v4Del: [],
      v6Del: [],
      post: [],
    });
  });

  it('ipip: an ipip device per backend from the edge v4 address (sit mode any when inner IPv6 is carried)', () => {
    const backends = [{ id: 'b1', address: '203.0.113.7', weight: 1, enabled: true }];
    const v4only = renderRoutingChange(routing(service('web', { encapsulation: 'ipip', backends })), EMPTY, ROPTS);
    expect(v4only.pre).toEqual(['link add aft0 type ipip mode ipip local 192.0.2.11 remote 203.0.113.7 ttl 64', 'link set aft0 up']);
    expect(v4only.v4).toEqual(['route replace default dev aft0 table 1048576', 'rule add fwmark 0x100000 table 1048576 priority 1000']);
    const both = renderRoutingChange(routing(service('web', { encapsulation: 'ipip', backends, addresses: dual })), EMPTY, ROPTS);
    expect(both.pre[0]).toBe('link add aft0 type sit mode any local 192.0.2.11 remote 203.0.113.7 ttl 64');
    expect(both.v6).toEqual(['route replace default dev aft0 table 1048576', 'rule add fwmark 0x100000 table 1048576 priority 1000']);
  });

  it('ip6ip6: an ip6tnl device from the edge v6 address', () => {
    const r = renderRoutingChange(routing(service('web', { encapsulation: 'ip6ip6', addresses: dual, backends: [{ id: 'b1', address: 'fd00:b::1', weight: 1, enabled: true }] })), EMPTY, ROPTS);
    expect(r.pre).toEqual(['link add aft0 type ip6tnl mode any local fd00:1::11 remote fd00:b::1 ttl 64', 'link set aft0 up']);
    expect(r.v4[0]).toBe('route replace default dev aft0 table 1048576');
  });

  it('gue: fou-encapsulated tunnel device towards the backend GUE port, v4 or v6 outer by backend', () => {
    const r = renderRoutingChange(routing(service('web', { encapsulation: 'gue', gue_port: 5555, backends: [
      { id: 'b1', address: '203.0.113.7', weight: 1, enabled: true },
      { id: 'b2', address: 'fd00:b::2', weight: 1, enabled: true },
    ] })), EMPTY, ROPTS);
    expect(r.pre).toEqual([
      'link add aft0 type ipip mode ipip local 192.0.2.11 remote 203.0.113.7 ttl 64 encap gue encap-sport auto encap-dport 5555', 'link set aft0 up',
      'link add aft1 type ip6tnl mode any local fd00:1::11 remote fd00:b::2 ttl 64 encap gue encap-sport auto encap-dport 5555', 'link set aft1 up',
    ]);
  });

  it('is idempotent: an inventory that matches renders nothing; stale entries in our range are removed after additions', () => {
    const want = routing(service('web'));
    const have: RoutingInventory = {
      rules: [...want.rules, { family: 4, mark: 0x100005, table: 0x100005, priority: 1000 }],
      routes: [...want.routes.map((r) => ({ family: r.family, table: r.table, dst: r.dst, dev: r.dev, encap: 'seg6', segs: r.segs })), { family: 4, table: 0x100005, dst: 'default', dev: 'aft5' }],
      links: [{ name: 'aft5', kind: 'ipip', local: '192.0.2.11', remote: '203.0.113.9' }],
      srTunsrc: 'fd00:1::11',
    };
    expect(routingChangeIsEmpty(renderRoutingChange(want, { ...have, rules: want.rules, routes: have.routes.slice(0, -1), links: [] }, ROPTS))).toBe(true);
    expect(renderRoutingChange(want, have, ROPTS)).toEqual({ pre: [], v4: [], v6: [], v4Del: ['rule del fwmark 0x100005 table 1048581 priority 1000', 'route del default table 1048581'], v6Del: [], post: ['link del aft5'] });
  });

  it('keeps a dual-stack srv6 throw route once present and removes it with its backend', () => {
    const want = routing(service('web', { addresses: dual }));
    const have: RoutingInventory = { rules: want.rules, links: [], srTunsrc: 'fd00:1::11', routes: want.routes.map((r) => ({ family: r.family, table: r.table, dst: r.dst, type: r.type, dev: r.dev, encap: r.type ? undefined : 'seg6', segs: r.segs })) };
    expect(routingChangeIsEmpty(renderRoutingChange(want, have, ROPTS))).toBe(true);
    const fewer = routing(service('web', { addresses: dual, backends: [{ id: 'b1', address: 'fd00:b::1', weight: 1, enabled: true }] }));
    expect(renderRoutingChange(fewer, have, ROPTS).v6Del).toEqual(['rule del fwmark 0x100001 table 1048577 priority 1000', 'route del default table 1048577', 'route del throw fd00:b::2/128 table 1048577']);
  });

  it('a tunnel device recreated for a new remote gets its route back in the same change (the device deletion took it)', () => {
    const v4 = (address: string) => routing(service('web', { encapsulation: 'ipip', backends: [{ id: 'b1', address, weight: 1, enabled: true }] }));
    const before = v4('203.0.113.7');
    const have: RoutingInventory = {
      rules: before.rules, srTunsrc: undefined,
      links: [{ name: 'aft0', kind: 'ipip', local: '192.0.2.11', remote: '203.0.113.7' }],
      routes: before.routes.map((r) => ({ family: r.family, table: r.table, dst: r.dst, dev: r.dev })),
    };
    expect(routingChangeIsEmpty(renderRoutingChange(before, have, ROPTS))).toBe(true);
    const change = renderRoutingChange(v4('203.0.113.8'), have, ROPTS);
    expect(change.pre).toEqual(['link del aft0', 'link add aft0 type ipip mode ipip local 192.0.2.11 remote 203.0.113.8 ttl 64', 'link set aft0 up']);
    expect(change.v4).toEqual(['route replace default dev aft0 table 1048576']);
  });

  it('replaces a route whose segment changed', () => {
    const want = routing(service('web'));
    const have: RoutingInventory = { rules: want.rules, links: [], srTunsrc: 'fd00:1::11', routes: want.routes.map((r) => ({ family: r.family, table: r.table, dst: r.dst, dev: r.dev, encap: 'seg6', segs: ['fd00:b::99'] })) };
    expect(renderRoutingChange(want, have, ROPTS).v4).toEqual(['route replace default encap seg6 mode encap segs fd00:b::1 dev eth0 table 1048576', 'route replace default encap seg6 mode encap segs fd00:b::2 dev eth0 table 1048577']);
  });
});

describe('BIRD config', () => {
  it('exports pools from per-family static protocols through filters that allow only the pools, with short timers and BFD', () => {
    const conf = renderBirdConfig({
      routerId: '192.0.2.11', localAs: 65011, bfd: true, holdTime: 3, keepaliveTime: 1, announce: true,
      neighbors: [{ address: '192.0.2.1', as: 65000 }, { address: 'fd00:1::1', as: 65000, name: 'up6' }],
      pools: [{ id: 'a', prefix: '198.51.100.0/24', family: 4 }, { id: 'b', prefix: '203.0.113.0/24', family: 4 }, { id: 'c', prefix: 'fd00:aa::/48', family: 6 }],
    });
    expect(conf).toContain('router id 192.0.2.11;');
    expect(conf).toContain('filter anyfront_export4 {\n  if net ~ [ 198.51.100.0/24, 203.0.113.0/24 ] then accept;\n  reject;\n}');
    expect(conf).toContain('protocol static anyfront_pools4 {\n  ipv4;\n  disabled no;\n  route 198.51.100.0/24 unreachable;\n  route 203.0.113.0/24 unreachable;\n}');
    expect(conf).toContain('protocol static anyfront_pools6 {\n  ipv6;\n  disabled no;\n  route fd00:aa::/48 unreachable;\n}');
    expect(conf).toContain('protocol bfd anyfront_bfd');
    expect(conf).toContain('protocol bgp up_0 {\n  local as 65011;\n  neighbor 192.0.2.1 as 65000;\n  hold time 3;\n  keepalive time 1;');
    expect(conf).toMatch(/protocol bgp up_0 \{[^}]*bfd on;\n  ipv4 \{\n    import none;\n    export filter anyfront_export4;/);
    expect(conf).toMatch(/protocol bgp up6 \{[^}]*ipv6 \{\n    import none;\n    export filter anyfront_export6;/);
  });
  it('starts the statics disabled while not announcing and rejects everything for a family without pools', () => {
    const conf = renderBirdConfig({ routerId: '192.0.2.11', localAs: 65011, bfd: false, holdTime: 3, keepaliveTime: 1, announce: false, neighbors: [], pools: [] });
    expect(conf).toContain('protocol static anyfront_pools4 {\n  ipv4;\n  disabled yes;\n}');
    expect(conf).toContain('filter anyfront_export6 {\n  # no pools of this family\n  reject;\n}');
    expect(conf).not.toContain('bfd');
  });
});
