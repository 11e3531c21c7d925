import { ENCAPSULATION_BACKEND_FAMILIES, type DesiredState, type Encapsulation, type IpFamily } from '@anyfront/contracts';
import { decodeMaglevTable, isMaglevTableSize, MAGLEV_NO_BACKEND, MAGLEV_PRIMES } from '@anyfront/maglev';
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
    if (svc.maglev_table !== undefined) problems.push(...shippedTableProblems(svc, where));
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
 * A shipped Maglev table must decode to M entries indexing the service's backends in the listed
 * (id-sorted) order, and name only enabled backends with weight > 0, with no empty bucket while
 * one exists: every edge then programs it as is.
 */
function shippedTableProblems(svc: DesiredState['services'][number], where: string): string[] {
  const ids = svc.backends.map((b) => b.id);
  if (ids.some((id, i) => i > 0 && (ids[i - 1] ?? '') >= id)) return [`${where}: backends must be sorted by id when maglev_table is given`];
  let table: Int32Array;
  try {
    table = decodeMaglevTable(svc.maglev_table as string, svc.maglev_table_size, ids.length);
  } catch (err) {
    return [`${where}: maglev_table: ${(err as Error).message.replace(/^maglev: /, '')}`];
  }
  const eligible = svc.backends.map((b) => b.enabled && b.weight > 0);
  const any = eligible.some((e) => e);
  const bad = table.findIndex((i) => (i === MAGLEV_NO_BACKEND ? any : !eligible[i]));
  if (bad < 0) return [];
  const owner = table[bad] ?? MAGLEV_NO_BACKEND;
  return [owner === MAGLEV_NO_BACKEND
    ? `${where}: maglev_table leaves bucket ${bad} empty although a backend can serve it`
    : `${where}: maglev_table gives bucket ${bad} to backend ${ids[owner]}, which is disabled or has weight 0`];
}

/**
 * Outer IP version of the tunnel to a backend of the given family (always the backend's family),
 * or null if the encapsulation cannot reach it (the one rule in @anyfront/contracts).
 */
export function outerFamilyNeeded(encap: Encapsulation, backendFamily: IpFamily): IpFamily | null {
  return ENCAPSULATION_BACKEND_FAMILIES[encap].includes(backendFamily) ? backendFamily : null;
}
