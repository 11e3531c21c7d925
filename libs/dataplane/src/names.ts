import { createHash } from 'node:crypto';
import * as ipaddr from 'ipaddr.js';

/**
 * nft object names. Service ids may contain characters nft identifiers cannot, so service objects
 * are named by a 48-bit hash of the id; address counters by the address itself.
 */
export function serviceKey(serviceId: string): string {
  return createHash('sha256').update(serviceId).digest('hex').slice(0, 12);
}

export function addressToken(address: string): string {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return `4_${parsed.toString().replace(/\./g, '_')}`;
  return `6_${(parsed as ipaddr.IPv6).toNormalizedString().split(':').map((g) => g.padStart(4, '0')).join('')}`;
}

export const names = {
  svcChain: (key: string) => `svc_${key}`,
  fwdChain: (key: string) => `fwd_${key}`,
  maglevMap: (key: string, m: number) => `mg_${key}_${m}`,
  liveSet: (key: string) => `live_${key}`,
  udpLiveSet: (key: string) => `ulive_${key}`,
  backendCounterMap: (key: string) => `bc_${key}`,
  rejectCounter: (key: string) => `rej_${key}`,
  addressCounter: (address: string) => `addr${addressToken(address)}`,
  dropCounter: (address: string) => `drop${addressToken(address)}`,
  backendCounter: (mark: number) => `bk_${mark.toString(16)}`,
};

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function familyOf(address: string): 4 | 6 {
  return ipaddr.parse(address).kind() === 'ipv4' ? 4 : 6;
}
