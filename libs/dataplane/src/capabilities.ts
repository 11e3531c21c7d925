import type { Encapsulation, KernelCapabilities, KernelCapability, ServiceState } from '@anyfront/contracts';
import { familyOf } from './names';

/**
 * What an edge's kernel can program (KERNEL_CAPABILITIES in @anyfront/contracts), probed by the agent
 * at start (apps/edge-agent io/capability-probe) and reported with every heartbeat. Some kernels lack the tunnel modules (this lab's kernel has no
 * ipip, sit, ip6tnl or fou), so one tenant's choice of encapsulation must not be able to fail a
 * whole edge: a service needing something missing is skipped on that edge, with this reason.
 */
/** Assumed when nothing was probed (dry run): everything. */
export const ALL_CAPABILITIES: KernelCapabilities = { seg6: true, ipip: true, sit: true, ip6tnl: true, fou: true, nft: true };

const WHAT: Record<KernelCapability, string> = {
  seg6: 'SRv6 encapsulation (seg6 lwtunnel)',
  ipip: 'the ipip tunnel module',
  sit: 'the sit tunnel module (IPv6 inside IPv4)',
  ip6tnl: 'the ip6_tunnel module',
  fou: 'the fou module (GUE)',
  nft: 'the nftables features of the data plane',
};

/** Kernel features one backend's tunnel needs (see routes.ts for how each is rendered). */
export function tunnelNeeds(encap: Encapsulation, backendFamily: 4 | 6, innerFamilies: readonly (4 | 6)[]): KernelCapability[] {
  if (encap === 'srv6') return ['seg6'];
  if (encap === 'ip6ip6') return ['ip6tnl'];
  const device: KernelCapability = backendFamily === 6 ? 'ip6tnl' : innerFamilies.includes(6) ? 'sit' : 'ipip';
  return encap === 'gue' ? [device, 'fou'] : [device];
}

/** Why this edge cannot program the service, or null when it can. */
export function unsupportedReason(svc: Pick<ServiceState, 'encapsulation' | 'addresses' | 'backends'>, caps: KernelCapabilities): string | null {
  const inner = [...new Set(svc.addresses.map((a) => a.family))];
  const missing = new Set<KernelCapability>();
  if (!caps.nft) missing.add('nft');
  for (const b of svc.backends) for (const need of tunnelNeeds(svc.encapsulation, familyOf(b.address), inner)) if (!caps[need]) missing.add(need);
  if (!missing.size) return null;
  return `encapsulation ${svc.encapsulation} needs ${[...missing].map((m) => WHAT[m]).join(' and ')}, which this edge's kernel lacks`;
}

/** Encapsulations a node with these capabilities can program for at least some backend family. */
export function supportedEncapsulations(caps: KernelCapabilities): Encapsulation[] {
  const out: Encapsulation[] = [];
  if (caps.seg6) out.push('srv6');
  if (caps.ipip || caps.sit) out.push('ipip');
  if (caps.ip6tnl) out.push('ip6ip6');
  if (caps.fou && (caps.ipip || caps.sit || caps.ip6tnl)) out.push('gue');
  return out;
}
