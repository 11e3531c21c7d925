import { measureUsage } from './rating';
import { defaultPriceBook } from './defaults';
import { addressHoursDisplay, gigabytesDisplay, usageSeries } from './usage-series';
import type { Holding } from './holdings';
import type { TrafficHour } from './rating';

const H = 3600;
const T0 = Date.UTC(2026, 4, 1) / 1000;
const org = 'org-1';
const holding = (serviceId: string, address: string, family: 4 | 6, from: number, to: number | null): Holding => ({ organizationId: org, serviceId, address, family, from: T0 + from, to: to === null ? null : T0 + to });
const traffic = (serviceId: string, hour: number, bytes: bigint, region = 'eu-west'): TrafficHour => ({ organizationId: org, serviceId, hour: T0 + hour * H, region, bytes });

describe('usageSeries', () => {
  const holdings = [
    holding('svc-b', '192.0.2.1', 4, 1800, 5 * H + 30), // 0.5 h in hour 0, then through hour 5 + 30 s
    holding('svc-b', '2001:db8::1', 6, 0, null),
    holding('svc-a', '198.51.100.1', 4, 2 * H, null), // open: counted up to `until`
  ];
  const hours = [traffic('svc-a', 2, 1_500_000_000n), traffic('svc-a', 3, 1n, 'sa-east'), traffic('svc-b', 7, 10n)];

  it('buckets address-seconds (prorated to the second, open holdings up to now) and traffic hours by step', () => {
    const series = usageSeries({ organizationId: org, from: T0, to: T0 + 8 * H, step: 3 * H, holdings, traffic: hours, until: T0 + 7 * H + 600 });
    expect(series.map((s) => s.serviceId)).toEqual(['svc-a', 'svc-b']);
    const [a, b] = series;
    expect(a?.buckets.map((x) => [x.from - T0, x.to - T0, x.ipv4Seconds, x.ipv6Seconds, x.bytes])).toEqual([
      [0, 3 * H, H, 0, 1_500_000_000n],
      [3 * H, 6 * H, 3 * H, 0, 1n],
      [6 * H, 8 * H, H + 600, 0, 0n], // the last bucket is shorter; the open holding stops at until
    ]);
    expect(b?.buckets.map((x) => [x.ipv4Seconds, x.ipv6Seconds, x.bytes])).toEqual([
      [3 * H - 1800, 3 * H, 0n],
      [2 * H + 30, 3 * H, 0n],
      [0, H + 600, 10n],
    ]);
  });

  it('adds up to the quantities the rating engine measures for the same range', () => {
    const until = T0 + 8 * H;
    const series = usageSeries({ organizationId: org, from: T0, to: until, step: H, holdings, traffic: hours, until });
    const usage = measureUsage(defaultPriceBook(), org, { from: T0, to: until }, holdings, hours);
    const q = (metric: string) => usage.filter((u) => u.metric === metric).reduce((s, u) => s + u.quantity, 0n);
    const sum = (f: (b: { ipv4Seconds: number; ipv6Seconds: number; bytes: bigint }) => bigint) => series.flatMap((s) => s.buckets).reduce((s, b) => s + f(b), 0n);
    expect(sum((b) => BigInt(b.ipv4Seconds))).toBe(q('ipv4_address_seconds'));
    expect(sum((b) => BigInt(b.ipv6Seconds))).toBe(q('ipv6_address_seconds'));
    expect(sum((b) => b.bytes)).toBe(q('traffic_bytes') + q('traffic_bytes.sa-east'));
  });

  it('refuses ranges and steps that are not whole hours, and other organizations’ rows', () => {
    const base = { organizationId: org, from: T0, to: T0 + H, step: H, holdings: [], traffic: [], until: T0 };
    expect(() => usageSeries({ ...base, step: 1800 })).toThrow(/whole hours/);
    expect(() => usageSeries({ ...base, to: T0 + 60 })).toThrow(/whole/);
    expect(() => usageSeries({ ...base, holdings: [{ ...holding('s', '192.0.2.9', 4, 0, 10), organizationId: 'other' }] })).toThrow(/another organization/);
  });

  it('displays hours and GB from exact integers', () => {
    expect(addressHoursDisplay(5430)).toBe('1.5083');
    expect(addressHoursDisplay(3600)).toBe('1');
    expect(gigabytesDisplay(1_500_000_000n)).toBe('1.5');
    expect(gigabytesDisplay(1n)).toBe('0');
  });
});
