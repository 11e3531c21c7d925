import { ENCAPSULATION_BACKEND_FAMILIES, type DesiredState, type Encapsulation, type IpFamily } from '@anyfront/contracts';
import { isMaglevTableSize, MAGLEV_PRIMES } from '@anyfront/maglev';
import { familyOf } from './names';

export interface TunnelSources {
  ipv4?: string;
  ipv6?: string;
}

/**
 * Checks a schema-valid desired state for what the schema cannot see but the kernel would trip over.
 * Returns every problem found (empty = fine); the agent refuses the state as a whole if any.
 */
export function semanticProblems(state: DesiredState, sources: TunnelSources): string[] {
  const problems: string[] = [];
  const serviceIds = new Set<string>();
  const addressOwner = new Map<string, string>();
  for (const pool of state.pools) {
    if (familyOf(pool.prefix.split('/')[0] ?? '') !== pool.family) problems.push(`pool ${pool.id}: prefix ${pool.prefix} is not IPv${pool.family}`);
  }
  for (const svc of state.services) {
    const where = `service ${svc.id}`;
    if (serviceIds.has(svc.id)) problems.push(`${where}: duplicate service id`);
    serviceIds.add(svc.id);
    for (const a of svc.addresses) {
      if (familyOf(a.address) !== a.family) problems.push(`${where}: address ${a.address} is not IPv${a.family}`);
      const owner = addressOwner.get(a.address);
      if (owner !== undefined) problems.push(`${where}: address ${a.address} is already used by service ${owner}`);
      addressOwner.set(a.address, svc.id);
    }
    if (!isMaglevTableSize(svc.maglev_table_size)) {
      problems.push(`${where}: maglev_table_size ${svc.maglev_table_size} is not one of ${MAGLEV_PRIMES.join(', ')}`);
    }
    if (svc.encapsulation === 'gue' && svc.gue_port === undefined) problems.push(`${where}: encapsulation gue needs gue_port`);
    if (svc.encapsulation !== 'gue' && svc.gue_port !== undefined) problems.push(`${where}: gue_port is only valid with encapsulation gue`);
    const backendIds = new Set<string>();
    for (const b of svc.backends) {
      if (backendIds.has(b.id)) problems.push(`${where}: duplicate backend id ${b.id}`);
      backendIds.add(b.id);
      const fam = familyOf(b.address);
      const need = outerFamilyNeeded(svc.encapsulation, fam);
      if (need === null) {
        problems.push(`${where}: backend ${b.id} (${b.address}) cannot be reached with ${svc.encapsulation}, which needs an ${ENCAPSULATION_BACKEND_FAMILIES[svc.encapsulation].map((f) => `IPv${f}`).join(' or ')} backend address`);
      } else if (need === 4 && !sources.ipv4) {
        problems.push(`${where}: backend ${b.id} needs an IPv4 tunnel source, but the node has none`);
      } else if (need === 6 && !sources.ipv6) {
        problems.push(`${where}: backend ${b.id} needs an IPv6 tunnel source, but the node has none`);
      }
    }
  }
  return problems;
}

/**
 * Outer IP version of the tunnel to a backend of the given family (always the backend's family),
 * or null if the encapsulation cannot reach it (the one rule in @anyfront/contracts).
 */
export function outerFamilyNeeded(encap: Encapsulation, backendFamily: IpFamily): IpFamily | null {
  return ENCAPSULATION_BACKEND_FAMILIES[encap].includes(backendFamily) ? backendFamily : null;
}
