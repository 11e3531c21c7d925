import type { Encapsulation, KernelCapabilities } from '@anyfront/contracts';
import { supportedEncapsulations } from '@anyfront/dataplane';

/** One edge node that serves a service's PoPs, with the capabilities its agent reported (null: not yet). */
export interface NodeCapabilities {
  popCode: string;
  capabilities: KernelCapabilities | null;
}

/**
 * Why no edge of the service's PoPs can program the encapsulation, or null. Refuses only when every
 * such node has reported its capabilities and none supports it: a node that has not reported yet
 * may, and its agent skips the service itself if it cannot.
 */
export function encapsulationRefusalReason(encapsulation: Encapsulation, nodes: readonly NodeCapabilities[]): string | null {
  if (!nodes.length || nodes.some((n) => n.capabilities === null)) return null;
  if (nodes.some((n) => supportedEncapsulations(n.capabilities as KernelCapabilities).includes(encapsulation))) return null;
  const pops = [...new Set(nodes.map((n) => n.popCode))].sort();
  const usable = [...new Set(nodes.flatMap((n) => supportedEncapsulations(n.capabilities as KernelCapabilities)))].sort();
  return `no edge node of this service's PoPs (${pops.join(', ')}) can program encapsulation ${encapsulation}: their kernels lack the modules it needs. `
    + (usable.length ? `They support: ${usable.join(', ')}.` : 'They support no encapsulation at the moment.');
}
