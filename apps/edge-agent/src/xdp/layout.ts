import * as ipaddr from 'ipaddr.js';
import type { DataplanePlan, ServicePlan } from '@anyfront/dataplane';

/**
 * Byte layout of the XDP program's maps (apps/edge-agent/xdp/af_structs.h, af_consts.h) and the
 * pure part of programming them: plan -> map entries. Integers are little-endian (host order on
 * the machines we run: x86-64, arm64); addresses and ports in network order, as in the packet.
 */
export const AF = {
  maxVips: 16384,
  maxServices: 4096,
  maxBackends: 65536,
  maxListeners: 8,
  vipClientIpHash: 1 << 0,
  vipHalf: 1 << 1,
  beLive: 1 << 0,
  beUdpLive: 1 << 1,
  encap: { srv6: 1, ip6ip6: 2, ipip: 3 } as const,
  cfgStaticNextHop: 1 << 0,
  noSlot: 0xffffffff,
  counters: ['pass', 'tx', 'redirect', 'flow_new', 'flood', 'no_backend', 'no_route', 'flow_hit', 'icmp'] as const,
} as const;

export const MAP_NAMES = ['af_vips', 'af_maglev', 'af_backends', 'af_flows', 'af_config', 'af_tx_ports', 'af_vip_stats', 'af_backend_stats', 'af_counters', 'af_new_flow_rate'] as const;
export type MapName = (typeof MAP_NAMES)[number];

/** Each map's shape as af_maps.h declares it (bpftool's names): a pinned map of another shape is from an older program. */
export const MAP_SHAPES: Record<MapName, { type: string; key: number; value: number; entries: number }> = {
  af_vips: { type: 'hash', key: 20, value: 72, entries: AF.maxVips },
  af_maglev: { type: 'hash', key: 8, value: 4, entries: 4194304 },
  af_backends: { type: 'array', key: 4, value: 24, entries: AF.maxBackends },
  af_flows: { type: 'lru_hash', key: 40, value: 16, entries: 262144 },
  af_config: { type: 'array', key: 4, value: 64, entries: 1 },
  af_tx_ports: { type: 'devmap_hash', key: 4, value: 4, entries: 64 },
  af_vip_stats: { type: 'percpu_array', key: 4, value: 16, entries: AF.maxVips },
  af_backend_stats: { type: 'percpu_array', key: 4, value: 16, entries: AF.maxBackends },
  af_counters: { type: 'percpu_array', key: 4, value: 8, entries: AF.counters.length },
  af_new_flow_rate: { type: 'percpu_array', key: 4, value: 16, entries: 1 },
};

/** 16 bytes of an address as the packet carries it (IPv4 in the first 4, zeros after). */
export function addressBytes(address: string): Buffer {
  const out = Buffer.alloc(16);
  Buffer.from(ipaddr.parse(address).toByteArray()).copy(out);
  return out;
}

export function vipKey(address: string): Buffer {
  const b = Buffer.alloc(20);
  addressBytes(address).copy(b, 0);
  b.writeUInt8(address.includes(':') ? 6 : 4, 16);
  return b;
}

export interface VipMeta {
  service: number; flags: number; seed: number; m: number; listeners: { protocol: 'tcp' | 'udp'; port_from: number; port_to: number }[];
  /** The address's slot in af_vip_stats. */
  stats: number;
}

export function vipMeta(v: VipMeta): Buffer {
  const b = Buffer.alloc(72);
  b.writeUInt32LE(v.service, 0);
  b.writeUInt32LE(v.flags, 4);
  b.writeUInt32LE(v.seed >>> 0, 8);
  b.writeUInt32LE(v.m, 12);
  b.writeUInt32LE(v.listeners.length, 16);
  v.listeners.forEach((l, i) => {
    const o = 20 + i * 6;
    b.writeUInt8(l.protocol === 'tcp' ? 6 : 17, o);
    b.writeUInt16LE(l.port_from, o + 2);
    b.writeUInt16LE(l.port_to, o + 4);
  });
  b.writeUInt32LE(v.stats, 68);
  return b;
}

