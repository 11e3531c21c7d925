import { desiredStateSchema } from '@anyfront/contracts';
import { maglevTableSize } from '@anyfront/maglev';
import { computeDesiredState, desiredStateHash, type DesiredStateInput, type FleetServiceInput, serviceStateHash, type SkippedService } from './desired-state';

const POP = 'a0000000-0000-4000-8000-000000000001';
const OTHER_POP = 'a0000000-0000-4000-8000-000000000002';
const POOL_A = 'b0000000-0000-4000-8000-00000000000a';
const POOL_B = 'b0000000-0000-4000-8000-00000000000b';
const POOL_6 = 'b0000000-0000-4000-8000-000000000006';
const POOL_ELSEWHERE = 'b0000000-0000-4000-8000-0000000000ee';

const hc = { protocol: 'tcp' as const, port: 443, path: null, interval_seconds: 10, timeout_seconds: 5, healthy_threshold: 3, unhealthy_threshold: 3 };

function service(id: string, over: Partial<FleetServiceInput> = {}): FleetServiceInput {
  return {
    id,
    name: `svc-${id.slice(-2)}`,
    status: 'active',
    listeners: [{ protocol: 'tcp', ports: '443' }],
    hashMode: 'five_tuple',
    encapsulation: 'srv6',
    guePort: null,
    healthCheck: hc,
    addresses: [
      { address: '198.51.100.10', family: 4, poolId: POOL_A, state: 'assigned' },
      { address: '203.0.113.10', family: 4, poolId: POOL_B, state: 'assigned' },
      { address: 'fd00:1::10', family: 6, poolId: POOL_6, state: 'assigned' },
    ],
    backends: [
      { id: 'c0000000-0000-4000-8000-000000000002', address: '2001:db8::2', weight: 100, enabled: true },
      { id: 'c0000000-0000-4000-8000-000000000001', address: '2001:db8::1', weight: 50, enabled: false },
    ],
    ...over,
  };
}

function input(over: Partial<DesiredStateInput> = {}): DesiredStateInput {
  return {
    node: { id: 'e0000000-0000-4000-8000-000000000001', popId: POP, popCode: 'ams', state: 'active', drained: false, tunnelSourceIpv4: null, tunnelSourceIpv6: 'fd00:0:1::1' },
    pools: [
      { id: POOL_B, prefix: '203.0.113.0/24', family: 4, state: 'active', popIds: [POP] },
      { id: POOL_A, prefix: '198.51.100.0/24', family: 4, state: 'draining', popIds: [POP, OTHER_POP] },
      { id: POOL_6, prefix: 'fd00:1::/48', family: 6, state: 'active', popIds: [POP] },
      { id: POOL_ELSEWHERE, prefix: '192.0.2.0/24', family: 4, state: 'active', popIds: [OTHER_POP] },
    ],
    services: [service('d0000000-0000-4000-8000-000000000002'), service('d0000000-0000-4000-8000-000000000001')],
    hashSeed: 123456789,
    generation: 7,
    ...over,
  };
}

