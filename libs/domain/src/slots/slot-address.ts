import { type Cidr, type IpFamily, cidrContains, formatAddress, fromBigInt, parseCidr, toBigInt } from '../address/ip';
import * as ipaddr from 'ipaddr.js';

/**
 * Slots are the addresses of a pool that can be handed to services, numbered from 0.
 *
 * IPv4: every address whose last octet is neither 0 nor 255 (a /24 has 254 slots: .1 to .254);
 * some networks still treat .0/.255 as network/broadcast and drop them.
 * IPv6: host ids 1, 2, 3, ... in the pool's first /64, skipping the subnet-router anycast
 * address (host id 0) and the 128 reserved subnet anycast ids at the top (RFC 2526).
 */
export function slotCapacity(prefix: string): bigint {
  const cidr = parsePoolPrefix(prefix);
  if (cidr.family === 4) {
    const size = 1n << BigInt(32 - cidr.length);
    if (cidr.length <= 24) return (size / 256n) * 254n;
    return BigInt(v4SmallSlots(cidr).length);
  }
  return (1n << BigInt(64)) - 1n - 128n;
}

/** The address of slot `index` (0-based) in `prefix`; throws when the pool has no such slot. */
export function slotAddress(prefix: string, index: bigint | number): string {
  const cidr = parsePoolPrefix(prefix);
  const i = BigInt(index);
  if (i < 0n || i >= slotCapacity(prefix)) throw new RangeError(`slot ${i} is outside pool ${prefix}`);
  const base = toBigInt(cidr.network);
  if (cidr.family === 4) {
    if (cidr.length > 24) {
      const address = v4SmallSlots(cidr)[Number(i)];
      if (address === undefined) throw new RangeError(`slot ${i} is outside pool ${prefix}`);
      return address;
    }
    return formatAddress(fromBigInt(base + (i / 254n) * 256n + (i % 254n) + 1n, 4));
  }
  return formatAddress(fromBigInt(base + i + 1n, 6));
}

/** Inverse of slotAddress: the slot index of `address` in `prefix`, or null when it is not a slot. */
export function slotIndexOf(prefix: string, address: string): bigint | null {
  const cidr = parsePoolPrefix(prefix);
  const addr = ipaddr.parse(address);
  if (!cidrContains(cidr, addr)) return null;
  const offset = toBigInt(addr) - toBigInt(cidr.network);
  if (cidr.family === 4) {
    // The address's own last octet (a pool smaller than a /24 does not start at .0).
    const last = toBigInt(addr) % 256n;
    if (last === 0n || last === 255n) return null;
    if (cidr.length > 24) {
      const idx = v4SmallSlots(cidr).indexOf(formatAddress(addr));
      return idx < 0 ? null : BigInt(idx);
    }
    return (offset / 256n) * 254n + last - 1n;
  }
  const idx = offset - 1n;
  return idx >= 0n && idx < slotCapacity(prefix) ? idx : null;
}

export function poolFamily(prefix: string): IpFamily {
  return parsePoolPrefix(prefix).family;
}

function parsePoolPrefix(prefix: string): Cidr {
  const cidr = parseCidr(prefix);
  if (toBigInt(cidr.network) !== toBigInt(networkOf(cidr))) {
    throw new RangeError(`${prefix} has host bits set; a pool prefix must be a network address`);
  }
  if (cidr.family === 6 && cidr.length > 64) throw new RangeError(`${prefix}: IPv6 pools must be /64 or larger`);
  return cidr;
}

function networkOf(cidr: Cidr) {
  return cidr.family === 4
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr.text)
    : ipaddr.IPv6.networkAddressFromCIDR(cidr.text);
}

function v4SmallSlots(cidr: Cidr): string[] {
  const base = toBigInt(cidr.network);
  const out: string[] = [];
  for (let o = 0n; o < 1n << BigInt(32 - cidr.length); o++) {
    const last = (base + o) % 256n;
    if (last !== 0n && last !== 255n) out.push(formatAddress(fromBigInt(base + o, 4)));
  }
  return out;
}
