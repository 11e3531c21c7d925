// Instants in this lib are integer epoch seconds (UTC). Usage is counted to the second, traffic and
// meter events come in whole hours, billing periods are whole hours (calendar months by default).

export const SECONDS_PER_HOUR = 3600;

/** A half-open interval [from, to) of epoch seconds. */
export interface Period {
  readonly from: number;
  readonly to: number;
}

export function isWholeSecond(t: number): boolean {
  return Number.isSafeInteger(t);
}

export function isWholeHour(t: number): boolean {
  return Number.isSafeInteger(t) && t % SECONDS_PER_HOUR === 0;
}

/** The start of the hour containing t. */
export function hourStart(t: number): number {
  const r = t % SECONDS_PER_HOUR;
  return r < 0 ? t - r - SECONDS_PER_HOUR : t - r;
}

/**
 * Epoch seconds of a Date, rounded down to the second. Flooring every instant keeps durations
 * additive: (b - a) + (c - b) = c - a for any split point, so splitting never gains or loses a second.
 */
export function toEpochSeconds(d: Date): number {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid date');
  return (ms - (((ms % 1000) + 1000) % 1000)) / 1000;
}

export function fromEpochSeconds(t: number): Date {
  return new Date(t * 1000);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Epoch seconds of an ISO 8601 instant with an explicit zone ("2026-01-01T00:00:00Z"), or null. */
export function parseIsoInstant(text: string): number | null {
  if (!ISO_INSTANT.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? toEpochSeconds(new Date(ms)) : null;
}

export function isoInstant(t: number): string {
  return fromEpochSeconds(t).toISOString().replace('.000Z', 'Z');
}

/** The calendar month (UTC) containing t: the default billing period. */
export function calendarMonth(t: number): Period {
  const d = fromEpochSeconds(t);
  const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
  const to = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
  return { from, to };
}

/** Seconds of [a, b) inside [from, to); b null means "still open". */
export function overlapSeconds(a: number, b: number | null, from: number, to: number): number {
  const start = a > from ? a : from;
  const end = b === null || b > to ? to : b;
  return end > start ? end - start : 0;
}
