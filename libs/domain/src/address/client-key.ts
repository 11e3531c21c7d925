import * as ipaddr from 'ipaddr.js';

/**
 * The bucket a client address is counted in by rate limits and throttles: an IPv4 address as is
 * (IPv4-mapped IPv6 too), an IPv6 address by its /64 — one subscriber usually holds a whole /64,
 * so counting per /128 would give them 2^64 buckets.
 */
export function clientKey(ip: string | undefined | null): string {
  if (!ip) return 'unknown';
  const text = ip.replace(/%.*$/, ''); // zone index (fe80::1%eth0)
  if (!ipaddr.isValid(text)) return 'unknown';
  let addr = ipaddr.parse(text);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === 'ipv4') return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
