/**
 * The platform's vocabulary: every enumerated value that the API (DTOs and OpenAPI), the database
 * (entities), the worker, the edge agent (desired-state schema, renderers) and the backend kit share.
 * Defined here once and imported everywhere. The migrations' CHECK constraints necessarily repeat
 * the stored ones (migrations are history); `vocabulary.int-spec.ts` keeps the two equal.
 */

/** `must be one of "a", "b" or "c"`: the validation message for a value outside a list. */
export function oneOf(values: readonly (string | number)[]): string {
  const quoted = values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v)));
  const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : (quoted[0] ?? '');
  return `must be ${quoted.length > 1 ? 'one of ' : ''}${list}`;
}

// ---- addresses

export const IP_FAMILIES = [4, 6] as const;
export type IpFamily = (typeof IP_FAMILIES)[number];

// ---- services

/** How an edge tunnels a client packet to a backend (the inner packet stays as the client sent it). */
export const ENCAPSULATIONS = ['srv6', 'ipip', 'ip6ip6', 'gue'] as const;
export type Encapsulation = (typeof ENCAPSULATIONS)[number];
export const DEFAULT_ENCAPSULATION: Encapsulation = 'srv6';

/**
 * The backend address families each encapsulation can reach: the outer header has the backend's
 * family. srv6 and ip6ip6 are IPv6 outer headers, ipip an IPv4 one; GUE (UDP) is carried by an
 * ipip/sit device to an IPv4 backend or an ip6tnl device to an IPv6 backend, so it reaches either.
 * The one rule the API (backend and encapsulation checks), the agent's validation, the route
 * renderer and the backend kit all apply.
 */
export const ENCAPSULATION_BACKEND_FAMILIES: Readonly<Record<Encapsulation, readonly IpFamily[]>> = {
  srv6: [6],
  ip6ip6: [6],
  ipip: [4],
  gue: [4, 6],
};

/**
 * GUE's UDP destination port on the backend (`ip fou add port <gue_port> gue`): a service setting,
 * set only with encapsulation gue. Below 1024 are well-known services the backend may run itself.
 */
export const GUE_PORT_MIN = 1024;
export const GUE_PORT_MAX = 65535;
export const DEFAULT_GUE_PORT = 6080;

/** five_tuple spreads a client's connections over backends; client_ip keeps a client on one (affinity). */
export const HASH_MODES = ['five_tuple', 'client_ip'] as const;
export type HashMode = (typeof HASH_MODES)[number];
export const DEFAULT_HASH_MODE: HashMode = 'five_tuple';

export const LISTENER_PROTOCOLS = ['tcp', 'udp'] as const;
export type ListenerProtocol = (typeof LISTENER_PROTOCOLS)[number];

export const HEALTH_CHECK_PROTOCOLS = ['tcp', 'http'] as const;
export type HealthCheckProtocol = (typeof HEALTH_CHECK_PROTOCOLS)[number];

/**
 * A health-check HTTP path: absolute URL path with an optional query, RFC 3986 pchar, "/" and "?"
 * only (no spaces, CR, LF: the agent writes it into its request line). The API and the agent's
 * desired-state schema both check it.
 */
export const HEALTH_CHECK_PATH_PATTERN = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?$/;

/** A listener as the API takes and the database stores it (the desired state splits the range). */
export interface ServiceListener {
  protocol: ListenerProtocol;
  /** Canonical text: "443" or "8000-8100". */
  ports: string;
}

/** Health-check settings as the API returns and the database stores them. */
export interface ServiceHealthCheck {
  protocol: HealthCheckProtocol;
  port: number;
  /** HTTP only; null for tcp. */
  path: string | null;
  interval_seconds: number;
  timeout_seconds: number;
  healthy_threshold: number;
  unhealthy_threshold: number;
}

/**
 * A service's lifecycle: pending until the worker assigns its addresses, then active;
 * waiting_for_capacity while the pools are full; deleting while the edges drop it; deleted.
 * (Whether the edges run it is the deploy status, per PoP.)
 */
