import * as ipaddr from 'ipaddr.js';

/**
 * Crafted frames for the XDP program's BPF_PROG_TEST_RUN tests and benchmarks: Ethernet + IPv4 or
 * IPv6 + TCP/UDP/ICMP, and the encapsulations the program must produce, built independently of
 * the program (from the RFCs and the kernel's seg6 encap), so a test compares bytes with bytes.
 */
export interface Tuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: 'tcp' | 'udp' | 'icmp';
}

const ip = (a: string) => Buffer.from(ipaddr.parse(a).toByteArray());
const mac = (m: string) => Buffer.from(m.split(':').map((x) => parseInt(x, 16)));

function sum16(b: Buffer, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length % 2) s += b.readUInt8(b.length - 1) << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const csum = (b: Buffer, init = 0) => ~sum16(b, init) & 0xffff;

export function ethernet(dst: string, src: string, type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(14);
  mac(dst).copy(h, 0);
  mac(src).copy(h, 6);
  h.writeUInt16BE(type, 12);
  return Buffer.concat([h, payload]);
}

function l4(t: Tuple, opts: { flags?: number; payload?: Buffer }): { proto: number; body: Buffer } {
  const payload = opts.payload ?? Buffer.alloc(0);
  if (t.proto === 'tcp') {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(t.sport, 0);
    h.writeUInt16BE(t.dport, 2);
    h.writeUInt32BE(1000, 4);
    h.writeUInt32BE(opts.flags === TCP.SYN ? 0 : 2000, 8);
    h.writeUInt8(5 << 4, 12);
    h.writeUInt8(opts.flags ?? TCP.ACK, 13);
    h.writeUInt16BE(65535, 14);
    return { proto: 6, body: Buffer.concat([h, payload]) };
  }
  if (t.proto === 'udp') {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(t.sport, 0);
    h.writeUInt16BE(t.dport, 2);
    h.writeUInt16BE(8 + payload.length, 4);
    return { proto: 17, body: Buffer.concat([h, payload]) };
  }
  const h = Buffer.alloc(8);
  h.writeUInt8(t.src.includes(':') ? 128 : 8, 0);
  return { proto: t.src.includes(':') ? 58 : 1, body: Buffer.concat([h, payload]) };
}

/** An IP packet (no Ethernet) with a valid IPv4 header checksum and L4 checksum. */
export function ipPacket(t: Tuple, opts: { flags?: number; payload?: Buffer; ttl?: number; tos?: number; ipv4Options?: boolean; fragment?: boolean } = {}): Buffer {
  const { proto, body } = l4(t, opts);
  if (!t.src.includes(':')) {
    const optLen = opts.ipv4Options ? 4 : 0;
    const h = Buffer.alloc(20 + optLen);
    h.writeUInt8(0x40 | ((20 + optLen) / 4), 0);
    h.writeUInt8(opts.tos ?? 0, 1);
    h.writeUInt16BE(h.length + body.length, 2);
    h.writeUInt16BE(0x1234, 4);
    h.writeUInt16BE(opts.fragment ? 0x2000 : 0x4000, 6);
    h.writeUInt8(opts.ttl ?? 64, 8);
    h.writeUInt8(proto, 9);
    ip(t.src).copy(h, 12);
    ip(t.dst).copy(h, 16);
    if (opts.ipv4Options) h.writeUInt32BE(0x01010100, 20); // NOP NOP NOP EOL
    h.writeUInt16BE(csum(h), 10);
    if (proto !== 1) {
      const pseudo = Buffer.concat([ip(t.src), ip(t.dst), Buffer.from([0, proto]), u16(body.length)]);
      body.writeUInt16BE(csum(body, sum16(pseudo)) || 0xffff, proto === 6 ? 16 : 6);
    }
    return Buffer.concat([h, body]);
  }
  const h = Buffer.alloc(40);
  const tc = opts.tos ?? 0;
  h.writeUInt32BE((6 << 28) | (tc << 20), 0);
  h.writeUInt16BE(body.length, 4);
  h.writeUInt8(proto, 6);
  h.writeUInt8(opts.ttl ?? 64, 7);
  ip(t.src).copy(h, 8);
  ip(t.dst).copy(h, 24);
  const pseudo = Buffer.concat([ip(t.src), ip(t.dst), u32be(body.length), Buffer.from([0, 0, 0, proto])]);
  body.writeUInt16BE(csum(body, sum16(pseudo)) || 0xffff, proto === 6 ? 16 : proto === 17 ? 6 : 2);
  return Buffer.concat([h, body]);
}

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}
function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** A client frame as the edge receives it. */
export function clientFrame(t: Tuple, opts: Parameters<typeof ipPacket>[1] & { dmac?: string; smac?: string } = {}): Buffer {
  return ethernet(opts.dmac ?? '02:00:00:00:00:e1', opts.smac ?? '02:00:00:00:00:01', t.src.includes(':') ? 0x86dd : 0x0800, ipPacket(t, opts));
}

