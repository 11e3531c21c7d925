import { DesiredState, desiredStateSchema, ServiceState } from '@anyfront/contracts';

/** Builders for unit tests (not a spec file itself). */
export function service(id: string, over: Partial<ServiceState> = {}): ServiceState {
  return {
    id,
    addresses: [{ address: '198.51.100.10', family: 4 }],
    listeners: [{ protocol: 'tcp', port_from: 80, port_to: 80 }],
    hash_mode: 'five_tuple',
    encapsulation: 'srv6',
    maglev_table_size: 251,
    backends: [
      { id: 'b1', address: 'fd00:b::1', weight: 1, enabled: true },
      { id: 'b2', address: 'fd00:b::2', weight: 1, enabled: true },
    ],
    health_check: { protocol: 'tcp', port: 80, path: '/', interval_seconds: 1, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 1 },
    ...over,
  };
}

export function state(services: ServiceState[], over: Partial<DesiredState> = {}): DesiredState {
  return desiredStateSchema.parse({
    version: 1,
    generation: 1,
    node: { id: 'edge-1', pop: 'lab', tunnel_source_ipv4: '192.0.2.11', tunnel_source_ipv6: 'fd00:1::11' },
    hash_seed: 0x1234,
    pools: [{ id: 'p4', prefix: '198.51.100.0/24', family: 4 }],
    services,
    ...over,
  });
}
