import * as ipaddr from 'ipaddr.js';
import { DEFAULT_GUE_PORT, ENCAPSULATION_BACKEND_FAMILIES, ENCAPSULATIONS, GUE_PORT_MAX, GUE_PORT_MIN, type Encapsulation, type IpFamily } from '@anyfront/contracts';

export { ENCAPSULATIONS, type Encapsulation } from '@anyfront/contracts';

/** What the kit needs to prepare one backend. Addresses are normalised (RFC 5952 for IPv6). */
export interface BackendKitOptions {
  encap: Encapsulation;
  /** The service's anycast addresses, held on `lo` (IPv4 and/or IPv6). */
  anycast: string[];
  /** This backend's unicast address that the edge tunnels to (outer destination). */
  backendAddress: string;
  /** Uplink the tunnel packets arrive on. */
  dev: string;
  /** SRv6 only: extra SIDs with a seg6local decap route, for IPv4 (End.DX4) and IPv6 (End.DT6) inner packets. */
  sid4?: string;
  sid6?: string;
  /** GUE only: UDP port the edge sends to (the service's gue_port). */
  guePort?: number;
  /** Path MTU between edge and backend (outer packets). */
  mtu: number;
  /** MSS written into SYN-ACKs from the anycast addresses; defaults from mtu and encapsulation. */
  mss4: number;
  mss6: number;
}

/** Raw input (CLI or caller); everything is checked by parseBackendKitOptions. */
export interface BackendKitInput {
  encap?: string;
  anycast?: string[];
  backendAddress?: string;
  dev?: string;
  sid4?: string;
  sid6?: string;
  guePort?: number | string;
  mtu?: number | string;
  mss?: number | string;
  mss6?: number | string;
}

export class BackendKitOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid backend kit options:\n  - ${problems.join('\n  - ')}`);
    this.name = 'BackendKitOptionsError';
  }
}

const IPV6_HEADER = 40;
const IPV4_HEADER = 20;
const TCP_HEADER = 20;
/** SRH with one segment: 8 bytes fixed + one 16-byte SID. */
const SRH_ONE_SEGMENT = 24;
/** UDP header + 4-byte GUE base header. */
const UDP_GUE = 8 + 4;

export type Family = IpFamily;

export function familyOf(address: string): Family {
  return ipaddr.parse(address).kind() === 'ipv4' ? 4 : 6;
}

/** Bytes the encapsulation adds in front of the inner packet. */
export function encapsulationOverhead(encap: Encapsulation, outer: Family): number {
  const outerIp = outer === 4 ? IPV4_HEADER : IPV6_HEADER;
  switch (encap) {
    case 'srv6': return IPV6_HEADER + SRH_ONE_SEGMENT;
    case 'ipip': return IPV4_HEADER;
    case 'ip6ip6': return IPV6_HEADER;
    case 'gue': return outerIp + UDP_GUE;
  }
}

/** Largest TCP MSS whose segments still fit the tunnel at `mtu`, for inner IPv4 or IPv6. */
export function defaultMss(encap: Encapsulation, outer: Family, inner: Family, mtu: number): number {
  return mtu - encapsulationOverhead(encap, outer) - (inner === 4 ? IPV4_HEADER : IPV6_HEADER) - TCP_HEADER;
}

function normaliseAddress(raw: string, what: string, problems: string[]): string | undefined {
  const s = raw.trim();
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) addr = ipaddr.IPv4.parse(s);
  else if (!s.includes('/') && ipaddr.IPv6.isValid(s)) addr = ipaddr.IPv6.parse(s);
  else {
    problems.push(`${what} "${raw}" is not an IPv4 or IPv6 address (no prefix length)`);
    return undefined;
  }
  const range = addr.range();
  if (['unspecified', 'loopback', 'multicast', 'broadcast', 'linkLocal', 'ipv4Mapped'].includes(range)) {
    problems.push(`${what} "${raw}" is a ${range} address; it must be a unicast address`);
    return undefined;
  }
  return addr.toString();
}

function integer(raw: number | string | undefined, what: string, min: number, max: number, problems: string[]): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${what} must be an integer from ${min} to ${max}, got "${raw}"`);
    return undefined;
  }
  return n;
}

const IFNAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,14}$/;

