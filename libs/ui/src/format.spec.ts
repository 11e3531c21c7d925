import { formatAgo, formatBytes, formatCount, formatMoney, formatUnitPrice } from './format';

describe('format', () => {
  it('bytes in decimal units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(250_000_000)).toBe('250 MB');
  });
  it('counts and ages', () => {
    expect(formatCount(12_345)).toBe('12k');
    expect(formatCount(1_500_000)).toBe('1.5M');
    expect(formatAgo('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:02:00Z'))).toBe('2 min ago');
    expect(formatAgo(null)).toBe('never');
  });
});

describe('formatMoney', () => {
  it('formats exact minor units without floating point', () => {
    expect(formatMoney('394', 'usd')).toBe('$3.94');
    expect(formatMoney('0', 'usd')).toBe('$0.00');
    expect(formatMoney('-5', 'usd')).toBe('-$0.05');
    expect(formatMoney('123456789012345678901', 'usd')).toBe('$1,234,567,890,123,456,789.01');
    expect(formatMoney('1500', 'jpy')).toBe('¥1,500');
  });
});

describe('formatUnitPrice', () => {
  it('states a minor-unit rate in the currency, exactly', () => {
    expect(formatUnitPrice('0.54 per address-hour', 'usd')).toBe('$0.0054 per address-hour');
    expect(formatUnitPrice('1.5 per GB', 'usd')).toBe('$0.015 per GB');
    expect(formatUnitPrice('0 per address-hour', 'usd')).toBe('$0.00 per address-hour');
    expect(formatUnitPrice('250 per GB', 'usd')).toBe('$2.50 per GB');
    expect(formatUnitPrice('0.000000000123 per address-hour', 'usd')).toBe('$0.00000000000123 per address-hour');
    expect(formatUnitPrice('odd', 'usd')).toBe('odd');
  });
});
