// What the export outbox does with a failed Stripe call. Reads the fields of the SDK's StripeError
// (type, statusCode, code, message, headers) without depending on the SDK at runtime.

export type StripeFailure =
  /** Stripe already holds a meter event with this identifier: the usage was delivered. */
  | { readonly kind: 'already_delivered' }
  /** Try again later (5xx, timeouts, connection errors, 409, 429); honour afterSeconds when set. */
  | { readonly kind: 'retry'; readonly afterSeconds: number | null; readonly reason: string }
  /** Retrying will not help (bad request, auth, idempotency key reused with other params). */
  | { readonly kind: 'fatal'; readonly reason: string };

interface StripeErrorLike {
  type?: unknown;
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  headers?: unknown;
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

/** Stripe's answer to a meter event whose identifier it has already seen (400, never retried). */
export const DUPLICATE_METER_EVENT = /an event already exists with identifier/i;

export function classifyStripeError(err: unknown): StripeFailure {
  const e = (err && typeof err === 'object' ? err : {}) as StripeErrorLike;
  const status = typeof e.statusCode === 'number' ? e.statusCode : null;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.code === 'duplicate_meter_event' || DUPLICATE_METER_EVENT.test(message)) return { kind: 'already_delivered' };
  if (e.type === 'StripeConnectionError' || status === null) return { kind: 'retry', afterSeconds: null, reason: message };
  if (status === 429 || status === 409 || status >= 500) {
    const raw = header(e.headers, 'retry-after');
    const seconds = raw !== undefined && /^\d{1,6}$/.test(raw) ? parseInt(raw, 10) : null;
    return { kind: 'retry', afterSeconds: seconds, reason: `${status}: ${message}` };
  }
  if (header(e.headers, 'stripe-should-retry') === 'true') return { kind: 'retry', afterSeconds: null, reason: `${status}: ${message}` };
  return { kind: 'fatal', reason: `${status}: ${message}` };
}