/** Validates and normalises kit options; throws BackendKitOptionsError listing every problem. */
export function parseBackendKitOptions(input: BackendKitInput): BackendKitOptions {
  const problems: string[] = [];
  const encap = input.encap as Encapsulation;
  const known = ENCAPSULATIONS.includes(encap);
  if (!known) problems.push(`--encap must be one of ${ENCAPSULATIONS.join(', ')}, got "${input.encap ?? ''}"`);

  const anycast: string[] = [];
  if (!input.anycast?.length) problems.push('at least one --anycast address is required');
  for (const raw of input.anycast ?? []) {
    const a = normaliseAddress(raw, '--anycast', problems);
    if (a && anycast.includes(a)) problems.push(`--anycast ${a} is given twice`);
    else if (a) anycast.push(a);
  }

  const backendAddress = input.backendAddress
    ? normaliseAddress(input.backendAddress, '--backend-address', problems)
    : (problems.push('--backend-address is required (the address the edge tunnels to)'), undefined);
  if (backendAddress && anycast.includes(backendAddress)) problems.push('--backend-address must be a unicast address of this backend, not an anycast address');

  if (!input.dev) problems.push('--dev (the uplink the tunnel arrives on) is required');
  else if (!IFNAME.test(input.dev) || input.dev === 'lo') problems.push(`--dev "${input.dev}" is not a usable interface name`);

  const outer = backendAddress ? familyOf(backendAddress) : undefined;
  // The same rule the API and the edges apply (ENCAPSULATION_BACKEND_FAMILIES).
  if (known && outer !== undefined && !ENCAPSULATION_BACKEND_FAMILIES[encap].includes(outer)) {
    const need = ENCAPSULATION_BACKEND_FAMILIES[encap].map((f) => `IPv${f}`).join(' or ');
    const others = ENCAPSULATIONS.filter((e) => ENCAPSULATION_BACKEND_FAMILIES[e].includes(outer)).join(', ');
    const why = encap === 'srv6' ? 'it is the segment the edge sends to' : `outer header is ${need}`;
    problems.push(`${encap} needs an ${need} --backend-address (${why}); for an IPv${outer} backend use ${others}`);
  }

  const sids: Partial<Record<'sid4' | 'sid6', string>> = {};
  for (const key of ['sid4', 'sid6'] as const) {
    const raw = input[key];
    if (raw === undefined) continue;
    if (encap !== 'srv6') { problems.push(`--${key} is only used with --encap srv6`); continue; }
    const sid = normaliseAddress(raw, `--${key}`, problems);
    if (!sid) continue;
    if (familyOf(sid) !== 6) problems.push(`--${key} must be an IPv6 address`);
    else if (sid === backendAddress || anycast.includes(sid)) problems.push(`--${key} must differ from --backend-address and the anycast addresses (it gets its own route)`);
    else sids[key] = sid;
  }
  if (sids.sid4 && sids.sid4 === sids.sid6) problems.push('--sid4 and --sid6 must differ: one SID routes to one decap action');
  if (sids.sid4 && !anycast.some((a) => familyOf(a) === 4)) problems.push('--sid4 decapsulates IPv4 but no IPv4 --anycast was given');
  if (sids.sid6 && !anycast.some((a) => familyOf(a) === 6)) problems.push('--sid6 decapsulates IPv6 but no IPv6 --anycast was given');

  // Same range and default as the service's gue_port.
  const guePortIn = integer(input.guePort, '--gue-port', GUE_PORT_MIN, GUE_PORT_MAX, problems);
  if (encap !== 'gue' && guePortIn !== undefined) problems.push('--gue-port is only used with --encap gue');
  const guePort = encap === 'gue' ? (guePortIn ?? DEFAULT_GUE_PORT) : undefined;

  const mtu = integer(input.mtu, '--mtu', 1280, 65535, problems) ?? 1500;
  const mssIn4 = integer(input.mss, '--mss', 536, 65495, problems);
  const mssIn6 = integer(input.mss6, '--mss6', 1220, 65475, problems);

  if (problems.length || !backendAddress || !outer) throw new BackendKitOptionsError(problems);
  const mss4 = mssIn4 ?? defaultMss(encap, outer, 4, mtu);
  const mss6 = mssIn6 ?? defaultMss(encap, outer, 6, mtu);
  if (mss4 < 536 || mss6 < 1220) throw new BackendKitOptionsError([`--mtu ${mtu} leaves no room for a usable MSS under ${encap}`]);

  return { encap, anycast, backendAddress, dev: input.dev!, ...sids, guePort, mtu, mss4, mss6 };
}
