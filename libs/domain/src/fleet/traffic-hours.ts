/** Hours of traffic roll-ups: retention and the advisory-lock keys ingestion and roll-up share. */
const HOUR_MS = 3_600_000;

/** Start of the oldest hour still complete in raw samples; older hours are never recomputed (or they would shrink). */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(Math.floor((now.getTime() - retentionDays * 86_400_000) / HOUR_MS) * HOUR_MS);
}

/** Advisory lock namespace of traffic hours (the second key is the hour number since the epoch). */
export const TRAFFIC_HOUR_LOCK_CLASS = 0x7af1;

/** Second key of an hour's advisory lock: hours since the epoch (fits int4 until the year 2215). */
export function trafficHourLockKey(hour: Date): number {
  return Math.floor(hour.getTime() / HOUR_MS);
}
