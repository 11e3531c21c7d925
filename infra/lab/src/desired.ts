import { DESIRED_STATE_VERSION, DesiredState, desiredStateSchema, BackendState, HealthCheck, Listener } from '@anyfront/contracts';
import { encodeMaglevTable, maglevTableSize } from '@anyfront/maglev';
import { anycastV4, anycastV6, Backend, Edge, FLEET_SEED, pools, SERVICE_ID, SERVICE_PORT } from './topology';

export interface ComposeOptions {
  edge: Edge;
  generation: number;
  backends: Backend[];
  /** Backend ids to leave out (removed from the service) or to mark disabled. */
  without?: string[];
  disabled?: string[];
  hashSeed?: number;
  drained?: boolean;
  healthCheck?: Partial<HealthCheck>;
  /** Listeners of the service (default: TCP on the service port). */
  listeners?: Listener[];
  /** Per backend id: another verification token to demand (a token its kit does not hold), or null for none. Default: the backend's own. */
  verifyTokens?: Record<string, string | null>;
  /** A compiled Maglev table to ship (indexes into the listed backends sorted by id), as the control plane does. */
  maglevTable?: Int32Array;
}

/**
 * Health checks tight enough for a lab test to watch a backend go down within seconds, yet loose
 * enough that a busy shared CI machine does not flap a healthy backend on one edge only (which would
 * give the edges different Maglev tables).
 */
export const LAB_HEALTH_CHECK: HealthCheck = {
  protocol: 'http', port: SERVICE_PORT, path: '/health',
  interval_seconds: 1, timeout_seconds: 1, healthy_threshold: 2, unhealthy_threshold: 3,
};

/** The desired state the lab gives one edge: one service on every lab anycast address, SRv6 to the backends. */
export function composeDesiredState(o: ComposeOptions): DesiredState {
  const list: BackendState[] = o.backends
    .filter((b) => !(o.without ?? []).includes(b.id))
    .map((b) => {
      // Like the control plane, demand each backend's ownership proof (its kit holds the lab token).
      const token = o.verifyTokens?.[b.id] === undefined ? b.verifyToken : o.verifyTokens[b.id];
      return { id: b.id, address: b.link.peerV6, weight: 1, enabled: !(o.disabled ?? []).includes(b.id), ...(token ? { verify_token: token } : {}) };
    });
  const state: DesiredState = {
    version: DESIRED_STATE_VERSION,
    generation: o.generation,
    node: { id: o.edge.nodeId, pop: o.edge.pop, tunnel_source_ipv4: o.edge.link.peerV4, tunnel_source_ipv6: o.edge.link.peerV6 },
    hash_seed: o.hashSeed ?? FLEET_SEED,
    drained: o.drained ?? false,
    pools: pools.map((p) => ({ ...p })),
    services: [{
      id: SERVICE_ID,
      name: 'lab web service',
      addresses: [...anycastV4.map((address) => ({ address, family: 4 as const })), ...anycastV6.map((address) => ({ address, family: 6 as const }))],
      listeners: o.listeners ?? [{ protocol: 'tcp', port_from: SERVICE_PORT, port_to: SERVICE_PORT }],
      hash_mode: 'five_tuple',
      encapsulation: 'srv6',
      // M follows the service's configured size, not the backends left: changing M rehashes every flow.
      maglev_table_size: maglevTableSize(o.backends.length),
      backends: list,
      ...(o.maglevTable ? { maglev_table: encodeMaglevTable(o.maglevTable, list.length) } : {}),
      health_check: { ...LAB_HEALTH_CHECK, ...o.healthCheck },
    }],
  };
  // Fail here, in the lab, rather than as a refusal inside the agent.
  return desiredStateSchema.parse(state);
}
