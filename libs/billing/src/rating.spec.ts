import fc from 'fast-check';
import { DEFAULT_PRICE_BOOK_INPUT, defaultPriceBook } from './defaults';
import type { Holding } from './holdings';
import { PICO } from './money';
import { parsePriceBook, type PriceBook } from './price-book';
import { measureUsage, previewInvoice, rateUsage, type TrafficHour, type UsageQuantity } from './rating';
import { SECONDS_PER_HOUR, calendarMonth, parseIsoInstant } from './time';

const at = (iso: string) => parseIsoInstant(iso) as number;
const H = SECONDS_PER_HOUR;
const ORG = 'org-1';
const JAN = calendarMonth(at('2026-01-15T00:00:00Z'));
const GB = 1_000_000_000n;

const hold = (address: string, family: 4 | 6, from: number, to: number | null, serviceId = 'svc-1'): Holding => ({ organizationId: ORG, serviceId, address, family, from, to });
const traffic = (hour: number, region: string, bytes: bigint, serviceId = 'svc-1'): TrafficHour => ({ organizationId: ORG, serviceId, hour, region, bytes });

const withChange = (hour: number, prices: { ipv4AddressHour?: string; trafficGb?: string } = { ipv4AddressHour: '0.72', trafficGb: '2.1' }): PriceBook =>
  parsePriceBook([DEFAULT_PRICE_BOOK_INPUT[0], { ...DEFAULT_PRICE_BOOK_INPUT[0], version: 2, effectiveFrom: new Date(hour * 1000).toISOString(), ...prices }]);

describe('rating a month', () => {
  it('prices a full month: address-seconds and bytes, one rounding per line, the allowance, the plan', () => {
    const holdings = [1, 2, 3, 4, 5, 6].map((i) => hold(`192.0.2.${i}`, 4, JAN.from - 86_400, null, `svc-${(i + 1) >> 1}`));
    holdings.push(hold('fd00::1', 6, JAN.from, JAN.to));
    const t = [traffic(JAN.from, 'eu-west', 60n * GB), traffic(JAN.from + 5 * H, 'us-east', 40n * GB), traffic(JAN.from + 7 * H, 'ap-southeast', 10n * GB)];
    const p = previewInvoice({ organizationId: ORG, plan: 'standard', book: defaultPriceBook(), period: JAN, holdings, traffic: t });
    expect(p.lines.map((l) => [l.kind === 'usage' ? l.metric : 'allowance', l.kind === 'usage' ? l.quantity : null, l.amount])).toEqual([
      ['ipv4_address_seconds', 6n * 744n * 3600n, 2411n], // 6 × 744 h × 0.54 = 2410.56
      ['ipv6_address_seconds', 744n * 3600n, 0n],
      ['traffic_bytes', 100n * GB, 150n],
      ['traffic_bytes.ap-southeast', 10n * GB, 30n],
      ['allowance', null, -1000n],
    ]);
    expect(p.subtotal).toBe(2591n);
    expect(p.total).toBe(1591n);
    expect(p.amountDue).toBe(1591n);
    expect(p.currency).toBe('usd');
    const free = previewInvoice({ organizationId: ORG, plan: 'free', book: defaultPriceBook(), period: JAN, holdings, traffic: t });
    expect([free.total, free.amountDue]).toEqual([1591n, 0n]);
  });

  it('prorates to the second and caps the allowance at the subtotal', () => {
    const h = hold('192.0.2.1', 4, at('2026-01-10T10:15:30Z'), at('2026-01-10T12:00:00Z'));
    const p = previewInvoice({ organizationId: ORG, plan: 'standard', book: defaultPriceBook(), period: JAN, holdings: [h], traffic: [] });
    expect(p.lines[0]).toMatchObject({ quantity: 6270n, exactPico: 6270n * 150_000_000n, amount: 1n }); // 0.9405 cents
    expect(p.lines[1]).toMatchObject({ kind: 'allowance', allowance: 1000n, amount: -1n });
    expect(p.total).toBe(0n);
  });

  it('splits a line where the price changes mid-period', () => {
    const change = at('2026-01-16T00:00:00Z');
    const holdings = [hold('192.0.2.1', 4, JAN.from, null), hold('192.0.2.2', 4, JAN.from, null)];
    const p = previewInvoice({ organizationId: ORG, plan: 'standard', book: withChange(change), period: JAN, holdings, traffic: [traffic(JAN.from, 'eu-west', GB), traffic(change, 'eu-west', GB)] });
    const usage = p.lines.filter((l) => l.kind === 'usage');
    expect(usage.map((l) => [l.metric, l.priceVersion, l.from, l.to, l.quantity, l.amount])).toEqual([
      ['ipv4_address_seconds', 1, JAN.from, change, 2n * 360n * 3600n, 389n], // 388.8
      ['traffic_bytes', 1, JAN.from, change, GB, 2n], // 1.5
      ['ipv4_address_seconds', 2, change, JAN.to, 2n * 384n * 3600n, 553n], // 552.96
      ['traffic_bytes', 2, change, JAN.to, GB, 2n], // 2.1
    ]);
  });

  it('refuses usage of another organization, unaligned periods and bad traffic', () => {
    const book = defaultPriceBook();
    expect(() => measureUsage(book, ORG, JAN, [{ ...hold('192.0.2.1', 4, JAN.from, null), organizationId: 'other' }], [])).toThrow(/another organization/);
    expect(() => measureUsage(book, ORG, { from: JAN.from + 1, to: JAN.to }, [], [])).toThrow(/whole UTC hours/);
    expect(() => measureUsage(book, ORG, { from: JAN.to, to: JAN.from }, [], [])).toThrow(/whole UTC hours/);
    expect(() => measureUsage(book, ORG, JAN, [], [traffic(JAN.from + 1, 'eu-west', 1n)])).toThrow(/whole hour/);
    expect(() => measureUsage(book, ORG, JAN, [], [traffic(JAN.from, 'eu-west', -1n)])).toThrow(/non-negative/);
    expect(() => measureUsage(book, ORG, JAN, [hold('192.0.2.1', 4, 10, 5)], [])).toThrow(/ends before/);
  });
});

