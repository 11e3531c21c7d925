import { LISTENER_PROTOCOLS, oneOf, type ListenerProtocol } from '@anyfront/contracts';

export const MAX_LISTENERS = 64;

export interface Listener {
  protocol: ListenerProtocol;
  /** Canonical text: "443" or "8000-8100". */
  ports: string;
  from: number;
  to: number;
}

export interface FieldError {
  /** Path of the offending field, e.g. "listeners[1].ports". */
  field: string;
  message: string;
}

export type ListenersResult = { ok: true; listeners: Listener[] } | { ok: false; errors: FieldError[] };

const PORTS = /^([1-9]\d{0,4})(?:-([1-9]\d{0,4}))?$/;

/** Parses "443" or "8000-8100" (1..65535, low <= high, no leading zeros). */
export function parsePortRange(text: unknown): { ok: true; from: number; to: number } | { ok: false; message: string } {
  if (typeof text !== 'string') return { ok: false, message: 'ports must be a string such as "443" or "8000-8100"' };
  const m = PORTS.exec(text);
  if (!m) return { ok: false, message: `"${text.slice(0, 32)}" is not a port or port range; use "443" or "8000-8100" (ports 1-65535)` };
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > 65535 || to > 65535) return { ok: false, message: `"${text}" is out of range; ports go from 1 to 65535` };
  if (from > to) return { ok: false, message: `"${text}" is backwards; write the lower port first, e.g. "${to}-${from}"` };
  return { ok: true, from, to };
}

/**
 * Validates a service's listeners: at least one, each a protocol plus a port or port range, and no two
 * of the same protocol with intersecting ranges (traffic to a port must belong to exactly one listener).
 */
export function parseListeners(input: unknown, field = 'listeners'): ListenersResult {
  if (!Array.isArray(input)) return fail(field, 'listeners must be a list such as [{"protocol": "tcp", "ports": "443"}]');
  if (input.length === 0) return fail(field, 'a service needs at least one listener, e.g. {"protocol": "tcp", "ports": "443"}');
  if (input.length > MAX_LISTENERS) return fail(field, `a service may have at most ${MAX_LISTENERS} listeners; use port ranges`);

  const errors: FieldError[] = [];
  const listeners: (Listener & { index: number })[] = [];
  input.forEach((item: unknown, index) => {
    const at = `${field}[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      errors.push({ field: at, message: 'each listener must be an object with "protocol" and "ports"' });
      return;
    }
    const { protocol, ports, ...rest } = item as Record<string, unknown>;
    for (const key of Object.keys(rest)) errors.push({ field: `${at}.${key}`, message: `unknown listener field "${key}"; use protocol and ports` });
    if (!LISTENER_PROTOCOLS.includes(protocol as ListenerProtocol)) {
      errors.push({ field: `${at}.protocol`, message: `protocol ${oneOf(LISTENER_PROTOCOLS)}` });
      return;
    }
    const range = parsePortRange(ports);
    if (!range.ok) {
      errors.push({ field: `${at}.ports`, message: range.message });
      return;
    }
    const canonical = range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
    listeners.push({ protocol: protocol as ListenerProtocol, ports: canonical, from: range.from, to: range.to, index });
  });

  for (const [i, b] of listeners.entries()) {
    // The first earlier listener of the same protocol whose ports overlap.
    const a = listeners.slice(0, i).find((x) => x.protocol === b.protocol && x.from <= b.to && b.from <= x.to);
    if (a) {
      errors.push({
        field: `${field}[${b.index}].ports`,
        message: `${b.protocol} ${b.ports} overlaps ${field}[${a.index}] (${a.protocol} ${a.ports}); listeners of one protocol must not share ports`,
      });
    }
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, listeners: listeners.map(({ index: _index, ...l }) => l) };
}

function fail(field: string, message: string): ListenersResult {
  return { ok: false, errors: [{ field, message }] };
}