export const SERVICE_STATUSES = ['pending', 'active', 'waiting_for_capacity', 'deleting', 'deleted'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

// ---- deploy status (services on the edge fleet)

/**
 * Per edge node and per PoP: deploying until the node applied the service's latest change;
 * waiting_for_verified_backend while the node has verified none of the service's backends (no
 * backend kit answered its ownership challenge: an unverified backend gets no traffic);
 * waiting_for_healthy_backend while no verified backend has passed the node's health checks (its
 * requests would fail); then deployed; failed when the publish-time filter left the service out of
 * the node's state because the node cannot run it (the reason is reported with it).
 */
export const NODE_DEPLOY_STATUSES = ['deploying', 'waiting_for_verified_backend', 'waiting_for_healthy_backend', 'deployed', 'failed'] as const;
export type NodeDeployStatus = (typeof NODE_DEPLOY_STATUSES)[number];

/** A service's overall deploy status: pending (not active yet), no_edge_nodes (nothing serves it), or the worst of its PoPs. */
export const DEPLOY_STATUSES = ['pending', 'no_edge_nodes', ...NODE_DEPLOY_STATUSES] as const;
export type DeployStatus = (typeof DEPLOY_STATUSES)[number];

// ---- edge kernel capabilities (probed by the agent at start, reported with its heartbeat)

/**
 * Kernel features an edge needs per encapsulation: seg6 (SRv6 lwtunnel), ipip, sit (IPv6 inside
 * IPv4), ip6tnl, fou (GUE), nft (the data plane's nftables features). Some kernels lack the tunnel
 * modules; a service needing a missing one is skipped on that edge (deploy status `failed`).
 */
export const KERNEL_CAPABILITIES = ['seg6', 'ipip', 'sit', 'ip6tnl', 'fou', 'nft'] as const;
export type KernelCapability = (typeof KERNEL_CAPABILITIES)[number];
/** `xdp`: the edge's XDP fast path can run (optional: older agents do not report it; no service needs it). */
export type KernelCapabilities = Record<KernelCapability, boolean> & { xdp?: boolean };

// ---- backend health (reported by the agents)

/** One backend on one PoP or overall: healthy everywhere, unhealthy everywhere, degraded in between, unknown without recent reports. */
export const BACKEND_HEALTH_STATES = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const;
export type BackendHealthState = (typeof BACKEND_HEALTH_STATES)[number];

// ---- backend ownership verification (issue 8): the kit on the backend proves it serves this backend row

/**
 * pending: not proven yet (no answer from the backend kit through the tunnel so far); verified: the
 * kit answered the edges' challenge with this backend's proof; failed: something answered, but not
 * with this backend's proof (another backend's token, no token for it) or a verified backend started
 * answering wrongly. Only verified backends get tenant traffic.
 */
export const BACKEND_VERIFICATION_STATES = ['pending', 'verified', 'failed'] as const;
export type BackendVerificationState = (typeof BACKEND_VERIFICATION_STATES)[number];

/** Per-backend token the API gives the tenant for the kit: `afv_` + 64 hex digits (32 random bytes). */
export const VERIFY_TOKEN_PREFIX = 'afv_';
export const VERIFY_TOKEN_PATTERN = /^afv_[0-9a-f]{64}$/;
/** TCP port the backend kit answers challenges on, on the service's anycast addresses (through the tunnel). */
export const BACKEND_VERIFY_PORT = 61080;
/** HTTP path of a challenge: `<prefix><token id>?nonce=<hex>`; the answer is the proof (hex) as text/plain. */
export const BACKEND_VERIFY_PATH_PREFIX = '/.well-known/anyfront-verify/';
/**
 * HTTP path of the edges' path MTU probe on the same port: `POST <path>?nonce=<hex>` with a body of
 * full-size segments; the kit answers `anyfront-mtu-v1 <nonce> <bytes received>` (issue 9 §5).
 */
export const BACKEND_PATH_MTU_PATH = '/.well-known/anyfront-mtu';
/** The packet size (outer, tunnel headers included) every backend's path from the edges must carry. */
export const BACKEND_PATH_MTU = 1500;

/** A service's overall backend health: down when no backend is healthy anywhere. */
export const SERVICE_HEALTH_STATES = ['healthy', 'degraded', 'down', 'unknown'] as const;
export type ServiceHealthState = (typeof SERVICE_HEALTH_STATES)[number];

// ---- pools, anycast addresses, edge nodes

/** global: announced from every PoP of the pool's set; regional: only inside its region (chosen by DNS). */
export const POOL_SCOPES = ['global', 'regional'] as const;
export type PoolScope = (typeof POOL_SCOPES)[number];

/** Admin state of pools and edge nodes: draining keeps what it has but takes nothing new; disabled is off. */
export const FLEET_STATES = ['active', 'draining', 'disabled'] as const;
export type FleetState = (typeof FLEET_STATES)[number];
export const POOL_STATES = FLEET_STATES;
export const EDGE_NODE_STATES = FLEET_STATES;
/** Pool states whose prefixes the edges announce (a draining pool keeps serving its addresses). */
export const ANNOUNCED_POOL_STATES: readonly FleetState[] = ['active', 'draining'];

/** An anycast address is assigned to a service, or quarantined after release until it may be reused. */
export const ADDRESS_STATES = ['assigned', 'quarantined'] as const;
export type AddressState = (typeof ADDRESS_STATES)[number];

// ---- accounts

export const ORGANIZATION_ROLES = ['owner', 'member'] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];
export const DEFAULT_ORGANIZATION_ROLE: OrganizationRole = 'member';

/** Who a request acts as: an organization role, or a platform operator. */
export const PRINCIPAL_ROLES = [...ORGANIZATION_ROLES, 'operator'] as const;
export type PrincipalRole = (typeof PRINCIPAL_ROLES)[number];

export const CREDENTIAL_KINDS = ['session', 'api_key'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** Audit entries also record changes the platform made itself. */
export const AUDIT_ACTOR_CREDENTIALS = [...CREDENTIAL_KINDS, 'system'] as const;
export type AuditActorCredential = (typeof AUDIT_ACTOR_CREDENTIALS)[number];

// ---- traffic

export const TRAFFIC_SAMPLE_KINDS = ['address', 'backend'] as const;
export type TrafficSampleKind = (typeof TRAFFIC_SAMPLE_KINDS)[number];

/** Where a traffic answer's figures come from: raw agent reports (recent) or hourly roll-ups (older). */
export const TRAFFIC_SOURCES = ['raw', 'hourly'] as const;
export type TrafficSource = (typeof TRAFFIC_SOURCES)[number];
