import fc from 'fast-check';
import {
  MAGLEV_NO_BACKEND, buildMaglevTable, buildMinimalDisruptionTable, canonicalBackendOrder, decodeMaglevTable, encodeMaglevTable,
  fnv1a64, maglevEntryBits, type MaglevBackend, type PreviousMaglevTable,
} from './index';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261201) });

type Compiler = (prev: PreviousMaglevTable | null, backends: MaglevBackend[], m: number) => Int32Array;
const minimal: Compiler = buildMinimalDisruptionTable;
/** Control: rebuilding plain Maglev from scratch on every change (today's behaviour). */
const plainRebuild: Compiler = (_prev, backends, m) => buildMaglevTable(backends, m);

interface Step {
  ids: string[];
  table: Int32Array;
}

function owners(step: Step): (string | null)[] {
  return Array.from(step.table, (i) => (i === MAGLEV_NO_BACKEND ? null : (step.ids[i])));
}

function countOf(list: (string | null)[]): Map<string, number> {
  const c = new Map<string, number>();
  for (const o of list) if (o !== null) c.set(o, (c.get(o) ?? 0) + 1);
  return c;
}

/**
 * Why the change from `before` to `after` is not a minimal-disruption step, or null. Checked from
 * first principles, independent of the compiler: every count within one bucket of M·w/W, and the
 * number of moved buckets equal to its lower bound. A bucket must move when its owner left or got
 * weight 0, or when its owner holds more than its window's top (hi); and when the counts clamped
 * into their windows still sum above M, one more per extra bucket. Anything above the bound is
 * collateral. No backend may both lose and gain buckets.
 */
function violation(before: (string | null)[] | null, after: (string | null)[], backends: MaglevBackend[], m: number): string | null {
  const total = backends.reduce((s, b) => s + b.weight, 0);
  const byId = new Map(backends.map((b) => [b.id, b]));
  const counts = countOf(after);
  for (const [o, c] of counts) if (!(byId.get(o)?.weight)) return `${c} buckets owned by ${o} (weight ${byId.get(o)?.weight})`;
  if (total > 0 && after.includes(null)) return 'empty bucket although a backend has weight';
  for (const b of backends) {
    const c = counts.get(b.id) ?? 0;
    if (Math.abs(c * total - m * b.weight) > total) return `${b.id}: ${c} buckets, share ${(m * b.weight) / total}`;
  }
  if (!before || total === 0) return null;
  // An empty bucket carries no flow: filling it is not a move.
  const prev = countOf(before);
  let bound = 0;
  let clampedSum = 0;
  for (const [id, c] of prev) {
    const b = byId.get(id);
    if (!b || b.weight === 0) {
      bound += c;
      continue;
    }
    const lo = Math.max(0, Math.ceil((m * b.weight - total) / total));
    const hi = Math.floor((m * b.weight + total) / total);
    bound += Math.max(0, c - hi);
    clampedSum += Math.min(hi, Math.max(lo, c));
  }
  for (const b of backends) {
    if (!prev.has(b.id) && b.weight > 0) clampedSum += Math.max(0, Math.ceil((m * b.weight - total) / total));
  }
  bound += Math.max(0, clampedSum - m);
  const lost = new Set<string>();
  const gained = new Set<string>();
  let moved = 0;
  after.forEach((o, i) => {
    const p = before[i] ?? null;
    if (o === p || p === null) return;
    moved++;
    if (p !== null) lost.add(p);
    if (o !== null) gained.add(o);
  });
  const both = [...lost].filter((id) => gained.has(id));
  if (both.length) return `${both[0]} lost and gained buckets`;
  return moved === bound ? null : `moved ${moved} buckets, ${bound} had to move (collateral ${moved - bound})`;
}

const idArb = fc.stringMatching(/^[a-z0-9][a-z0-9_.:-]{0,11}$/);
const weightArb = fc.oneof(fc.constant(100), fc.integer({ min: 0, max: 100 }));
const backendsArb = (min: number, max: number) =>
  fc.uniqueArray(fc.record({ id: idArb, weight: weightArb }), { minLength: min, maxLength: max, selector: (b) => b.id });
type Change = { kind: 'add'; id: string; weight: number } | { kind: 'remove' | 'weight'; pick: number; weight: number };
const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), id: idArb, weight: weightArb }),
  fc.record({ kind: fc.constantFrom('remove' as const, 'weight' as const), pick: fc.nat(), weight: weightArb }),
);