/**
 * What the kernel's seg6 `mode encap` (one segment) then the forwarding hop make of an inner packet:
 * outer IPv6 (traffic class and hop limit from an IPv6 inner packet, else 0 and 64; minus one hop),
 * SRH (next header 4/41, hdrlen 2, type 4, segments left 0, last entry 0, one segment = the backend).
 */
export function srv6Encap(inner: Buffer, source: string, segment: string): Buffer {
  return Buffer.concat([outerV6(inner, source, segment, 43, 24), srh(inner, segment), inner]);
}

/** IPv6 next header 4/41 without an SRH (ip6ip6 and plain 4-in-6). */
export function ip6Encap(inner: Buffer, source: string, remote: string): Buffer {
  return Buffer.concat([outerV6(inner, source, remote, innerProto(inner), 0), inner]);
}

/** Outer IPv4 protocol 4/41 (IPIP / sit), DF set, TTL as the IPv6 encapsulations' hop limit. */
export function ipipEncap(inner: Buffer, source: string, remote: string): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt8(0x45, 0);
  h.writeUInt8(innerIsV6(inner) ? 0 : inner.readUInt8(1), 1);
  if (innerIsV6(inner)) h.writeUInt8(((inner.readUInt32BE(0) >>> 20) & 0xff), 1);
  h.writeUInt16BE(20 + inner.length, 2);
  h.writeUInt16BE(0x4000, 6);
  h.writeUInt8((innerIsV6(inner) ? inner.readUInt8(7) : 64) - 1, 8);
  h.writeUInt8(innerProto(inner), 9);
  ip(source).copy(h, 12);
  ip(remote).copy(h, 16);
  h.writeUInt16BE(csum(h), 10);
  return Buffer.concat([h, inner]);
}

const innerIsV6 = (inner: Buffer) => inner.readUInt8(0) >> 4 === 6;
const innerProto = (inner: Buffer) => (innerIsV6(inner) ? 41 : 4);

function outerV6(inner: Buffer, source: string, dst: string, nextHeader: number, extra: number): Buffer {
  const h = Buffer.alloc(40);
  const v6 = innerIsV6(inner);
  const tc = v6 ? (inner.readUInt32BE(0) >>> 20) & 0xff : 0;
  h.writeUInt32BE(((6 << 28) | (tc << 20)) >>> 0, 0);
  h.writeUInt16BE(extra + inner.length, 4);
  h.writeUInt8(nextHeader, 6);
  h.writeUInt8((v6 ? inner.readUInt8(7) : 64) - 1, 7);
  ip(source).copy(h, 8);
  ip(dst).copy(h, 24);
  return h;
}

function srh(inner: Buffer, segment: string): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt8(innerProto(inner), 0);
  h.writeUInt8(2, 1);
  h.writeUInt8(4, 2);
  ip(segment).copy(h, 8);
  return h;
}

/**
 * An ICMP / ICMPv6 message (no Ethernet) from `src` to `dst`: type, code, the 4 bytes after the
 * checksum (`rest`: the MTU of a packet too big / fragmentation needed) and a body (an error's
 * embedded packet, an echo's identifier, sequence and data). Checksums as the kernel writes them.
 */
export function icmpPacket(src: string, dst: string, type: number, code: number, body: Buffer, rest = 0, opts: { ttl?: number } = {}): Buffer {
  const v6 = src.includes(':');
  const msg = Buffer.concat([Buffer.from([type, code, 0, 0]), u32be(rest), body]);
  if (!v6) {
    msg.writeUInt16BE(csum(msg), 2);
    const h = Buffer.alloc(20);
    h.writeUInt8(0x45, 0);
    h.writeUInt16BE(20 + msg.length, 2);
    h.writeUInt8(opts.ttl ?? 64, 8);
    h.writeUInt8(1, 9);
    ip(src).copy(h, 12);
    ip(dst).copy(h, 16);
    h.writeUInt16BE(csum(h), 10);
    return Buffer.concat([h, msg]);
  }
  const pseudo = Buffer.concat([ip(src), ip(dst), u32be(msg.length), Buffer.from([0, 0, 0, 58])]);
  msg.writeUInt16BE(csum(msg, sum16(pseudo)), 2);
  const h = Buffer.alloc(40);
  h.writeUInt32BE((6 << 28) >>> 0, 0);
  h.writeUInt16BE(msg.length, 4);
  h.writeUInt8(58, 6);
  h.writeUInt8(opts.ttl ?? 64, 7);
  ip(src).copy(h, 8);
  ip(dst).copy(h, 24);
  return Buffer.concat([h, msg]);
}