// Random usage of one organization around a 4-day period starting at P0.
const P0 = at('2026-01-05T00:00:00Z');
const SPAN = 96 * H;
const usageArb = fc.record({
  holdings: fc.array(
    fc.record({
      address: fc.integer({ min: 1, max: 6 }),
      v6: fc.boolean(),
      from: fc.integer({ min: -20_000, max: SPAN + 10_000 }),
      length: fc.option(fc.integer({ min: 0, max: SPAN }), { nil: null }),
    }),
    { maxLength: 12 },
  ),
  traffic: fc.array(
    fc.record({ hour: fc.integer({ min: -3, max: 99 }), region: fc.constantFrom('eu-west', 'ap-southeast', 'sa-east'), bytes: fc.bigInt({ min: 0n, max: 5n * 10n ** 12n }) }),
    { maxLength: 40 },
  ),
  changeHour: fc.integer({ min: 1, max: 95 }),
});

function materialize(u: { holdings: { address: number; v6: boolean; from: number; length: number | null }[]; traffic: { hour: number; region: string; bytes: bigint }[] }) {
  return {
    holdings: u.holdings.map((h, i) => hold(h.v6 ? `fd00::${h.address}` : `192.0.2.${h.address}`, h.v6 ? 6 : 4, P0 + h.from, h.length === null ? null : P0 + h.from + h.length, `svc-${i % 3}`)),
    traffic: u.traffic.map((t) => traffic(P0 + t.hour * H, t.region, t.bytes)),
  };
}

const key = (q: UsageQuantity) => `${q.metric}@${q.priceVersion}`;
function sumByKey(qs: UsageQuantity[]): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const q of qs) m.set(key(q), (m.get(key(q)) ?? 0n) + q.quantity);
  return m;
}

