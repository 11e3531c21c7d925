import { buildGuards, markRangeMasks, renderGuardChange, withGuards } from './guards';

const OPTS = { markBase: 0x100000, markCount: 10000, rulePriority: 1000, tunnelSourceV6: 'fd00:1:0::11' };
const POOLS = [
  { id: 'a', prefix: '198.51.100.0/24', family: 4 as const },
  { id: 'b', prefix: 'fd00:aa:0::/48', family: 6 as const },
];

describe('mark range masks', () => {
  it('cover exactly [base, base + count) with aligned value/mask pairs', () => {
    for (const [base, count] of [[0x100000, 10000], [1, 1], [7, 300], [0x100000, 0x100000], [0x7fffff00, 0xff], [3, 0x1000]] as const) {
      const masks = markRangeMasks(base, count);
      const covered = (m: number) => masks.some((x) => ((m & x.mask) >>> 0) === x.value);
      for (const m of [base - 1, base, base + 1, base + count - 1, base + count, base + Math.floor(count / 2)]) {
        expect([m, covered(m)]).toEqual([m, m >= base && m < base + count]);
      }
      const total = masks.reduce((s, x) => s + ((~x.mask >>> 0) + 1), 0);
      expect(total).toBe(count);
      for (const x of masks) expect(((x.value & x.mask) >>> 0)).toBe(x.value);
    }
  });
  it('the default range needs 5 pairs', () => {
    expect(markRangeMasks(0x100000, 10000)).toEqual([
      { value: 0x100000, mask: 0xffffe000 }, { value: 0x102000, mask: 0xfffffc00 }, { value: 0x102400, mask: 0xfffffe00 },
      { value: 0x102600, mask: 0xffffff00 }, { value: 0x102700, mask: 0xfffffff0 },
    ]);
  });
});

describe('loop guards', () => {
  const small = { ...OPTS, markCount: 64 };
  it('render the IPv6 escape for SRv6 outer packets, the catch-all, the local skip and a blackhole per pool', () => {
    expect(renderGuardChange(buildGuards(POOLS, small), { rules: [] })).toEqual({
      v4: [
        'rule add fwmark 0x100000/0xffffffc0 blackhole priority 1002',
        'rule add nop priority 1005',
        'rule add iif lo goto 1005 priority 1003',
        'rule add to 198.51.100.0/24 blackhole priority 1004',
      ],
      v6: [
        'rule add from fd00:1::11 fwmark 0x100000/0xffffffc0 lookup main priority 1001',
        'rule add fwmark 0x100000/0xffffffc0 blackhole priority 1002',
        'rule add nop priority 1005',
        'rule add iif lo goto 1005 priority 1003',
        'rule add to fd00:aa::/48 blackhole priority 1004',
      ],
      v4Del: [],
      v6Del: [],
    });
  });
  it('no IPv6 tunnel source: no escape rule (no SRv6 possible)', () => {
    expect(buildGuards(POOLS, { ...small, tunnelSourceV6: undefined }).rules.some((r) => r.spec.includes('lookup main'))).toBe(false);
  });
  it('is idempotent, and removes what is no longer wanted in dependency order', () => {
    const want = buildGuards(POOLS, small);
    expect(renderGuardChange(want, want)).toEqual({ v4: [], v6: [], v4Del: [], v6Del: [] });
    const fewer = buildGuards([POOLS[0]], { ...small, tunnelSourceV6: undefined });
    expect(renderGuardChange(fewer, want).v6Del).toEqual([
      'rule del to fd00:aa::/48 blackhole priority 1004',
      'rule del from fd00:1::11 fwmark 0x100000/0xffffffc0 lookup main priority 1001',
    ]);
    // Everything goes: pool blackholes, skip, its target, catch-all, escape.
    expect(renderGuardChange({ rulePriority: 1000, rules: [] }, want).v6Del).toEqual([
      'rule del to fd00:aa::/48 blackhole priority 1004',
      'rule del iif lo goto 1005 priority 1003',
      'rule del nop priority 1005',
      'rule del fwmark 0x100000/0xffffffc0 blackhole priority 1002',
      'rule del from fd00:1::11 fwmark 0x100000/0xffffffc0 lookup main priority 1001',
    ]);
  });
  it('canonicalises pool prefixes (host bits cleared, one rule per prefix)', () => {
    const pools = [{ id: 'x', prefix: '198.51.100.7/24', family: 4 as const }, { id: 'y', prefix: '198.51.100.0/24', family: 4 as const }];
    expect(buildGuards(pools, small).rules.filter((r) => r.priority === 1004).map((r) => r.spec)).toEqual(['to 198.51.100.0/24 blackhole priority 1004']);
  });
  it('guard lines come first among additions and last among removals', () => {
    const merged = withGuards({ pre: [], v4: ['route replace x'], v6: [], v4Del: ['rule del y'], v6Del: [], post: [] }, { v4: ['g+'], v6: [], v4Del: ['g-'], v6Del: [] });
    expect(merged).toEqual({ pre: [], v4: ['g+', 'route replace x'], v6: [], v4Del: ['rule del y', 'g-'], v6Del: [], post: [] });
  });
});
