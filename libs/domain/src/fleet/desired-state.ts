import * as ipaddr from 'ipaddr.js';
import {
  ANNOUNCED_POOL_STATES,
  DESIRED_STATE_VERSION,
  type AddressState,
  type DesiredState,
  type Encapsulation,
  type FleetState,
  type HashMode,
  type IpFamily,
  type KernelCapabilities,
  type ListenerProtocol,
  type ServiceState,
  type ServiceStatus,
} from '@anyfront/contracts';
import type { HealthCheck } from '../service/health-check';
import { parsePortRange } from '../service/listeners';
import { canonicalJson, sha256Hex } from './canonical-json';
import { type CompiledMaglevTable, serviceMaglevTableSize } from './maglev-tables';
import { type ExcludedService, type PublishCheck, PUBLISH_CHECKS, publishExclusion } from './publish-filter';

/** Plain inputs of one node's desired state, as loaded from Postgres (see libs/db fleet-state.repository.ts). */
export interface FleetNodeInput {
  id: string;
  popId: string;
  popCode: string;
  /** Edge node admin state; 'disabled' serves nothing, 'draining' withdraws like an operator drain. */
  state: FleetState;
  /** Operator drain of the node or of its whole PoP. */
  drained: boolean;
  tunnelSourceIpv4: string | null;
  tunnelSourceIpv6: string | null;
  /** Kernel capabilities the node's agent reported (probed at its start); null/absent until reported. */
  capabilities?: KernelCapabilities | null;
}

export interface FleetPoolInput {
  id: string;
  prefix: string;
  family: IpFamily;
  state: FleetState;
  /** The PoP set that announces the pool. */
  popIds: string[];
}

export interface FleetServiceInput {
  id: string;
  name: string;
  status: ServiceStatus;
  listeners: { protocol: ListenerProtocol; ports: string }[];
  hashMode: HashMode;
  encapsulation: Encapsulation;
  /** GUE's UDP port on the backends; set exactly when encapsulation is gue. */
  guePort: number | null;
  healthCheck: HealthCheck;
  addresses: { address: string; family: IpFamily; poolId: string; state: AddressState }[];
  /** The service's stored high-water table size (0 when none): M never shrinks when backends go. */
  maglevTableSizeFloor?: number;
  /** verifyToken: the edges demand the backend kit's proof for it before it gets traffic (backend-verification.ts). */
  backends: { id: string; address: string; weight: number; enabled: boolean; verifyToken?: string | null }[];
  /** ISO time the service was created: per-node budgets go to older services first. */
  createdAt?: string;
  /** The service's stored table as loaded (see maglev-tables.ts). */
  storedMaglevTable?: CompiledMaglevTable | null;
  /** The shared table to ship (encodeMaglevTable, indexes the backends sorted by id); absent: edges compute plain Maglev. */
  maglevTable?: string;
  /** Set while the owning organization is suspended (billing): why its services are withdrawn from the fleet. */
  suspension?: string | null;
}

export interface DesiredStateInput {
  node: FleetNodeInput;
  pools: FleetPoolInput[];
  services: FleetServiceInput[];
  hashSeed: number;
  generation: number;
}

/** A service left out of a node's state (kept for callers of computeDesiredState's `skipped`). */
export type SkippedService = ExcludedService;

/** One node's state with the services the publish filter left out, and each published part's hash. */
export interface NodeStatePlan {
  state: DesiredState;
  /** Services that would have been in the state but were left out, with the reason (id order). */
  excluded: ExcludedService[];
  /** serviceStateHash of each published service part, by service id. */
  serviceHashes: Map<string, string>;
}

/** Only active services are programmed; pending, waiting, deleting and deleted ones are not. */
const SERVED_SERVICE_STATUSES: ReadonlySet<ServiceStatus> = new Set(['active']);
const ANNOUNCED_POOLS: ReadonlySet<FleetState> = new Set(ANNOUNCED_POOL_STATES);