describe('rating properties', () => {
  it('the lines, allowance included, sum to the total; each line is within half a minor unit of exact', () => {
    fc.assert(
      fc.property(usageArb, fc.constantFrom<'free' | 'standard'>('free', 'standard'), (u, plan) => {
        const { holdings, traffic: t } = materialize(u);
        const p = previewInvoice({ organizationId: ORG, plan, book: withChange(P0 + u.changeHour * H), period: { from: P0, to: P0 + SPAN }, holdings, traffic: t });
        expect(p.lines.reduce((s, l) => s + l.amount, 0n)).toBe(p.total);
        expect(p.total >= 0n).toBe(true);
        for (const l of p.lines) {
          if (l.kind !== 'usage') continue;
          const err = l.amount * PICO - l.exactPico;
          expect(2n * err <= PICO && 2n * err > -PICO).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('splitting a period into sub-periods changes the subtotal by at most half a minor unit per line involved', () => {
    fc.assert(
      fc.property(usageArb, fc.uniqueArray(fc.integer({ min: 1, max: 95 }), { maxLength: 5 }), (u, cuts) => {
        const { holdings, traffic: t } = materialize(u);
        const book = withChange(P0 + u.changeHour * H);
        const bounds = [0, ...cuts.sort((a, b) => a - b), 96].map((h) => P0 + h * H);
        const rate = (from: number, to: number) => rateUsage(book, measureUsage(book, ORG, { from, to }, holdings, t));
        const whole = rate(P0, P0 + SPAN);
        const parts = bounds.slice(1).map((to, i) => rate(bounds[i], to));
        const sum = (ls: { amount: bigint }[]) => ls.reduce((s, l) => s + l.amount, 0n);
        const exact = (ls: { exactPico: bigint }[]) => ls.reduce((s, l) => s + l.exactPico, 0n);
        const partLines = parts.flat();
        // Quantities and exact values are additive; only the per-line rounding can differ.
        expect(exact(partLines)).toBe(exact(whole));
        const delta = sum(partLines) - sum(whole);
        expect(2n * (delta < 0n ? -delta : delta) <= BigInt(whole.length + partLines.length)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a price change inside the period splits every metric used on both sides exactly at the change', () => {
    fc.assert(
      fc.property(usageArb, (u) => {
        const { holdings, traffic: t } = materialize(u);
        const change = P0 + u.changeHour * H;
        const period = { from: P0, to: P0 + SPAN };
        const split = measureUsage(withChange(change), ORG, period, holdings, t);
        for (const q of split) expect([q.from, q.to]).toEqual(q.priceVersion === 1 ? [P0, change] : [change, P0 + SPAN]);
        // Same quantities as measuring the two halves under a book without the change.
        const plain = defaultPriceBook();
        const before = measureUsage(plain, ORG, { from: P0, to: change }, holdings, t);
        const after = measureUsage(plain, ORG, { from: change, to: P0 + SPAN }, holdings, t);
        expect(split.filter((q) => q.priceVersion === 1).map((q) => [q.metric, q.quantity])).toEqual(before.map((q) => [q.metric, q.quantity]));
        expect(split.filter((q) => q.priceVersion === 2).map((q) => [q.metric, q.quantity])).toEqual(after.map((q) => [q.metric, q.quantity]));
      }),
      { numRuns: 200 },
    );
  });

  it('the hours of a period add up to the period (what the hourly meter export sends is what the preview rates)', () => {
    fc.assert(
      fc.property(usageArb, (u) => {
        const { holdings, traffic: t } = materialize(u);
        const book = withChange(P0 + u.changeHour * H);
        const hourly: UsageQuantity[] = [];
        for (let h = P0; h < P0 + SPAN; h += H) hourly.push(...measureUsage(book, ORG, { from: h, to: h + H }, holdings, t));
        expect(sumByKey(hourly)).toEqual(sumByKey(measureUsage(book, ORG, { from: P0, to: P0 + SPAN }, holdings, t)));
      }),
      { numRuns: 100 },
    );
  });
});
