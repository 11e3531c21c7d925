import fc from 'fast-check';
import { slotAddress, slotCapacity, slotIndexOf } from './slot-address';

describe('slot addresses', () => {
  it('an IPv4 /24 has 254 slots, .1 to .254', () => {
    expect(slotCapacity('203.0.113.0/24')).toBe(254n);
    expect(slotAddress('203.0.113.0/24', 0)).toBe('203.0.113.1');
    expect(slotAddress('203.0.113.0/24', 253)).toBe('203.0.113.254');
    expect(() => slotAddress('203.0.113.0/24', 254)).toThrow(RangeError);
    expect(() => slotAddress('203.0.113.0/24', -1)).toThrow(RangeError);
  });

  it('never yields .0 or .255, also in larger IPv4 pools', () => {
    expect(slotCapacity('198.51.100.0/23')).toBe(508n);
    const all = Array.from({ length: 508 }, (_, i) => slotAddress('198.51.100.0/23', i));
    expect(new Set(all).size).toBe(508);
    for (const a of all) expect(a).not.toMatch(/\.(0|255)$/);
    expect(all[254]).toBe('198.51.101.1');
    expect(slotCapacity('192.0.2.128/25')).toBe(127n);
    expect(slotAddress('192.0.2.128/25', 126)).toBe('192.0.2.254');
  });

  it('IPv6 slots are sequential host ids from ::1, skipping the subnet-router anycast ::0', () => {
    expect(slotAddress('2001:db8:100::/48', 0)).toBe('2001:db8:100::1');
    expect(slotAddress('2001:db8:100::/48', 9)).toBe('2001:db8:100::a');
    expect(slotAddress('2001:db8:100::/48', 65535)).toBe('2001:db8:100::1:0');
    expect(slotCapacity('2001:db8:100::/48')).toBe((1n << 64n) - 129n);
    expect(slotAddress('2001:db8:100::/48', slotCapacity('2001:db8:100::/48') - 1n)).toBe('2001:db8:100:0:ffff:ffff:ffff:ff7f');
  });

  it('slotIndexOf inverts slotAddress and rejects non-slots', () => {
    // A pool smaller than a /24 starts mid-/24: its first slot is its network address (.64 here).
    for (const [prefix, i] of [['203.0.113.0/24', 0], ['203.0.113.0/24', 200], ['198.51.100.0/23', 300], ['203.0.113.64/26', 0], ['203.0.113.192/26', 62], ['2001:db8:100::/48', 77]] as const) {
      expect(slotIndexOf(prefix, slotAddress(prefix, i))).toBe(BigInt(i));
    }
    expect(slotIndexOf('203.0.113.0/24', '203.0.113.0')).toBeNull();
    expect(slotIndexOf('203.0.113.0/24', '203.0.113.255')).toBeNull();
    expect(slotIndexOf('203.0.113.0/24', '203.0.114.1')).toBeNull();
    expect(slotIndexOf('2001:db8:100::/48', '2001:db8:100::')).toBeNull();
  });

  it('refuses prefixes with host bits', () => {
    expect(() => slotCapacity('203.0.113.7/24')).toThrow(/host bits/);
  });

  it('property: every slot is inside its pool, never .0/.255 or ::0, and maps back to its index', () => {
    const pools = fc.constantFrom('203.0.113.0/24', '198.51.100.0/23', '10.0.0.0/16', '2001:db8:100::/48', '2a0e:1:2::/48');
    fc.assert(
      fc.property(pools, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (prefix, raw) => {
        const index = raw % slotCapacity(prefix);
        const address = slotAddress(prefix, index);
        expect(address).not.toMatch(/\.(0|255)$/);
        expect(address).not.toMatch(/::$/);
        expect(slotIndexOf(prefix, address)).toBe(index);
      }),
      { numRuns: 1500 },
    );
  });
});