function apply(backends: MaglevBackend[], c: Change): MaglevBackend[] {
  if (c.kind === 'add') return backends.some((b) => b.id === c.id) ? backends : [...backends, { id: c.id, weight: c.weight }];
  if (!backends.length) return backends;
  const victim = (backends[c.pick % backends.length]).id;
  return c.kind === 'remove' ? backends.filter((b) => b.id !== victim) : backends.map((b) => (b.id === victim ? { ...b, weight: c.weight } : b));
}

/** Runs a change sequence through a compiler; returns the first violation or null. */
function runSequence(compile: Compiler, initial: MaglevBackend[], changes: Change[], m: number): string | null {
  let backends = initial;
  let step: Step | null = null;
  for (const change of [null, ...changes]) {
    if (change) backends = apply(backends, change);
    const ids = canonicalBackendOrder(backends).map((b) => b.id);
    const table = compile(step, backends, m);
    const next = { ids, table };
    const why = violation(step ? owners(step) : null, owners(next), backends, m);
    if (why) return `${change ? JSON.stringify(change) : 'fresh table'}: ${why}`;
    step = next;
  }
  return null;
}

describe('buildMinimalDisruptionTable', () => {
  it('over 1,000 random sets with change sequences (~4,500 tables): collateral 0, every share within ±1 bucket', () => {
    fc.assert(fc.property(
      backendsArb(0, 24),
      fc.array(changeArb, { minLength: 1, maxLength: 6 }),
      fc.constantFrom(31, 251, 509, 1021),
      (initial, changes, m) => {
        expect(runSequence(minimal, initial, changes, m)).toBeNull();
      },
    ), { numRuns: 1000 });
  });

  it('control: the same check rejects rebuilding plain Maglev on every change (it moves other backends\' buckets)', () => {
    const failures = fc.sample(fc.tuple(backendsArb(2, 24), fc.array(changeArb, { minLength: 1, maxLength: 8 })), 200)
      .filter(([initial, changes]) => runSequence(plainRebuild, initial, changes, 509) !== null);
    expect(failures.length).toBeGreaterThan(150);
  });

  it('is deterministic: the same inputs in any order give the same table', () => {
    fc.assert(fc.property(
      backendsArb(1, 20).chain((bs) => fc.tuple(fc.constant(bs), fc.shuffledSubarray(bs, { minLength: bs.length }))),
      changeArb,
      ([bs, shuffled], change) => {
        const prevIds = canonicalBackendOrder(bs).map((b) => b.id);
        const prev = { ids: prevIds, table: buildMinimalDisruptionTable(null, bs, 251) };
        const next = apply(bs, change);
        const a = buildMinimalDisruptionTable(prev, next, 251);
        const b = buildMinimalDisruptionTable(prev, shuffled.filter((x) => next.some((y) => y.id === x.id)).map((x) => next.find((y) => y.id === x.id)!)
          .concat(next.filter((y) => !shuffled.some((x) => x.id === y.id))).reverse(), 251);
        expect(Array.from(b)).toEqual(Array.from(a));
        // The previous table may list its ids in any order: only the (id -> bucket) view counts.
        const reversed = { ids: [...prevIds].reverse(), table: prev.table.map((i) => (i === -1 ? -1 : prevIds.length - 1 - i)) };
        expect(Array.from(buildMinimalDisruptionTable(reversed, next, 251))).toEqual(Array.from(a));
      },
    ), { numRuns: 150 });
  });

  it('a fresh table is plain Maglev (equal weights: identical; unequal: only the moves the ±1 window needs)', () => {
    fc.assert(fc.property(backendsArb(1, 30), fc.boolean(), (raw, equal) => {
      const bs = equal ? raw.map((b) => ({ ...b, weight: 100 })) : raw;
      const fresh = buildMinimalDisruptionTable(null, bs, 1021);
      const plain = buildMaglevTable(bs, 1021);
      if (equal) expect(Array.from(fresh)).toEqual(Array.from(plain));
      const ids = canonicalBackendOrder(bs).map((b) => b.id);
      expect(violation(owners({ ids, table: plain }), owners({ ids, table: fresh }), bs, 1021)).toBeNull();
    }), { numRuns: 120 });
  });

  it('a table of another size counts as no history (a new M rehashes every flow anyway)', () => {
    const bs = [{ id: 'a', weight: 1 }, { id: 'b', weight: 1 }, { id: 'c', weight: 1 }];
    const prev = { ids: ['a', 'b', 'c'], table: buildMaglevTable(bs, 251) };
    expect(Array.from(buildMinimalDisruptionTable(prev, bs, 509))).toEqual(Array.from(buildMaglevTable(bs, 509)));
  });

  it('at N = 1000, M = 65537: removing, adding and reweighting one backend moves no other bucket', () => {
    const bs = Array.from({ length: 1000 }, (_, i) => ({ id: `be-${String(i).padStart(4, '0')}`, weight: 1 + ((i * 37) % 100) }));
    const changes: Change[] = [
      { kind: 'remove', pick: 17, weight: 0 },
      { kind: 'add', id: 'be-new', weight: 100 },
      { kind: 'weight', pick: 400, weight: 1 },
    ];
    expect(runSequence(minimal, bs, changes, 65537)).toBeNull();
  });

  it('all weights 0 or no backends: every bucket empty', () => {
    const prev = { ids: ['a'], table: new Int32Array(31).fill(0) };
    expect(Array.from(buildMinimalDisruptionTable(prev, [{ id: 'a', weight: 0 }], 31)).every((i) => i === -1)).toBe(true);
    expect(Array.from(buildMinimalDisruptionTable(prev, [], 31)).every((i) => i === -1)).toBe(true);
  });

  it('refuses bad input with a clear error', () => {
    expect(() => buildMinimalDisruptionTable({ ids: ['a'], table: [0, 3, 0] }, [{ id: 'a', weight: 1 }], 3)).toThrow(/backend index 3/);
    expect(() => buildMinimalDisruptionTable({ ids: ['a'], table: [0, 0, 0, 0] }, [{ id: 'a', weight: 1 }], 4)).toThrow(/must be a prime/);
    expect(() => buildMinimalDisruptionTable({ ids: ['a'], table: [0, 0, 0] }, [{ id: 'a', weight: -1 }], 3)).toThrow(/non-negative integer/);
  });

  it('is pinned: a golden change sequence (edges refill the shipped table for local health, so versions must agree)', () => {
    let bs: MaglevBackend[] = [{ id: 'be-a', weight: 100 }, { id: 'be-b', weight: 50 }, { id: 'be-c', weight: 100 }];
    let prev: PreviousMaglevTable | null = null;
    const digests: string[] = [];
    for (const change of [null, { kind: 'add', id: 'be-d', weight: 100 }, { kind: 'remove', pick: 1, weight: 0 }, { kind: 'weight', pick: 0, weight: 20 }] as (Change | null)[]) {
      if (change) bs = apply(bs, change);
      const table = buildMinimalDisruptionTable(prev, bs, 251);
      digests.push(fnv1a64(Array.from(table).join(',')).toString(16));
      prev = { ids: canonicalBackendOrder(bs).map((b) => b.id), table };
    }
    expect(digests).toEqual(GOLDEN_DIGESTS);
  });
});

