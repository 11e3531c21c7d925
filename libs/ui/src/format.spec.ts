import { formatAgo, formatBytes, formatCount } from './format';

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
