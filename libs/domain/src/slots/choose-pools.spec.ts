import { choosePools, popSetDistance, type PoolCandidate } from './choose-pools';

const v4 = (id: string, pops: string[], free = 254n): PoolCandidate => ({ id, prefix: `x/${id}`, family: 4, popIds: pops, free });
const v6 = (id: string, free = 1000n): PoolCandidate => ({ id, prefix: `y/${id}`, family: 6, popIds: ['a'], free });
const none = { ipv4PoolIds: [], hasIpv6: false };

describe('popSetDistance', () => {
  it('disjoint < different < same', () => {
    expect(popSetDistance(['a', 'b'], ['c'])).toBe(0);
    expect(popSetDistance(['a', 'b'], ['b', 'c'])).toBe(1);
    expect(popSetDistance(['a', 'b'], ['a'])).toBe(1);
    expect(popSetDistance(['a', 'b'], ['b', 'a'])).toBe(2);
  });
});

describe('choosePools', () => {
  it('takes two IPv4 pools and one IPv6 pool', () => {
    const r = choosePools([v4('p1', ['a']), v4('p2', ['b']), v6('p6')], none, 'svc');
    expect(r).toMatchObject({ ok: true, ipv6: { id: 'p6' } });
    expect(r.ok && r.ipv4.map((p) => p.id).sort()).toEqual(['p1', 'p2']);
  });

  it('prefers fully disjoint PoP sets, then different ones, whatever the spread key', () => {
    const pools = [v4('same1', ['a', 'b']), v4('same2', ['a', 'b']), v4('overlap', ['b', 'c']), v4('disjoint', ['d'])];
    for (const key of ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']) {
      const r = choosePools(pools, none, key);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.ipv4.map((p) => p.id)).toContain('disjoint');
    }
    const noDisjoint = [v4('same1', ['a', 'b']), v4('same2', ['a', 'b']), v4('overlap', ['b', 'c'])];
    for (const key of ['s1', 's2', 's3', 's4']) {
      const r = choosePools(noDisjoint, none, key);
      if (r.ok) expect(r.ipv4.map((p) => p.id)).toContain('overlap');
    }
    const r = choosePools([v4('same1', ['a']), v4('same2', ['a'])], none, 'k');
    expect(r.ok).toBe(true); // identical PoP sets are still two different pools
  });

  it('skips full pools and spreads services over equally good pairs', () => {
    const pools = [v4('p1', ['a']), v4('p2', ['b']), v4('p3', ['c']), v4('full', ['d'], 0n)];
    const used = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const r = choosePools(pools, none, `service-${i}`);
      if (!r.ok) throw new Error(r.reason);
      expect(r.ipv4.map((p) => p.id)).not.toContain('full');
      expect(r.ipv4[0].id).not.toBe(r.ipv4[1].id);
      used.add(r.ipv4.map((p) => p.id).sort().join('+'));
    }
    expect(used.size).toBe(3);
  });

  it('is deterministic for a key', () => {
    const pools = [v4('p1', ['a']), v4('p2', ['b']), v4('p3', ['c'])];
    expect(choosePools(pools, none, 'k')).toEqual(choosePools(pools, none, 'k'));
  });

  it('only fills what is missing', () => {
    const pools = [v4('p1', ['a']), v4('p2', ['a', 'b']), v4('p3', ['c']), v6('p6')];
    expect(choosePools(pools, { ipv4PoolIds: ['p1', 'p3'], hasIpv6: true }, 'k')).toEqual({ ok: true, ipv4: [], ipv6: null });
    const r = choosePools(pools, { ipv4PoolIds: ['p1'], hasIpv6: true }, 'k');
    expect(r.ok && r.ipv4.map((p) => p.id)).toEqual(['p3']); // disjoint from the held p1
  });

  it('IPv6 is optional when no IPv6 pool exists', () => {
    expect(choosePools([v4('p1', ['a']), v4('p2', ['b'])], none, 'k')).toMatchObject({ ok: true, ipv6: null });
  });

  it.each([
    ['no pools', [], /only 0 global IPv4 pool\(s\) exist/],
    ['one pool', [v4('p1', ['a'])], /only 1 global IPv4 pool\(s\) exist/],
    ['pools full', [v4('p1', ['a']), v4('p2', ['b'], 0n), v4('p3', ['c'], 0n)], /IPv4 pools are full.*only 1 of 3 have free slots/],
    ['IPv6 full', [v4('p1', ['a']), v4('p2', ['b']), v6('p6', 0n)], /IPv6 pools are full/],
  ])('explains why it cannot: %s', (_n, pools, reason) => {
    expect(choosePools(pools, none, 'k')).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });
});
