// Usage over time for the tenant's usage page: address-seconds and bytes per service per step.
// The same quantities the rating engine counts (holdings prorated to the second, traffic hours in
// the step containing their start), so the series adds up to the invoice's quantities.
import { BillingError, BillingErrorCode } from './errors';
import { divideRoundHalfUp } from './money';
import { formatScaled } from './decimal';
import { heldSeconds, type Holding } from './holdings';
import type { TrafficHour } from './rating';
import { SECONDS_PER_HOUR, isWholeHour } from './time';
import { BYTES_PER_GB } from './price-book';

export interface UsageBucket {
  /** Epoch seconds, [from, to). */
  readonly from: number;
  readonly to: number;
  readonly ipv4Seconds: number;
  readonly ipv6Seconds: number;
  readonly bytes: bigint;
}

export interface ServiceUsage {
  readonly serviceId: string;
  readonly buckets: readonly UsageBucket[];
}

export interface UsageSeriesInput {
  readonly organizationId: string;
  /** Whole hours; step a whole number of hours. */
  readonly from: number;
  readonly to: number;
  readonly step: number;
  readonly holdings: readonly Holding[];
  readonly traffic: readonly TrafficHour[];
  /** Holdings still open are counted up to here (now), never past it. */
  readonly until: number;
}

/** Per service (those with any usage in the range, by id), one bucket per step; the last may be shorter. */
export function usageSeries(input: UsageSeriesInput): ServiceUsage[] {
  const { from, to, step } = input;
  if (!isWholeHour(from) || !isWholeHour(to) || to <= from || !isWholeHour(step) || step <= 0) {
    throw new BillingError(BillingErrorCode.InvalidPeriod, 'usage is reported on whole UTC hours, in steps of whole hours');
  }
  const span = to - from;
  const count = (span - (span % step)) / step + (span % step === 0 ? 0 : 1);
  const empty = (): { v4: number[]; v6: number[]; bytes: bigint[] } => ({
    v4: new Array<number>(count).fill(0),
    v6: new Array<number>(count).fill(0),
    bytes: new Array<bigint>(count).fill(0n),
  });
  const byService = new Map<string, ReturnType<typeof empty>>();
  const of = (serviceId: string) => {
    let s = byService.get(serviceId);
    if (!s) byService.set(serviceId, (s = empty()));
    return s;
  };
  for (const h of input.holdings) {
    if (h.organizationId !== input.organizationId) throw new BillingError(BillingErrorCode.InvalidUsage, `holding of ${h.address} belongs to another organization`);
    const clipped: Holding = { ...h, to: h.to === null || h.to > input.until ? input.until : h.to };
    if (clipped.to !== null && clipped.to <= clipped.from) continue;
    for (let i = 0; i < count; i++) {
      const bFrom = from + i * step;
      const s = heldSeconds(clipped, bFrom, bFrom + step > to ? to : bFrom + step);
      if (s === 0) continue;
      const acc = of(h.serviceId);
      if (h.family === 4) acc.v4[i] = (acc.v4[i] ?? 0) + s;
      else acc.v6[i] = (acc.v6[i] ?? 0) + s;
    }
  }
  for (const t of input.traffic) {
    if (t.organizationId !== input.organizationId) throw new BillingError(BillingErrorCode.InvalidUsage, `traffic of service ${t.serviceId} belongs to another organization`);
    if (t.hour < from || t.hour >= to) continue;
    const i = (t.hour - from - ((t.hour - from) % step)) / step;
    const acc = of(t.serviceId);
    acc.bytes[i] = (acc.bytes[i] ?? 0n) + t.bytes;
  }
  return [...byService.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([serviceId, acc]) => ({
      serviceId,
      buckets: acc.v4.map((v4, i) => {
        const bFrom = from + i * step;
        return { from: bFrom, to: bFrom + step > to ? to : bFrom + step, ipv4Seconds: v4, ipv6Seconds: acc.v6[i] ?? 0, bytes: acc.bytes[i] ?? 0n };
      }),
    }));
}

/** Address-seconds as hours with 4 decimals, rounded half up (display only; rating uses the seconds). */
export function addressHoursDisplay(seconds: number | bigint): string {
  return formatScaled(divideRoundHalfUp(BigInt(seconds) * 10_000n, BigInt(SECONDS_PER_HOUR)), 4);
}

/** Bytes as GB (10^9) with 6 decimals, rounded half up (display only). */
export function gigabytesDisplay(bytes: bigint): string {
  return formatScaled(divideRoundHalfUp(bytes * 1_000_000n, BYTES_PER_GB), 6);
}
