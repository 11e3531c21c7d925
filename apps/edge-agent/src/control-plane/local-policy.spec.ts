import { DESIRED_STATE_VERSION, type DesiredState } from '@anyfront/contracts';
import { localPolicyProblems, prefixWithin } from './local-policy';

const hc = { protocol: 'tcp' as const, port: 80, path: '/', interval_seconds: 5, timeout_seconds: 1, healthy_threshold: 2, unhealthy_threshold: 2 };
function state(pools: string[], backends: string[]): DesiredState {
  return {
    version: DESIRED_STATE_VERSION, generation: 2, node: { id: 'e1', pop: 'ams', tunnel_source_ipv6: '2001:db8:e::1' }, hash_seed: 1, drained: false,
    pools: pools.map((prefix, i) => ({ id: `p${i}`, prefix, family: prefix.includes(':') ? 6 : 4 })),
    services: [{
      id: 's1', addresses: [{ address: '192.0.2.10', family: 4 }], listeners: [{ protocol: 'tcp', port_from: 80, port_to: 80 }], hash_mode: 'five_tuple',
      encapsulation: 'ipip', maglev_table_size: 251, health_check: hc,
      backends: backends.map((address, i) => ({ id: `b${i}`, address, weight: 1, enabled: true })),
    }],
  };
}

describe('local policy of the agent (defense in depth behind the signature)', () => {
  const policy = { allowedPrefixes: ['192.0.2.0/24', '2001:db8:a::/48'], allowDocumentationAddresses: false, ownAddresses: ['8.8.4.4'] };

  it('contains prefixes by family and length', () => {
    expect(prefixWithin('192.0.2.0/24', '192.0.2.0/24')).toBe(true);
    expect(prefixWithin('192.0.2.128/25', '192.0.2.0/24')).toBe(true);
    expect(prefixWithin('192.0.0.0/16', '192.0.2.0/24')).toBe(false);
    expect(prefixWithin('0.0.0.0/1', '192.0.2.0/24')).toBe(false);
    expect(prefixWithin('::/1', '0.0.0.0/0')).toBe(false);
  });

  it('passes pools inside the allow-list and public backends', () => {
    expect(localPolicyProblems(state(['192.0.2.0/24', '2001:db8:a::/48'], ['8.8.8.8', '2a00:1450::1']), policy)).toEqual([]);
    // Inside the allow-list but not a pool of this state: not a loop, accepted (the allow-list bounds announcements only).
    expect(localPolicyProblems(state(['192.0.2.0/24'], ['fd00:1::5']), { ...policy, allowedPrefixes: ['192.0.2.0/24', 'fd00::/8'], allowDocumentationAddresses: true })).toEqual([]);
  });

  it('refuses pools outside the allow-list: someone else\'s space, or half the internet', () => {
    expect(localPolicyProblems(state(['0.0.0.0/1', '1.1.1.0/24'], []), policy)).toEqual([
      expect.stringMatching(/pool p0 \(0\.0\.0\.0\/1\) is outside this edge's allowed_prefixes/),
      expect.stringMatching(/pool p1 \(1\.1\.1\.0\/24\) is outside/),
    ]);
  });

  it.each([
    ['169.254.169.254', /link-local/],
    ['127.0.0.1', /loopback/],
    ['10.1.2.3', /private/],
    ['::1', /loopback/],
    ['::ffff:169.254.169.254', /169\.254\.169\.254|IPv4-mapped/],
    ['8.8.4.4', /tunnel address of one of the platform's edge nodes/],
    ['fd00:1::5', /unique-local|unique local/i],
  ])('refuses backend %s with the API\'s rules', (address, reason) => {
    const problems = localPolicyProblems(state(['192.0.2.0/24'], ['8.8.8.8', address]), policy);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^service s1 backend b1: /);
    expect(problems[0]).toMatch(reason);
  });

  it('accepts documentation and unique-local backends only when the lab allows them; no allow-list means no pool limit', () => {
    const lab = { allowDocumentationAddresses: true, ownAddresses: [] };
    expect(localPolicyProblems(state(['198.51.100.0/24'], ['fd00:1::5', '203.0.113.9']), lab)).toEqual([]);
    expect(localPolicyProblems(state(['198.51.100.0/24'], ['169.254.169.254']), lab)).toHaveLength(1);
    // A backend inside a pool would loop traffic back into the platform.
    expect(localPolicyProblems(state(['198.51.100.0/24'], ['198.51.100.77']), lab)).toEqual([expect.stringMatching(/anycast pool 198\.51\.100\.0\/24/)]);
  });
});