/** Plain code-unit order (never localeCompare: it depends on the ICU data of the Node build). */
function byKey<T>(key: (t: T) => string | number) {
  return (a: T, b: T) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/** Numeric address order: IPv4 before IPv6, then by bytes (zero-padded hex compares like the number). */
function addressKey(address: string): string {
  const bytes = ipaddr.parse(address).toByteArray();
  return `${bytes.length === 4 ? 4 : 6}:${bytes.map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function normalizeAddress(address: string): string {
  return ipaddr.parse(address.split('/')[0] ?? address).toString();
}

/**
 * The desired state of one edge node, computed only from its inputs: the pools its PoP announces,
 * the active services holding addresses in those pools (with only those addresses), their listeners,
 * backends (sorted by id, disabled ones marked) and health check, the fleet seed and the generation.
 * Every list is sorted, so equal inputs give byte-identical JSON on every run and every machine.
 *
 * Each service passes the publish filter (publish-filter.ts) before it goes in: a service whose
 * stored settings cannot be rendered, or that fails a publish check for this node (e.g. the agent
 * would refuse it), is left out and listed in `excluded` with the reason, instead of failing the
 * whole node.
 */
export function planNodeState(input: DesiredStateInput, checks: readonly PublishCheck[] = PUBLISH_CHECKS): NodeStatePlan {
  const { node } = input;
  const disabled = node.state === 'disabled';
  const pools = disabled
    ? []
    : input.pools.filter((p) => p.popIds.includes(node.popId) && ANNOUNCED_POOLS.has(p.state)).sort(byKey((p) => p.id));
  const poolIds = new Set(pools.map((p) => p.id));

  const services: ServiceState[] = [];
  const excluded: ExcludedService[] = [];
  const serviceHashes = new Map<string, string>();
  // Oldest first, so a per-node budget (node-budget.ts) never lets a new service push out one
  // that already runs; the published list is sorted by id again below.
  for (const s of [...input.services].sort(byKey((s) => `${s.createdAt ?? ''}|${s.id}`))) {
    if (!SERVED_SERVICE_STATUSES.has(s.status)) continue;
    const addresses = s.addresses
      .filter((a) => a.state === 'assigned' && poolIds.has(a.poolId))
      .map((a) => ({ address: normalizeAddress(a.address), family: a.family }))
      .sort(byKey((a) => addressKey(a.address)));
    if (!addresses.length) continue;
    let rendered: ServiceState;
    try {
      rendered = serviceState(s, addresses);
    } catch (err) {
      excluded.push({ id: s.id, reason: (err as Error).message });
      continue;
    }
    const contentHash = serviceStateHash(rendered);
    const reason = publishExclusion({ node, service: s, rendered, contentHash, accepted: services }, checks);
    if (reason !== null) {
      excluded.push({ id: s.id, reason });
      continue;
    }
    services.push(rendered);
    serviceHashes.set(s.id, contentHash);
  }
  services.sort(byKey((s) => s.id));
  excluded.sort(byKey((e) => e.id));
  const hashesById = new Map([...serviceHashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  const state: DesiredState = {
    version: DESIRED_STATE_VERSION,
    generation: input.generation,
    node: {
      id: node.id,
      pop: node.popCode,
      ...(node.tunnelSourceIpv4 ? { tunnel_source_ipv4: normalizeAddress(node.tunnelSourceIpv4) } : {}),
      ...(node.tunnelSourceIpv6 ? { tunnel_source_ipv6: normalizeAddress(node.tunnelSourceIpv6) } : {}),
    },
    hash_seed: input.hashSeed,
    drained: node.drained || node.state !== 'active',
    pools: pools.map((p) => ({ id: p.id, prefix: p.prefix, family: p.family })),
    services,
  };
  return { state, excluded, serviceHashes: hashesById };
}

/**
 * planNodeState's state. Without `skipped`, a service the publish filter leaves out is an error
 * (tests and tools that expect every service to publish); with it, the left-out services go there.
 */
export function computeDesiredState(input: DesiredStateInput, skipped?: SkippedService[]): DesiredState {
  const plan = planNodeState(input);
  if (!skipped) {
    const first = plan.excluded[0];
    if (first) throw new Error(`service ${first.id}: ${first.reason}`);
  } else {
    skipped.push(...plan.excluded);
  }
  return plan.state;
}

function serviceState(s: FleetServiceInput, addresses: ServiceState['addresses']): ServiceState {
  const listeners = s.listeners
    .map((l) => {
      const r = parsePortRange(l.ports);
      if (!r.ok) throw new Error(`stored listener "${l.ports}" is invalid: ${r.message}`);
      return { protocol: l.protocol, port_from: r.from, port_to: r.to };
    })
    .sort(byKey((l) => `${l.protocol}:${String(l.port_from).padStart(5, '0')}`));
  const backends = [...s.backends]
    .sort(byKey((b) => b.id))
    .map((b) => ({ id: b.id, address: normalizeAddress(b.address), weight: b.weight, enabled: b.enabled, ...(b.verifyToken ? { verify_token: b.verifyToken } : {}) }));
  const hc = s.healthCheck;
  return {
    id: s.id,
    name: s.name,
    addresses,
    listeners,
    hash_mode: s.hashMode,
    encapsulation: s.encapsulation,
    // A gue service stored without its port renders without it; the publish filter leaves it out.
    ...(s.encapsulation === 'gue' && s.guePort !== null ? { gue_port: s.guePort } : {}),
    // M is sized by every listed backend (enabled or not), so disabling one does not resize the
    // table, and never drops below the service's high-water mark, so deleting one does not either.
    maglev_table_size: serviceMaglevTableSize(backends.length, s.maglevTableSizeFloor),
    backends,
    ...(s.maglevTable !== undefined ? { maglev_table: s.maglevTable } : {}),
    health_check: {
      protocol: hc.protocol,
      port: hc.port,
      path: hc.path ?? '/',
      interval_seconds: hc.interval_seconds,
      timeout_seconds: hc.timeout_seconds,
      healthy_threshold: hc.healthy_threshold,
      unhealthy_threshold: hc.unhealthy_threshold,
    },
  };
}

/** Hash of everything but the generation: equal hashes mean nothing changed for the node. */
export function desiredStateHash(state: DesiredState): string {
  return sha256Hex(canonicalJson({ ...state, generation: 0 }));
}

/** Hash of one service's part of a node's state (deploy status tracks changes per service). */
export function serviceStateHash(service: ServiceState): string {
  return sha256Hex(canonicalJson(service));
}