describe('computeDesiredState', () => {
  it('produces a state the agent contract accepts', () => {
    const s = computeDesiredState(input());
    expect(desiredStateSchema.parse(s)).toEqual(s);
    expect(s).toMatchObject({ version: 1, generation: 7, hash_seed: 123456789, drained: false, node: { pop: 'ams', tunnel_source_ipv6: 'fd00:0:1::1' } });
    expect(s.node).not.toHaveProperty('tunnel_source_ipv4');
  });

  it('ships gue_port with a gue service, and only with gue', () => {
    const gue = service('d0000000-0000-4000-8000-000000000003', { encapsulation: 'gue', guePort: 7000 });
    const s = computeDesiredState(input({ services: [service('d0000000-0000-4000-8000-000000000001'), gue] }));
    expect(desiredStateSchema.parse(s)).toEqual(s);
    expect(s.services.map((x) => [x.encapsulation, x.gue_port])).toEqual([['srv6', undefined], ['gue', 7000]]);
    expect(s.services[0]).not.toHaveProperty('gue_port');
  });

  it('leaves out (with `skipped`) a gue service stored without its port instead of shipping one the agent refuses', () => {
    const bad = service('d0000000-0000-4000-8000-000000000003', { encapsulation: 'gue', guePort: null });
    const skipped: SkippedService[] = [];
    const s = computeDesiredState(input({ services: [service('d0000000-0000-4000-8000-000000000001'), bad] }), skipped);
    expect(s.services.map((x) => x.id)).toEqual(['d0000000-0000-4000-8000-000000000001']);
    expect(skipped).toEqual([{ id: bad.id, reason: 'encapsulation gue needs gue_port' }]);
  });

  it("includes only the pools announced by the node's PoP (active or draining), sorted by id", () => {
    const s = computeDesiredState(input());
    expect(s.pools.map((p) => p.id)).toEqual([POOL_6, POOL_A, POOL_B]);
    const disabledPool = input();
    disabledPool.pools[0] = { ...disabledPool.pools[0], state: 'disabled' };
    expect(computeDesiredState(disabledPool).pools.map((p) => p.id)).toEqual([POOL_6, POOL_A]);
  });

  it('includes only services with addresses in those pools, and only those addresses', () => {
    const elsewhere = service('d0000000-0000-4000-8000-0000000000ff', {
      addresses: [{ address: '192.0.2.9', family: 4, poolId: POOL_ELSEWHERE, state: 'assigned' }],
    });
    const partly = service('d0000000-0000-4000-8000-0000000000fe', {
      addresses: [
        { address: '192.0.2.8', family: 4, poolId: POOL_ELSEWHERE, state: 'assigned' },
        { address: '203.0.113.8', family: 4, poolId: POOL_B, state: 'assigned' },
      ],
    });
    const s = computeDesiredState(input({ services: [elsewhere, partly] }));
    expect(s.services.map((x) => x.id)).toEqual([partly.id]);
    expect(s.services[0].addresses).toEqual([{ address: '203.0.113.8', family: 4 }]);
  });

  it('excludes pending, deleted, deleting and waiting services and quarantined addresses', () => {
    const services = (['pending', 'deleted', 'deleting', 'waiting_for_capacity'] as const).map((status, i) =>
      service(`d0000000-0000-4000-8000-00000000001${i}`, { status }),
    );
    const quarantined = service('d0000000-0000-4000-8000-000000000020', {
      addresses: [{ address: '203.0.113.20', family: 4, poolId: POOL_B, state: 'quarantined' }],
    });
    expect(computeDesiredState(input({ services: [...services, quarantined] })).services).toEqual([]);
  });

  it('marks disabled backends, sorts backends by id and sizes the Maglev table with maglevTableSize', () => {
    const s = computeDesiredState(input());
    const svc = s.services[0];
    expect(svc.backends).toEqual([
      { id: 'c0000000-0000-4000-8000-000000000001', address: '2001:db8::1', weight: 50, enabled: false },
      { id: 'c0000000-0000-4000-8000-000000000002', address: '2001:db8::2', weight: 100, enabled: true },
    ]);
    expect(svc.maglev_table_size).toBe(maglevTableSize(2));
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `c1000000-0000-4000-8000-${String(i).padStart(12, '0')}`, address: `2001:db8::${i + 10}`, weight: 1, enabled: true }));
    expect(computeDesiredState(input({ services: [service('d0000000-0000-4000-8000-000000000003', { backends: many })] })).services[0].maglev_table_size).toBe(maglevTableSize(30));
  });

  it('never shrinks the Maglev table below the service high-water mark (a new M would move every flow)', () => {
    const floor = maglevTableSize(5);
    expect(floor).toBeGreaterThan(maglevTableSize(2));
    const svc = computeDesiredState(input({ services: [service('d0000000-0000-4000-8000-000000000001', { maglevTableSizeFloor: floor })] })).services[0];
    expect(svc.backends).toHaveLength(2);
    expect(svc.maglev_table_size).toBe(floor);
  });

  it('turns listeners and the health check into the wire form', () => {
    const s = computeDesiredState(input({
      services: [service('d0000000-0000-4000-8000-000000000001', { listeners: [{ protocol: 'udp', ports: '53' }, { protocol: 'tcp', ports: '8000-8100' }, { protocol: 'tcp', ports: '443' }] })],
    }));
    expect(s.services[0].listeners).toEqual([
      { protocol: 'tcp', port_from: 443, port_to: 443 },
      { protocol: 'tcp', port_from: 8000, port_to: 8100 },
      { protocol: 'udp', port_from: 53, port_to: 53 },
    ]);
    expect(s.services[0].health_check.path).toBe('/');
  });

  it('is deterministic: shuffled inputs give byte-identical JSON', () => {
    const a = input();
    const b = input();
    b.pools.reverse();
    b.services.reverse();
    for (const svc of b.services) {
      svc.addresses.reverse();
      svc.backends.reverse();
      svc.listeners.reverse();
    }
    expect(JSON.stringify(computeDesiredState(b))).toBe(JSON.stringify(computeDesiredState(a)));
    expect(desiredStateHash(computeDesiredState(b))).toBe(desiredStateHash(computeDesiredState(a)));
  });

  it('sorts addresses numerically, IPv4 first', () => {
    const s = computeDesiredState(input({
      services: [service('d0000000-0000-4000-8000-000000000001', {
        addresses: [
          { address: 'fd00:1::10', family: 6, poolId: POOL_6, state: 'assigned' },
          { address: '203.0.113.9', family: 4, poolId: POOL_B, state: 'assigned' },
          { address: '198.51.100.200', family: 4, poolId: POOL_A, state: 'assigned' },
        ],
      })],
    }));
    expect(s.services[0].addresses.map((a) => a.address)).toEqual(['198.51.100.200', '203.0.113.9', 'fd00:1::10']);
  });

  it('drains on operator drain or a draining node; a disabled node serves nothing', () => {
    expect(computeDesiredState(input({ node: { ...input().node, drained: true } })).drained).toBe(true);
    expect(computeDesiredState(input({ node: { ...input().node, state: 'draining' } })).drained).toBe(true);
    const off = computeDesiredState(input({ node: { ...input().node, state: 'disabled' } }));
    expect(off).toMatchObject({ drained: true, pools: [], services: [] });
  });

  it('hashes everything but the generation', () => {
    const a = computeDesiredState(input({ generation: 1 }));
    const b = computeDesiredState(input({ generation: 99 }));
    expect(desiredStateHash(a)).toBe(desiredStateHash(b));
    const c = computeDesiredState(input({ hashSeed: 1 }));
    expect(desiredStateHash(c)).not.toBe(desiredStateHash(a));
    const d = computeDesiredState(input({ node: { ...input().node, drained: true } }));
    expect(desiredStateHash(d)).not.toBe(desiredStateHash(a));
  });

  it('per-service hash changes only for the service that changed', () => {
    const base = input();
    const changed = input();
    changed.services[0] = { ...changed.services[0], backends: [...changed.services[0].backends, { id: 'c0000000-0000-4000-8000-000000000009', address: '2001:db8::9', weight: 1, enabled: true }] };
    const before = new Map(computeDesiredState(base).services.map((s) => [s.id, serviceStateHash(s)]));
    const after = new Map(computeDesiredState(changed).services.map((s) => [s.id, serviceStateHash(s)]));
    const differs = [...after].filter(([id, h]) => before.get(id) !== h).map(([id]) => id);
    expect(differs).toEqual([changed.services[0].id]);
  });

  it('refuses a stored listener it cannot parse, or with `skipped` leaves only that service out', () => {
    const broken = service('d0000000-0000-4000-8000-000000000001', { listeners: [{ protocol: 'tcp', ports: '0' }] });
    const fine = service('d0000000-0000-4000-8000-000000000002');
    expect(() => computeDesiredState(input({ services: [broken, fine] }))).toThrow(/listener/);
    const skipped: SkippedService[] = [];
    const s = computeDesiredState(input({ services: [broken, fine] }), skipped);
    expect(s.services.map((x) => x.id)).toEqual([fine.id]);
    expect(skipped).toEqual([{ id: broken.id, reason: expect.stringMatching(/listener "0"/) }]);
  });
});
