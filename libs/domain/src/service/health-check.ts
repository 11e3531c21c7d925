import { HEALTH_CHECK_PATH_PATTERN } from '@anyfront/contracts';
import type { HealthCheckProtocol, ServiceHealthCheck } from '@anyfront/contracts';
import type { FieldError, Listener } from './listeners';

export type HealthCheck = ServiceHealthCheck;

export { HEALTH_CHECK_PATH_PATTERN };

export const HEALTH_CHECK_DEFAULTS = {
  protocol: 'tcp' as HealthCheckProtocol,
  path: '/',
  interval_seconds: 10,
  timeout_seconds: 5,
  healthy_threshold: 3,
  unhealthy_threshold: 3,
};

export const HEALTH_CHECK_LIMITS = {
  interval_seconds: [2, 300],
  timeout_seconds: [1, 60],
  healthy_threshold: [1, 10],
  unhealthy_threshold: [1, 10],
} as const;

export type HealthCheckInput = Partial<HealthCheck>;

/**
 * Fills defaults (the port defaults to the first TCP listener's first port, else the first listener's)
 * and checks the rules that span fields: a timeout shorter than the interval, a path only for http.
 */
export function resolveHealthCheck(
  input: HealthCheckInput | undefined,
  listeners: readonly Listener[],
  base?: HealthCheck,
  field = 'health_check',
): { ok: true; healthCheck: HealthCheck } | { ok: false; errors: FieldError[] } {
  const from = base ?? {
    ...HEALTH_CHECK_DEFAULTS,
    path: null,
    port: (listeners.find((l) => l.protocol === 'tcp') ?? listeners[0])?.from ?? 80,
  };
  const merged: HealthCheck = { ...from, ...stripUndefined(input ?? {}) };
  if (merged.protocol === 'http') merged.path = merged.path ?? HEALTH_CHECK_DEFAULTS.path;
  const errors: FieldError[] = [];
  if (merged.protocol === 'tcp' && input?.path != null) {
    errors.push({ field: `${field}.path`, message: 'path applies to http health checks only; remove it or set protocol to "http"' });
  }
  if (merged.protocol === 'tcp') merged.path = null;
  if (merged.path !== null && !merged.path.startsWith('/')) {
    errors.push({ field: `${field}.path`, message: 'path must start with "/", e.g. "/healthz"' });
  } else if (merged.path !== null && !HEALTH_CHECK_PATH_PATTERN.test(merged.path)) {
    // The agent writes the path into the request line: CR/LF or spaces would inject headers.
    errors.push({ field: `${field}.path`, message: 'path may contain only URL path and query characters (RFC 3986: letters, digits, -._~!$&\'()*+,;=:@%/?), e.g. "/healthz?full=1"' });
  }
  if (merged.timeout_seconds >= merged.interval_seconds) {
    errors.push({
      field: `${field}.timeout_seconds`,
      message: `timeout_seconds (${merged.timeout_seconds}) must be shorter than interval_seconds (${merged.interval_seconds})`,
    });
  }
  return errors.length ? { ok: false, errors } : { ok: true, healthCheck: merged };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
