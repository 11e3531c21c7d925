import type { IpFamily } from '../address/ip';

export const ENCAPSULATIONS = ['srv6', 'ipip', 'ip6ip6', 'gue'] as const;
export type Encapsulation = (typeof ENCAPSULATIONS)[number];
export const DEFAULT_ENCAPSULATION: Encapsulation = 'srv6';

/** The outer (tunnel) header family each encapsulation uses, hence the backend address family it needs. */
export const ENCAPSULATION_BACKEND_FAMILY: Readonly<Record<Encapsulation, IpFamily>> = {
  srv6: 6,
  ip6ip6: 6,
  ipip: 4,
  gue: 4,
};

const ALTERNATIVES: Readonly<Record<IpFamily, string>> = { 4: 'ipip or gue', 6: 'srv6 or ip6ip6' };

export type FamilyCheck = { ok: true } | { ok: false; message: string };

/** Refuses a backend address whose family the service's encapsulation cannot carry traffic to. */
export function checkBackendFamily(encapsulation: Encapsulation, address: string, family: IpFamily): FamilyCheck {
  const needed = ENCAPSULATION_BACKEND_FAMILY[encapsulation];
  if (needed === family) return { ok: true };
  return {
    ok: false,
    message:
      `${encapsulation} encapsulation carries traffic to an IPv${needed} backend address, but ${address} is IPv${family}; ` +
      `use an IPv${needed} address or switch the service's encapsulation to ${ALTERNATIVES[family]}`,
  };
}

/** Refuses an encapsulation change when existing backends have the wrong family for it. */
export function checkEncapsulationChange(
  encapsulation: Encapsulation,
  backends: readonly { address: string; family: IpFamily }[],
): FamilyCheck {
  const needed = ENCAPSULATION_BACKEND_FAMILY[encapsulation];
  const wrong = backends.filter((b) => b.family !== needed);
  if (wrong.length === 0) return { ok: true };
  const list = wrong.slice(0, 3).map((b) => b.address).join(', ') + (wrong.length > 3 ? ` and ${wrong.length - 3} more` : '');
  return {
    ok: false,
    message:
      `${encapsulation} encapsulation needs IPv${needed} backend addresses, but the service has IPv${needed === 6 ? 4 : 6} backends (${list}); ` +
      `remove or replace them first`,
  };
}
