import * as ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;
export type ParsedAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** An address as a bigint (IPv4: 32 bits, IPv6: 128 bits). */
export function toBigInt(addr: ParsedAddress): bigint {
  let n = 0n;
  for (const byte of addr.toByteArray()) n = (n << 8n) | BigInt(byte);
  return n;
}

export function fromBigInt(value: bigint, family: IpFamily): ParsedAddress {
  const length = family === 4 ? 4 : 16;
  const bytes: number[] = new Array(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return ipaddr.fromByteArray(bytes);
}

export function familyOf(addr: ParsedAddress): IpFamily {
  return addr.kind() === 'ipv4' ? 4 : 6;
}

/** Canonical text: dotted quad for IPv4, RFC 5952 (lowercase, compressed) for IPv6. */
export function formatAddress(addr: ParsedAddress): string {
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/**
 * ipaddr.js reads "::1.2.3.4" as "::ffff:1.2.3.4" (and accepts hex/octal quads), so an
 * embedded dotted quad is rewritten to two hex groups before parsing.
 */
export function parseIPv6Strict(text: string): ipaddr.IPv6 {
  const m = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (m) {
    const [o0 = 0, o1 = 0, o2 = 0, o3 = 0] = m.slice(2, 6).map(Number); // the pattern has exactly four octets
    const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
    text = `${m[1]}${hex(o0, o1)}:${hex(o2, o3)}`;
  }
  return ipaddr.IPv6.parse(text);
}

export interface Cidr {
  network: ParsedAddress;
  length: number;
  family: IpFamily;
  text: string;
}

export function parseCidr(text: string): Cidr {
  const [network, length] = ipaddr.parseCIDR(text);
  return { network, length, family: familyOf(network), text };
}

export function cidrContains(cidr: Cidr, addr: ParsedAddress): boolean {
  return familyOf(addr) === cidr.family && addr.match(cidr.network, cidr.length);
}
