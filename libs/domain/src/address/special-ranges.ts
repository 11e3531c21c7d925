import { type Cidr, parseCidr } from './ip';

/**
 * Why an address cannot be a backend. `documentation` and `unique_local` may be allowed for
 * lab/demo deployments; every other category is always refused.
 */
export type RefusalCategory =
  | 'unspecified'
  | 'this_network'
  | 'private'
  | 'shared'
  | 'loopback'
  | 'link_local'
  | 'site_local'
  | 'unique_local'
  | 'multicast'
  | 'broadcast'
  | 'benchmarking'
  | 'documentation'
  | 'reserved'
  | 'protocol_assignment'
  | 'discard'
  | 'ipv4_mapped'
  | 'ipv4_compatible'
  | 'ipv4_translated'
  | 'nat64'
  | '6to4'
  | 'teredo'
  | 'identifier'
  | 'not_global_unicast';

export interface SpecialRange {
  cidr: Cidr;
  /** null: globally reachable exception inside a larger special block (IANA "Globally Reachable: True"). */
  category: RefusalCategory | null;
  /** Human description, completes "<address> is ...". */
  label: string;
  /** Where the embedded IPv4 address sits in a transition form. */
  embedsIPv4?: 'low32' | '6to4' | 'teredo';
}

type Row = [cidr: string, category: RefusalCategory | null, label: string, embedsIPv4?: SpecialRange['embedsIPv4']];

/**
 * Ordered most-specific first; the first match wins. Sources: IANA IPv4 and IPv6 Special-Purpose
 * Address Registries, the IPv4/IPv6 multicast registries and the IPv6 address space registry
 * (only 2000::/3 is allocated for global unicast).
 *
 * Transition forms (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4, Teredo) are refused
 * outright, whatever IPv4 address they embed: the platform tunnels to IPv4 backends natively, so a
 * backend given in such a form should be given as its IPv4 address (or a native IPv6 one), and
 * routing into a third party's translator or a deprecated relay must never happen.
 * ORCHIDv2 and DET identifiers are marked globally reachable by IANA but are identifiers, not
 * routable locators, so they are refused too.
 */
const ROWS: Row[] = [
  // IPv4
  ['0.0.0.0/32', 'unspecified', 'the unspecified address'],
  ['0.0.0.0/8', 'this_network', 'a "this network" address'],
  ['10.0.0.0/8', 'private', 'a private address'],
  ['100.64.0.0/10', 'shared', 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0/8', 'loopback', 'a loopback address'],
  ['169.254.0.0/16', 'link_local', 'a link-local address'],
  ['172.16.0.0/12', 'private', 'a private address'],
  ['192.0.0.9/32', null, 'the PCP anycast address'],
  ['192.0.0.10/32', null, 'the TURN anycast address'],
  ['192.0.0.0/24', 'protocol_assignment', 'an IETF protocol assignment address (DS-Lite, NAT64 discovery and similar)'],
  ['192.0.2.0/24', 'documentation', 'a documentation address'],
  ['192.88.99.0/24', 'reserved', 'a deprecated 6to4 relay anycast address'],
  ['192.168.0.0/16', 'private', 'a private address'],
  ['198.18.0.0/15', 'benchmarking', 'a benchmarking address'],
  ['198.51.100.0/24', 'documentation', 'a documentation address'],
  ['203.0.113.0/24', 'documentation', 'a documentation address'],
  ['224.0.0.0/4', 'multicast', 'a multicast address'],
  ['255.255.255.255/32', 'broadcast', 'the limited broadcast address'],
  ['240.0.0.0/4', 'reserved', 'a reserved address'],
  // IPv6
  ['::/128', 'unspecified', 'the unspecified address'],
  ['::1/128', 'loopback', 'the loopback address'],
  ['::ffff:0:0/96', 'ipv4_mapped', 'an IPv4-mapped IPv6 address', 'low32'],
  ['::ffff:0:0:0/96', 'ipv4_translated', 'an IPv4-translated (SIIT) IPv6 address', 'low32'],
  ['::/96', 'ipv4_compatible', 'a deprecated IPv4-compatible IPv6 address', 'low32'],
  ['64:ff9b::/96', 'nat64', 'a NAT64 address', 'low32'],
  ['64:ff9b:1::/48', 'nat64', 'a local-use NAT64 address'],
  ['100::/64', 'discard', 'a discard-only address'],
  ['100:0:0:1::/64', 'reserved', 'a dummy IPv6 address'],
  ['2001:1::1/128', null, 'the PCP anycast address'],
  ['2001:1::2/128', null, 'the TURN anycast address'],
  ['2001:1::3/128', null, 'the DNS-SD SRP anycast address'],
  ['2001::/32', 'teredo', 'a Teredo address', 'teredo'],
  ['2001:2::/48', 'benchmarking', 'a benchmarking address'],
  ['2001:3::/32', null, 'an AMT address'],
  ['2001:4:112::/48', null, 'an AS112-v6 address'],
  ['2001:10::/28', 'identifier', 'a deprecated ORCHID identifier'],
  ['2001:20::/28', 'identifier', 'an ORCHIDv2 identifier (not routable)'],
  ['2001:30::/28', 'identifier', 'a drone remote ID entity tag (not routable)'],
  ['2001::/23', 'protocol_assignment', 'an IETF protocol assignment address'],
  ['2001:db8::/32', 'documentation', 'a documentation address'],
  ['2002::/16', '6to4', 'a 6to4 address', '6to4'],
  ['3fff::/20', 'documentation', 'a documentation address'],
  ['5f00::/16', 'reserved', 'an SRv6 SID address'],
  ['fc00::/7', 'unique_local', 'a unique-local address'],
  ['fe80::/10', 'link_local', 'a link-local address'],
  ['fec0::/10', 'site_local', 'a deprecated site-local address'],
  ['ff00::/8', 'multicast', 'a multicast address'],
];

export const SPECIAL_RANGES: readonly SpecialRange[] = ROWS.map(([cidr, category, label, embedsIPv4]) => ({
  cidr: parseCidr(cidr),
  category,
  label,
  embedsIPv4,
}));

/** Global unicast IPv6 space; anything outside it is not (yet) routable on the internet. */
export const IPV6_GLOBAL_UNICAST = parseCidr('2000::/3');

/** Categories a lab/demo deployment may allow with `allowDocumentationAndUla`. */
export const LAB_ALLOWABLE: ReadonlySet<RefusalCategory> = new Set(['documentation', 'unique_local']);
