import { IPV6_GLOBAL_UNICAST, LAB_ALLOWABLE, SPECIAL_RANGES } from '@anyfront/domain';
import * as ipaddr from 'ipaddr.js';

export type PoolPrefixResult = { ok: true; prefix: string; family: 4 | 6 } | { ok: false; message: string };

/**
 * A pool is what the platform announces by BGP, so it must be exactly an IPv4 /24 or an IPv6 /48
 * (the smallest prefixes the internet routes), written as its network address, in space that is
 * routable. Documentation and unique-local space is accepted only for labs and demos.
 */
export function parsePoolPrefix(input: string, opts: { allowDocumentation?: boolean } = {}): PoolPrefixResult {
  const text = input.trim();
  if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(text)) {
    return { ok: false, message: 'must be a prefix in CIDR notation, e.g. 192.0.2.0/24 or 2001:db8:a0::/48' };
  }
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let len: number;
  try {
    [addr, len] = ipaddr.parseCIDR(text);
  } catch {
    return { ok: false, message: 'is not a valid IPv4 or IPv6 prefix, e.g. 192.0.2.0/24 or 2001:db8:a0::/48' };
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return { ok: false, message: 'must be a native IPv4 /24 or IPv6 /48, not an IPv4-mapped IPv6 prefix' };
  }
  const family = addr.kind() === 'ipv4' ? 4 : 6;
  const want = family === 4 ? 24 : 48;
  if (len !== want) {
    return { ok: false, message: `must be an IPv${family} /${want} (the smallest prefix routed on the internet); got /${len}` };
  }
  const network = family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  const canonical = `${network.toString()}/${len}`;
  if (network.toString() !== addr.toString()) {
    return { ok: false, message: `has host bits set; did you mean ${canonical}?` };
  }
  const refusal = refusedRange(network, len, opts.allowDocumentation ?? false);
  if (refusal) return { ok: false, message: refusal };
  return { ok: true, prefix: canonical, family };
}

function refusedRange(network: ipaddr.IPv4 | ipaddr.IPv6, len: number, allowDocumentation: boolean): string | null {
  for (const r of SPECIAL_RANGES) {
    if (r.cidr.family !== (network.kind() === 'ipv4' ? 4 : 6) || !r.category) continue;
    // Overlap: one prefix contains the other.
    const shorter = Math.min(len, r.cidr.length);
    if (!network.match(r.cidr.network, shorter)) continue;
    if (allowDocumentation && LAB_ALLOWABLE.has(r.category)) continue;
    const hint = LAB_ALLOWABLE.has(r.category) ? ' (allowed only when ALLOW_DOCUMENTATION_ADDRESSES is set, for labs and demos)' : '';
    return `overlaps ${r.cidr.text}, ${r.label}, which cannot be announced on the internet${hint}`;
  }
  if (network.kind() === 'ipv6' && !network.match(IPV6_GLOBAL_UNICAST.network, IPV6_GLOBAL_UNICAST.length)) {
    const ula = network.match(ipaddr.IPv6.parse('fc00::'), 7);
    if (!(ula && allowDocumentation)) return 'is outside 2000::/3, the only IPv6 space allocated for global unicast';
  }
  return null;
}

/** Parses one unicast host address of the given family (an edge node's tunnel source). */
export function parseHostAddress(input: string, family: 4 | 6): { ok: true; address: string } | { ok: false; message: string } {
  const text = input.trim();
  if (text.includes('/')) return { ok: false, message: 'must be a single address, without a prefix length' };
  const valid = family === 4 ? ipaddr.IPv4.isValidFourPartDecimal(text) : ipaddr.IPv6.isValid(text) && !ipaddr.IPv4.isValid(text);
  if (!valid) return { ok: false, message: `must be an IPv${family} address` };
  const addr = ipaddr.parse(text);
  const range = addr.range();
  if (['unspecified', 'multicast', 'loopback', 'linkLocal', 'broadcast'].includes(range)) {
    return { ok: false, message: `is a ${range} address; a tunnel source must be a unicast address` };
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) return { ok: false, message: 'must be a native IPv6 address, not IPv4-mapped' };
  return { ok: true, address: addr.toString() };
}
