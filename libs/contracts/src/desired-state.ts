import { z } from 'zod';
import * as ipaddr from 'ipaddr.js';
import { VERIFY_TOKEN_PATTERN, ENCAPSULATIONS, GUE_PORT_MAX, GUE_PORT_MIN, HASH_MODES, HEALTH_CHECK_PATH_PATTERN, HEALTH_CHECK_PROTOCOLS, LISTENER_PROTOCOLS } from './vocabulary';

/**
 * Desired state of one edge node: what the control plane (worker) pushes and the edge agent applies.
 * Wire format is snake_case JSON. Bump DESIRED_STATE_VERSION on any incompatible change.
 */
export const DESIRED_STATE_VERSION = 1 as const;

const ipv4 = z.string().refine((s) => ipaddr.IPv4.isValidFourPartDecimal(s), 'must be one IPv4 address in dotted-quad form');
// ipaddr.js accepts a zone id ("fd00::1%eth0"): it would name an interface in ip and nft commands.
const plainIpv6 = (s: string) => ipaddr.IPv6.isValid(s) && !s.includes('/') && !s.includes('%');
const ipv6 = z.string().refine(plainIpv6, 'must be one IPv6 address (no zone id)');
const ipAddress = z.string().refine((s) => ipaddr.IPv4.isValidFourPartDecimal(s) || plainIpv6(s), 'must be one IPv4 or IPv6 address (no zone id)');
const cidr = z.string().refine((s) => {
  try { ipaddr.parseCIDR(s); return true; } catch { return false; }
}, 'must be a prefix in CIDR form');
const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'ids are letters, digits and _.:-');
/** Base64 length of the largest table: M = 65537 entries of 10 bits (up to 1000 backends). */
export const MAGLEV_TABLE_MAX_CHARS = Math.ceil(Math.ceil((65537 * 10) / 8) / 3) * 4;
const port = z.number().int().min(1).max(65535);

export const listenerSchema = z.object({
  protocol: z.enum(LISTENER_PROTOCOLS),
  port_from: port,
  port_to: port,
}).strict().refine((l) => l.port_from <= l.port_to, 'port_from must not exceed port_to');

export const healthCheckSchema = z.object({
  protocol: z.enum(HEALTH_CHECK_PROTOCOLS),
  port,
  // Written into the probe's request line: CR/LF or spaces would inject headers (refused, 422).
  path: z.string().max(1024).regex(HEALTH_CHECK_PATH_PATTERN, 'must be an absolute URL path (RFC 3986 characters only: no spaces, CR or LF)').default('/'),
  interval_seconds: z.number().min(1).max(300),
  timeout_seconds: z.number().min(0.1).max(60),
  healthy_threshold: z.number().int().min(1).max(10),
  unhealthy_threshold: z.number().int().min(1).max(10),
}).strict();

export const backendSchema = z.object({
  /** Stable identity: Maglev orders backends by id, so every edge builds the same table. */
  id,
  address: ipAddress,
  weight: z.number().int().min(0).max(100),
  enabled: z.boolean(),
  /**
   * Ownership proof the edge demands before the backend gets traffic: the kit on the backend must
   * answer the challenge for this token through the tunnel (libs/domain backend-verification).
   * Absent: the control plane asks for no proof (BACKEND_VERIFICATION=off), the backend is live as before.
   */
  verify_token: z.string().regex(VERIFY_TOKEN_PATTERN, 'must be a backend verification token (afv_ + 64 hex digits)').optional(),
}).strict();

export const encapsulationSchema = z.enum(ENCAPSULATIONS);
export const hashModeSchema = z.enum(HASH_MODES);

export const serviceStateSchema = z.object({
  id,
  name: z.string().max(128).optional(),
  addresses: z.array(z.object({ address: ipAddress, family: z.union([z.literal(4), z.literal(6)]) }).strict()).min(1).max(16),
  listeners: z.array(listenerSchema).min(1).max(64),
  hash_mode: hashModeSchema,
  encapsulation: encapsulationSchema,
  /** UDP destination port of GUE encapsulation on the backend (only with encapsulation=gue). */
  gue_port: z.number().int().min(GUE_PORT_MIN).max(GUE_PORT_MAX).optional(),
  /** Maglev lookup table size M: a prime from the fixed list in @anyfront/maglev, M >= 100 x backends. */
  maglev_table_size: z.number().int().min(2).max(65537),
  backends: z.array(backendSchema).max(1000),
  /**
   * The service's Maglev lookup table compiled by the control plane (minimal-disruption fill),
   * identical on every edge: base64 of M entries bit-packed little-endian, each `index + 1` into
   * `backends` (0 = no backend) in the fewest bits holding backends.length + 1 values
   * (@anyfront/maglev encodeMaglevTable). Absent: the edge computes plain Maglev itself.
   */
  maglev_table: z.string().max(MAGLEV_TABLE_MAX_CHARS).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64').optional(),
  health_check: healthCheckSchema,
}).strict();

export const poolStateSchema = z.object({
  id,
  prefix: cidr,
  family: z.union([z.literal(4), z.literal(6)]),
}).strict();

export const desiredStateSchema = z.object({
  version: z.literal(DESIRED_STATE_VERSION),
  /** Grows with every change the control plane makes for this node; older ones are refused. */
  generation: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  node: z.object({
    id,
    pop: z.string().min(1).max(32),
    /** The edge's own unicast addresses: outer source of every tunnel packet, never the client's. */
    tunnel_source_ipv4: ipv4.optional(),
    tunnel_source_ipv6: ipv6.optional(),
  }).strict(),
  /** One fleet-wide seed: every edge hashes the same flow to the same bucket. */
  hash_seed: z.number().int().min(0).max(0xffffffff),
  /** Operator drain: keep forwarding, but withdraw every announcement. */
  drained: z.boolean().default(false),
  pools: z.array(poolStateSchema).max(1024),
  services: z.array(serviceStateSchema).max(4096),
}).strict();

export type Listener = z.infer<typeof listenerSchema>;
export type HealthCheck = z.infer<typeof healthCheckSchema>;
export type BackendState = z.infer<typeof backendSchema>;
export type ServiceState = z.infer<typeof serviceStateSchema>;
export type PoolState = z.infer<typeof poolStateSchema>;
export type DesiredState = z.infer<typeof desiredStateSchema>;
