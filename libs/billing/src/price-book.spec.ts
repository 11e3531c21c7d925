import { DEFAULT_PRICE_BOOK_INPUT, defaultPriceBook } from './defaults';
import { BillingError, BillingErrorCode } from './errors';
import { displayUnitPrice, entryAt, metricsOf, parsePriceBook, priceSegments, rateOf, trafficMetric, type PriceBookEntryInput } from './price-book';
import { parseIsoInstant } from './time';

const base = DEFAULT_PRICE_BOOK_INPUT[0];
const at = (iso: string) => parseIsoInstant(iso) as number;

function issuesOf(inputs: PriceBookEntryInput[]): { path: string; message: string }[] {
  try {
    parsePriceBook(inputs);
  } catch (e) {
    expect(e).toBeInstanceOf(BillingError);
    expect((e as BillingError).code).toBe(BillingErrorCode.InvalidPriceBook);
    return [...(e as BillingError).issues];
  }
  throw new Error('expected the price book to be refused');
}

describe('price book', () => {
  it('stores the default prices per meter unit exactly', () => {
    const [e] = defaultPriceBook().entries;
    expect(e.rates.ipv4).toBe(150_000_000n); // 0.54 cents / 3600 s = 0.00015 cents per second
    expect(e.rates.ipv6).toBe(0n);
    expect(e.rates.traffic).toBe(1_500n); // 1.5 cents / 10^9 bytes
    expect(rateOf(e, 'traffic_bytes.sa-east')).toBe(4_500n);
    expect(e.freeAllowance).toBe(1000n);
    expect(metricsOf(e)).toEqual(['ipv4_address_seconds', 'ipv6_address_seconds', 'traffic_bytes', 'traffic_bytes.ap-northeast', 'traffic_bytes.ap-southeast', 'traffic_bytes.sa-east']);
    expect(trafficMetric(e, 'eu-west')).toBe('traffic_bytes');
    expect(trafficMetric(e, 'ap-southeast')).toBe('traffic_bytes.ap-southeast');
    expect(displayUnitPrice('ipv4_address_seconds', e.rates.ipv4)).toBe('0.54 per address-hour');
    expect(displayUnitPrice('traffic_bytes', e.rates.traffic)).toBe('1.5 per GB');
  });

  it('refuses an hourly price that does not divide into Stripe per-second units, naming the nearest exact ones', () => {
    const issues = issuesOf([{ ...base, ipv4AddressHour: '0.5' }]);
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe('0.ipv4AddressHour');
    expect(issues[0].message).toContain('0.4999999968');
    expect(issues[0].message).toContain('0.5000000004');
    // Any two-decimal multiple of 0.09 is exact.
    expect(() => parsePriceBook([{ ...base, ipv4AddressHour: '1.26', ipv6AddressHour: '0.09' }])).not.toThrow();
  });

  it('refuses malformed and inconsistent entries with one issue per problem', () => {
    const issues = issuesOf([
      { ...base, effectiveFrom: '2026-01-01T00:30:00Z', currency: 'jpy', trafficGb: '1.0001', freeAllowance: '10.5', regionMultipliers: { 'EU West': '2', ok: 'x' } },
    ]);
    expect(issues.map((i) => i.path).sort()).toEqual(
      ['0.currency', '0.effectiveFrom', '0.freeAllowance', '0.regionMultipliers.EU West', '0.regionMultipliers.ok', '0.trafficGb'].sort(),
    );
    expect(issuesOf([{ ...base, effectiveFrom: 'yesterday' }])[0].path).toBe('0.effectiveFrom');
    expect(issuesOf([{ ...base, ipv4AddressHour: '-1' }])[0].path).toBe('0.ipv4AddressHour');
    expect(issuesOf([]).length).toBeGreaterThan(0);
    expect(issuesOf([{ ...base, version: 1.5 } as PriceBookEntryInput])[0].path).toBe('0.version');
  });

  it('requires versions to increase with effectiveFrom, one currency, distinct instants', () => {
    const later = { ...base, version: 1, effectiveFrom: '2026-02-01T00:00:00Z' };
    expect(issuesOf([{ ...base, version: 2 }, later]).some((i) => i.path === 'version')).toBe(true);
    expect(issuesOf([base, { ...base, version: 2 }]).some((i) => i.path === 'effectiveFrom')).toBe(true);
    expect(issuesOf([base, { ...later, version: 2, currency: 'eur' }]).some((i) => i.path === 'currency')).toBe(true);
  });

  it('drops a multiplier of exactly 1 (no separate meter for a region at the base price)', () => {
    const [e] = parsePriceBook([{ ...base, regionMultipliers: { 'eu-west': '1.000', 'ap-south': '1.5' } }]).entries;
    expect([...e.rates.trafficByRegion.keys()]).toEqual(['ap-south']);
    expect(e.rates.trafficByRegion.get('ap-south')).toBe(2_250n);
  });

  it('cuts a period at every price change inside it', () => {
    const book = parsePriceBook([
      { ...base, version: 3, effectiveFrom: '2026-03-10T12:00:00Z', ipv4AddressHour: '0.72' },
      base,
      { ...base, version: 2, effectiveFrom: '2026-02-01T00:00:00Z', ipv4AddressHour: '0.63' },
    ]);
    expect(book.entries.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(entryAt(book, at('2025-12-31T23:00:00Z'))).toBeUndefined();
    expect(entryAt(book, at('2026-02-01T00:00:00Z'))?.version).toBe(2);
    const march = priceSegments(book, { from: at('2026-03-01T00:00:00Z'), to: at('2026-04-01T00:00:00Z') });
    expect(march.map((s) => [s.entry.version, s.from, s.to])).toEqual([
      [2, at('2026-03-01T00:00:00Z'), at('2026-03-10T12:00:00Z')],
      [3, at('2026-03-10T12:00:00Z'), at('2026-04-01T00:00:00Z')],
    ]);
    expect(priceSegments(book, { from: at('2026-02-01T00:00:00Z'), to: at('2026-03-01T00:00:00Z') }).map((s) => s.entry.version)).toEqual([2]);
    expect(() => priceSegments(book, { from: at('2025-12-01T00:00:00Z'), to: at('2026-01-02T00:00:00Z') })).toThrow(/no price book entry/);
  });
});
