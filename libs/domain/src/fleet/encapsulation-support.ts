import type { Encapsulation, KernelCapabilities } from '@anyfront/contracts';
import { supportedEncapsulations } from '@anyfront/dataplane';
import type { SqlRunner } from './fleet-store';

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

/** Registered, enabled edge nodes of the PoPs that announce the service's assigned addresses, with their capabilities. */
export async function serviceNodeCapabilities(db: SqlRunner, serviceId: string): Promise<NodeCapabilities[]> {
  const rows: Array<{ pop_code: string; capabilities: KernelCapabilities | null }> = await db.query(
    `SELECT p.code AS pop_code, f.capabilities
       FROM edge_nodes n
       JOIN pops p ON p.id = n.pop_id
       JOIN edge_node_fleet_states f ON f.edge_node_id = n.id AND f.registered_at IS NOT NULL
      WHERE n.state <> 'disabled'
        AND n.pop_id IN (SELECT pp.pop_id FROM anycast_addresses a
                           JOIN pools pl ON pl.id = a.pool_id AND pl.state IN ('active', 'draining')
                           JOIN pool_pops pp ON pp.pool_id = a.pool_id
                          WHERE a.service_id = $1 AND a.state = 'assigned')`,
    [serviceId],
  );
  return rows.map((r) => ({ popCode: r.pop_code, capabilities: r.capabilities }));
}
