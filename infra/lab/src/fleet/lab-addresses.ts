import * as ipaddr from 'ipaddr.js';

/**
 * The prefixes the lab's router accepts from the edges (see router-bird.ts): only anycast
 * addresses inside them are reachable from the lab clients. A service in the API also gets an
 * address from a second IPv4 pool (a PoP set without lab edges), which the lab must not put on the
 * backends: 198.51.100.0/24 also numbers the lab's own links.
 */
export const LAB_ROUTED_PREFIXES = ['192.0.2.0/24', 'fd00:a0::/48'];

export function labReachable(address: string): boolean {
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try { a = ipaddr.parse(address); } catch { return false; }
  return LAB_ROUTED_PREFIXES.some((p) => {
    const [net, len] = ipaddr.parseCIDR(p);
    return net.kind() === a.kind() && a.match(net, len);
  });
}

/** The service's addresses the lab clients can reach (IPv4 first). */
export function reachableAddresses(addresses: { address: string; family: number }[]): string[] {
  return addresses.filter((x) => labReachable(x.address)).sort((x, y) => x.family - y.family).map((x) => x.address);
}

/** URL host form (IPv6 in brackets). */
export const hostOf = (a: string): string => (a.includes(':') ? `[${a}]` : a);

/** IP bytes a client sent: link bytes minus the 14-byte Ethernet header of every frame. */
export function ipBytes(txBytes: number, txPackets: number): number {
  return txBytes - 14 * txPackets;
}