export function maglevKey(service: number, half: 0 | 1, bucket: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(service * 2 + half, 0);
  b.writeUInt32LE(bucket, 4);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

export interface BackendEntry { address: string; service: number; encap: number; flags: number }

export function backendValue(e: BackendEntry | null): Buffer {
  const b = Buffer.alloc(24);
  if (!e) return b;
  addressBytes(e.address).copy(b, 0);
  b.writeUInt32LE(e.service, 16);
  b.writeUInt8(e.address.includes(':') ? 6 : 4, 20);
  b.writeUInt8(e.encap, 21);
  b.writeUInt8(e.flags, 22);
  return b;
}

export interface XdpConfig {
  sourceV4?: string;
  sourceV6?: string;
  flowTimeoutSeconds: number;
  handshakeTimeoutSeconds: number;
  /** Per CPU: the edge-wide rate divided by the CPU count (each CPU counts its own new flows). */
  newFlowsPerCpuSecond: number;
  /** Tests: fixed MACs and XDP_TX instead of the kernel's FIB lookup. */
  staticNextHop?: { smac: string; dmac: string };
}

const macBytes = (mac: string) => Buffer.from(mac.split(':').map((x) => parseInt(x, 16)));

export function configValue(c: XdpConfig): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32LE(c.staticNextHop ? AF.cfgStaticNextHop : 0, 0);
  if (c.sourceV4) addressBytes(c.sourceV4).copy(b, 4, 0, 4);
  if (c.sourceV6) addressBytes(c.sourceV6).copy(b, 8);
  if (c.staticNextHop) {
    macBytes(c.staticNextHop.smac).copy(b, 24);
    macBytes(c.staticNextHop.dmac).copy(b, 30);
  }
  b.writeBigUInt64LE(BigInt(c.flowTimeoutSeconds) * 1_000_000_000n, 40);
  b.writeBigUInt64LE(BigInt(c.handshakeTimeoutSeconds) * 1_000_000_000n, 48);
  b.writeBigUInt64LE(BigInt(c.newFlowsPerCpuSecond), 56);
  return b;
}

/** Why a service stays on the nft path on this edge, or null when XDP carries it. */
export function xdpUnsupportedReason(svc: ServicePlan): string | null {
  if (svc.listeners.length > AF.maxListeners) return `more than ${AF.maxListeners} listener ranges`;
  if (svc.encapsulation === 'gue') return 'GUE encapsulation is not in the XDP program yet';
  for (const b of svc.backends) {
    const fam = b.address.includes(':') ? 6 : 4;
    if ((svc.encapsulation === 'srv6' || svc.encapsulation === 'ip6ip6') && fam !== 6) return `${svc.encapsulation} needs IPv6 backends`;
    if (svc.encapsulation === 'ipip' && fam !== 4) return 'IPv6 backends of an ipip service use sit/ip6tnl on the nft path';
  }
  return null;
}

/** What the maps should hold for one service (the Maglev table as bucket -> backend slot). */
export interface XdpServiceState {
  id: string;
  digest: string;
  m: number;
  vips: { address: string; meta: Omit<VipMeta, 'service' | 'flags' | 'stats'> & { flags: number } }[];
  table: Uint32Array;
}

export interface XdpDesired {
  services: XdpServiceState[];
  /** backend slot -> entry (without the service slot, filled in by the writer). */
  backends: Map<number, { serviceId: string; address: string; encap: number; flags: number }>;
  /** Services left on the nft path, with the reason. */
  skipped: Map<string, string>;
}

/** Plan -> desired map contents. Backend slot = mark - mark base (the nft path's numbering, kept across restarts). */
export function desiredXdp(plan: DataplanePlan): XdpDesired {
  const services: XdpServiceState[] = [];
  const backends: XdpDesired['backends'] = new Map();
  const skipped = new Map<string, string>();
  for (const svc of plan.services) {
    const why = xdpUnsupportedReason(svc);
    if (why) {
      skipped.set(svc.id, why);
      continue;
    }
    const table = new Uint32Array(svc.m).fill(AF.noSlot);
    for (const [bucket, mark] of svc.buckets) table[bucket] = mark - plan.markBase;
    const live = new Set(svc.liveMarks);
    const udpLive = new Set(svc.udpLiveMarks);
    for (const b of svc.backends) {
      backends.set(b.mark - plan.markBase, {
        serviceId: svc.id,
        address: b.address,
        encap: AF.encap[svc.encapsulation as keyof typeof AF.encap],
        flags: (live.has(b.mark) ? AF.beLive : 0) | (udpLive.has(b.mark) ? AF.beUdpLive : 0),
      });
    }
    const flags = svc.hashMode === 'client_ip' ? AF.vipClientIpHash : 0;
    services.push({
      id: svc.id,
      digest: svc.digest,
      m: svc.m,
      vips: svc.addresses.map((a) => ({ address: a.address, meta: { flags, seed: svc.seed, m: svc.m, listeners: svc.listeners } })),
      table,
    });
  }
  return { services, backends, skipped };
}

// nft's jhash (the bucket the nft path, and the XDP program, picks) lives in libs/dataplane.
export { jhashWords, nftBucket } from '@anyfront/dataplane';