describe('encodeMaglevTable / decodeMaglevTable', () => {
  it('round-trips any table and uses the fewest bits per bucket', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1100 }), fc.integer({ min: 1, max: 700 }), fc.nat(), (n, m, seed) => {
      const table = Int32Array.from({ length: m }, (_, i) => (n === 0 ? -1 : ((seed + i * 7919) % (n + 1)) - 1));
      const text = encodeMaglevTable(table, n);
      expect(Buffer.from(text, 'base64').length).toBe(Math.ceil((m * maglevEntryBits(n)) / 8));
      expect(Array.from(decodeMaglevTable(text, m, n))).toEqual(Array.from(table));
    }), { numRuns: 100 });
    expect([0, 1, 2, 3, 4, 255, 1000].map(maglevEntryBits)).toEqual([1, 1, 2, 2, 3, 8, 10]);
  });

  it('refuses text that does not hold a valid table', () => {
    const text = encodeMaglevTable([0, 1, 2], 3);
    expect(() => decodeMaglevTable(text, 5, 3)).toThrow(/expected for M = 5/);
    expect(() => decodeMaglevTable('%%%', 3, 3)).toThrow(/not base64/);
    expect(() => decodeMaglevTable(encodeMaglevTable([0, 1, 2], 3), 3, 2)).toThrow(/refers to backend 2/);
    expect(() => encodeMaglevTable([0, 5], 3)).toThrow(/not an index/);
  });
});

const GOLDEN_DIGESTS = ['3a1205de72dbf637', '3c86269ba4b012a', 'cbb1208e82a27d85', '775c3ece0a824a4f'];
