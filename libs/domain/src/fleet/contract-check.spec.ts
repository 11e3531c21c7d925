import { desiredStateSchema, type DesiredState } from '@anyfront/contracts';
import { contractViolation } from './contract-check';
import { serviceStateHash } from './desired-state';

const base: DesiredState = {
  version: 1,
  generation: 3,
  node: { id: 'n1', pop: 'ams', tunnel_source_ipv6: 'fd00::1' },
  hash_seed: 42,
  drained: false,
  pools: [{ id: 'p1', prefix: '198.51.100.0/24', family: 4 }],
  services: [{
    id: 's1', name: 'web', addresses: [{ address: '198.51.100.7', family: 4 }], listeners: [{ protocol: 'tcp', port_from: 443, port_to: 443 }],
    hash_mode: 'five_tuple', encapsulation: 'srv6', maglev_table_size: 251, backends: [{ id: 'b1', address: '2001:db8::1', weight: 100, enabled: true }],
    health_check: { protocol: 'tcp', port: 443, path: '/', interval_seconds: 10, timeout_seconds: 5, healthy_threshold: 3, unhealthy_threshold: 3 },
  }],
};

const check = (s: DesiredState) => contractViolation(s, new Map(s.services.map((x) => [x.id, serviceStateHash(x)])));

describe('contractViolation (cached desired-state contract check)', () => {
  const cases: Array<[string, (s: DesiredState) => void]> = [
    ['valid', () => undefined],
    ['generation 0', (s) => { s.generation = 0; }],
    ['seed above uint32', (s) => { s.hash_seed = 2 ** 32; }],
    ['bad pool prefix', (s) => { s.pools[0].prefix = 'nope'; }],
    ['service without listeners', (s) => { s.services[0].listeners = []; }],
    ['service with a bad backend address', (s) => { s.services[0].backends[0].address = '2001:db8::/64'; }],
    ['service with weight above 100', (s) => { s.services[0].backends[0].weight = 101; }],
  ];
  for (const [name, mutate] of cases) {
    it(`agrees with desiredStateSchema: ${name}`, () => {
      const s = structuredClone(base);
      s.services[0].id = `s-${name.replace(/\W+/g, '-')}`; // distinct content per case, so no cache hit hides an error
      mutate(s);
      expect(check(s) === null).toBe(desiredStateSchema.safeParse(s).success);
    });
  }

  it('checks a service part once, and still refuses a different bad one', () => {
    const s = structuredClone(base);
    expect(check(s)).toBeNull();
    expect(check(s)).toBeNull();
    const bad = structuredClone(base);
    bad.services[0].maglev_table_size = 1;
    expect(check(bad)).toMatch(/service s1/);
  });
});
