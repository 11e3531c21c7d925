import { bucketStart, hourOf, parseStep, parseTimeRange } from './traffic';

const now = new Date('2026-03-01T12:34:56Z');

describe('traffic time helpers', () => {
  it('counts an interval in the hour its start falls in', () => {
    expect(hourOf(new Date('2026-03-01T10:59:55Z')).toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(hourOf(new Date('2026-03-01T11:00:00Z')).toISOString()).toBe('2026-03-01T11:00:00.000Z');
  });

  it('parses steps with units', () => {
    expect(parseStep('60')).toBe(60);
    expect(parseStep('5m')).toBe(300);
    expect(parseStep('1h')).toBe(3600);
    expect(parseStep('1d')).toBe(86400);
    expect(parseStep('0')).toBeNull();
    expect(parseStep('1w')).toBeNull();
    expect(parseStep(undefined)).toBeNull();
  });

  it('validates ranges and limits the number of points', () => {
    const ok = parseTimeRange({ from: '2026-03-01T00:00:00Z', to: '2026-03-01T12:00:00Z', step: '1h' }, { defaultStep: 3600, minStep: 10, now });
    expect(ok).toMatchObject({ ok: true, stepSeconds: 3600, points: 12 });
    expect(parseTimeRange({}, { defaultStep: 3600, minStep: 10, now })).toMatchObject({ ok: true, points: 24 });
    expect(parseTimeRange({ from: 'yesterday' }, { defaultStep: 3600, minStep: 10, now })).toMatchObject({ ok: false, field: 'query.from' });
    expect(parseTimeRange({ from: '2026-03-02T00:00:00Z' }, { defaultStep: 3600, minStep: 10, now })).toMatchObject({ ok: false, field: 'query.from' });
    expect(parseTimeRange({ step: '1s' }, { defaultStep: 3600, minStep: 10, now })).toMatchObject({ ok: false, field: 'query.step' });
    expect(parseTimeRange({ step: '10s', from: '2026-01-01T00:00:00Z' }, { defaultStep: 3600, minStep: 10, now })).toMatchObject({ ok: false, field: 'query.step' });
  });

  it('aligns buckets to the epoch', () => {
    expect(bucketStart(new Date('2026-03-01T12:34:56Z'), 300).toISOString()).toBe('2026-03-01T12:30:00.000Z');
  });
});
