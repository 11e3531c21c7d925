const HOUR_MS = 3_600_000;

/** The hour an interval is counted in: the hour its start falls in (a late report still lands there). */
export function hourOf(intervalStart: Date): Date {
  return new Date(Math.floor(intervalStart.getTime() / HOUR_MS) * HOUR_MS);
}

export type TimeRangeResult =
  | { ok: true; from: Date; to: Date; stepSeconds: number; points: number }
  | { ok: false; field: string; message: string };

export const MAX_SERIES_POINTS = 2000;

function parseTime(value: unknown): Date | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Step as seconds or with a unit: "60", "60s", "5m", "1h", "1d". */
export function parseStep(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{1,7})([smhd]?)$/.exec(value);
  if (!m) return null;
  const n = Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n > 0 ? n : null;
}

/**
 * Validates a query range `from` <= `to` (ISO 8601 with offset) and a step of at least `minStep`
 * seconds that divides nothing in particular but yields at most MAX_SERIES_POINTS points.
 */
export function parseTimeRange(q: { from?: unknown; to?: unknown; step?: unknown }, opts: { defaultStep: number; minStep: number; now: Date }): TimeRangeResult {
  const to = q.to === undefined ? opts.now : parseTime(q.to);
  if (!to) return { ok: false, field: 'query.to', message: 'must be an ISO 8601 time such as 2026-01-01T00:00:00Z' };
  const from = q.from === undefined ? new Date(to.getTime() - 24 * HOUR_MS) : parseTime(q.from);
  if (!from) return { ok: false, field: 'query.from', message: 'must be an ISO 8601 time such as 2026-01-01T00:00:00Z' };
  if (from.getTime() >= to.getTime()) return { ok: false, field: 'query.from', message: 'must be before to' };
  const stepSeconds = q.step === undefined ? opts.defaultStep : parseStep(q.step);
  if (!stepSeconds) return { ok: false, field: 'query.step', message: 'must be a number of seconds or a duration such as 60s, 5m, 1h, 1d' };
  if (stepSeconds < opts.minStep) return { ok: false, field: 'query.step', message: `must be at least ${opts.minStep} s` };
  const points = Math.ceil((to.getTime() - from.getTime()) / (stepSeconds * 1000));
  if (points > MAX_SERIES_POINTS) return { ok: false, field: 'query.step', message: `gives ${points} points; at most ${MAX_SERIES_POINTS} are returned, so use a larger step or a shorter range` };
  return { ok: true, from, to, stepSeconds, points };
}

/** Start of the step bucket a time falls in, aligned to the Unix epoch (so equal queries align equally). */
export function bucketStart(t: Date, stepSeconds: number): Date {
  const ms = stepSeconds * 1000;
  return new Date(Math.floor(t.getTime() / ms) * ms);
}

/** Default of TRAFFIC_RAW_RETENTION_DAYS (API and worker config): days raw traffic samples are kept (hourly roll-ups are kept indefinitely). */
export const DEFAULT_TRAFFIC_RAW_RETENTION_DAYS = 7;
