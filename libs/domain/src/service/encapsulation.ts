import {
  DEFAULT_GUE_PORT,
  ENCAPSULATION_BACKEND_FAMILIES,
  ENCAPSULATIONS,
  GUE_PORT_MAX,
  GUE_PORT_MIN,
  type Encapsulation,
  type IpFamily,
} from '@anyfront/contracts';
import type { FieldError, Listener } from './listeners';

export type FamilyCheck = { ok: true } | { ok: false; message: string };

/** Whether edges can tunnel to a backend of this family with this encapsulation (the one rule in @anyfront/contracts). */
export function encapsulationReaches(encapsulation: Encapsulation, family: IpFamily): boolean {
  return ENCAPSULATION_BACKEND_FAMILIES[encapsulation].includes(family);
}

function familiesText(families: readonly IpFamily[]): string {
  return families.map((f) => `IPv${f}`).join(' or ');
}

/** The encapsulations that reach a backend of this family, e.g. "srv6, ip6ip6 or gue". */
function alternatives(family: IpFamily): string {
  const list = ENCAPSULATIONS.filter((e) => encapsulationReaches(e, family));
  return list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}` : list.join('');
}

/** Refuses a backend address whose family the service's encapsulation cannot carry traffic to. */
export function checkBackendFamily(encapsulation: Encapsulation, address: string, family: IpFamily): FamilyCheck {
  if (encapsulationReaches(encapsulation, family)) return { ok: true };
  const needed = familiesText(ENCAPSULATION_BACKEND_FAMILIES[encapsulation]);
  return {
    ok: false,
    message:
      `${encapsulation} encapsulation carries traffic to an ${needed} backend address, but ${address} is IPv${family}; ` +
      `use an ${needed} address or switch the service's encapsulation to ${alternatives(family)}`,
  };
}

/** Refuses an encapsulation change when existing backends have a family it cannot reach. */
export function checkEncapsulationChange(
  encapsulation: Encapsulation,
  backends: readonly { address: string; family: IpFamily }[],
): FamilyCheck {
  const wrong = backends.filter((b) => !encapsulationReaches(encapsulation, b.family));
  if (wrong.length === 0) return { ok: true };
  const needed = familiesText(ENCAPSULATION_BACKEND_FAMILIES[encapsulation]);
  const list = wrong.slice(0, 3).map((b) => b.address).join(', ') + (wrong.length > 3 ? ` and ${wrong.length - 3} more` : '');
  const have = familiesText([...new Set(wrong.map((b) => b.family))].sort());
  return {
    ok: false,
    message: `${encapsulation} encapsulation needs ${needed} backend addresses, but the service has ${have} backends (${list}); remove or replace them first`,
  };
}

/**
 * The GUE port a service stores: its requested or current port (default DEFAULT_GUE_PORT) when the
 * encapsulation is gue, else null. The port must not be one of the service's UDP listener ports:
 * the backend's GUE socket listens on every address and would take the service's own traffic.
 */
export function resolveGuePort(input: {
  encapsulation: Encapsulation;
  /** From the request; undefined when not given. */
  requested: number | undefined;
  /** Stored value (updates); null or undefined when none. */
  current?: number | null;
  listeners: readonly Listener[];
}): { ok: true; guePort: number | null } | { ok: false; errors: FieldError[] } {
  const field = 'gue_port';
  if (input.encapsulation !== 'gue') {
    if (input.requested === undefined) return { ok: true, guePort: null };
    return { ok: false, errors: [{ field, message: 'gue_port applies to encapsulation "gue" only; remove it or set encapsulation to "gue"' }] };
  }
  const port = input.requested ?? input.current ?? DEFAULT_GUE_PORT;
  if (!Number.isInteger(port) || port < GUE_PORT_MIN || port > GUE_PORT_MAX) {
    return { ok: false, errors: [{ field, message: `gue_port must be an integer from ${GUE_PORT_MIN} to ${GUE_PORT_MAX}` }] };
  }
  const clash = input.listeners.find((l) => l.protocol === 'udp' && l.from <= port && port <= l.to);
  if (clash) {
    const which = input.requested === undefined && input.current == null ? `the default gue_port ${port}` : `gue_port ${port}`;
    return {
      ok: false,
      errors: [{ field, message: `${which} is also a UDP listener port of the service (udp ${clash.ports}); the backends' GUE socket would take that traffic, so choose a gue_port outside the UDP listeners` }],
    };
  }
  return { ok: true, guePort: port };
}
