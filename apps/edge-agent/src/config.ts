import { readFileSync } from 'node:fs';
import * as ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { statePublicKeySchema } from '@anyfront/contracts';
import { datapathSchema, XDP_CONFIG_DEFAULT, xdpConfigSchema } from './xdp/config';

/**
 * Agent configuration: one JSON file (`--config <path>` or ANYFRONT_AGENT_CONFIG) plus a few
 * environment overrides, validated once at start. See apps/edge-agent/README.md.
 */
const ipv4 = z.string().refine((s) => ipaddr.IPv4.isValidFourPartDecimal(s), 'must be an IPv4 address');
const ipv6 = z.string().refine((s) => ipaddr.IPv6.isValid(s) && !s.includes('/'), 'must be an IPv6 address');
const ip = z.string().refine((s) => ipaddr.isValid(s) && !s.includes('/'), 'must be an IPv4 or IPv6 address');
const asn = z.number().int().min(1).max(4294967294);
const cidr = z.string().refine((s) => {
  try { ipaddr.parseCIDR(s); return true; } catch { return false; }
}, 'must be a prefix in CIDR form, e.g. 192.0.2.0/24');

export const birdNeighborSchema = z.object({
  address: ip,
  as: asn,
  /** BIRD protocol name; defaults to up_<index>. */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,30}$/).optional(),
  /** Source address of the session (BIRD `source address`). */
  source_address: ip.optional(),
  multihop: z.number().int().min(1).max(255).optional(),
}).strict();

export const birdConfigSchema = z.object({
  /** When false the agent neither writes BIRD config nor talks to BIRD (data plane only). */
  enabled: z.boolean().default(true),
  config_path: z.string().min(1),
  control_socket: z.string().min(1),
  pid_file: z.string().min(1).optional(),
  binary: z.string().min(1).default('bird'),
  birdc: z.string().min(1).default('birdc'),
  /** The agent starts BIRD itself (`bird -c <config_path> -s <control_socket> -P <pid_file>`) and stops it on exit. */
  spawn: z.boolean().default(false),
  router_id: ipv4,
  local_as: asn,
  neighbors: z.array(birdNeighborSchema).default([]),
  bfd: z.boolean().default(false),
  /** >= 9 s: a short hold time flaps sessions on a busy edge; BFD (`bfd`) is the fast failure detector. */
  hold_time: z.number().int().min(9).max(65535).default(9),
  keepalive_time: z.number().int().min(1).max(65535).default(3),
  /** Ties the announcements to the agent's liveness (issue 9 §6, watchdog.ts). */
  watchdog: z.object({
    enabled: z.boolean().default(true),
    /** The pools are withdrawn when the agent's heartbeat (written every second) is older than this, or its process is gone. */
    timeout_seconds: z.number().min(1).max(300).default(5),
    /** Default: <state_dir>/heartbeat.json */
    heartbeat_file: z.string().min(1).optional(),
  }).strict().default({ enabled: true, timeout_seconds: 5 }),
}).strict();

export const healthConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** Probes of backend k leave from source ports base + 2k and base + 2k + 1; keep them out of the ephemeral range. */
  source_port_base: z.number().int().min(1024).max(65000).default(10000),
  /**
   * Uid/gid the probes run as (a child process): only this uid's sockets are marked into a tunnel.
   * Give it a dedicated system user (no service of the host may run as it); default nobody.
   */
  probe_uid: z.number().int().min(1).max(4294967294).default(65534),
  probe_gid: z.number().int().min(1).max(4294967294).default(65534),
  /**
   * After a passing health probe, check that full-size packets (1500 bytes with the tunnel headers)
   * reach the backend: a backend whose path is narrower is unhealthy, with the reason (issue 9 §5).
   * Only backends with a backend kit (a verify token) are probed: the kit answers it.
   */
  path_mtu_probe: z.boolean().default(true),
  /** A passed path MTU probe holds this long (it costs a connection and a few kB); while it fails it runs with every health probe. */
  path_mtu_recheck_seconds: z.number().min(0).max(3600).default(30),
}).strict();

export const controlPlaneConfigSchema = z.object({
  /** Base URL of the Anyfront API, e.g. https://api.anyfront.example */
  url: z.url({ protocol: /^https?$/ }),
  /** Node credential (afn_...) from registration; or put it in credential_file. */
  credential: z.string().min(8).optional(),
  credential_file: z.string().min(1).optional(),
  /** Where the control plane should push desired states (sent with push_token at start via PUT /v1/agent/push-endpoint). */
  push_url: z.url({ protocol: /^https?$/ }).optional(),
  pull_interval_seconds: z.number().min(1).max(3600).default(30),
  status_interval_seconds: z.number().min(1).max(3600).default(15),
  traffic_interval_seconds: z.number().int().min(1).max(3600).default(10),
}).strict().refine((c) => (c.credential ? 1 : 0) + (c.credential_file ? 1 : 0) === 1, 'set exactly one of credential and credential_file');

export const agentConfigSchema = z.object({
  node_id: z.string().min(1).max(64),
  state_dir: z.string().min(1),
  /** Standalone/lab mode: desired state read from this file, reloaded when it changes and on SIGHUP. */
  desired_state_file: z.string().min(1).optional(),
  listen: z.object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(9180),
    /**
     * Serve the local API (pushes included) over HTTPS with a self-signed certificate kept in
     * state_dir; its SHA-256 fingerprint goes to the control plane with the push URL and the worker
     * pins it. Required outside the lab: the control plane refuses http:// push URLs there.
     */
    tls: z.boolean().default(false),
  }).strict().default({ host: '127.0.0.1', port: 9180, tls: false }),
  /**
   * Public keys (raw Ed25519, base64url) whose signatures make a desired state acceptable, besides
   * the ones registration stored in state_dir/control-plane.json. Standalone/lab agents need one.
   */
  state_keys: z.array(statePublicKeySchema).max(8).default([]),
  /**
   * Defense in depth: the prefixes this edge may announce (the pools of its PoP). A desired state with
   * a pool outside them is refused, however well signed. Unset: no limit (the agent warns at start).
   */
  allowed_prefixes: z.array(cidr).max(1024).optional(),
  /** Lab/demo only (like the API's ALLOW_DOCUMENTATION_ADDRESSES): accept documentation and unique-local backends. */
  allow_documentation_addresses: z.boolean().default(false),
  /** Bearer token for the local POST endpoints (drain, undrain, a hand-made push) and remote status reads. The control plane's pushes are signed instead (no token). */
  push_token: z.string().min(16).optional(),
  /** Device that carries tunnel packets (the upstream interface). */
  uplink_device: z.string().min(1).max(15),
  /** Fallbacks when the desired state does not carry the node's tunnel sources. */
  tunnel_source_ipv4: ipv4.optional(),
  tunnel_source_ipv6: ipv6.optional(),
  nft_table: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/).default('anyfront'),
  /** fwmark/route table of backend k = mark_base + k; keep clear of marks the host uses. */
  mark_base: z.number().int().min(1).max(0x7fffffff).default(0x100000),
  mark_count: z.number().int().min(1).max(0x100000).default(10000),
  rule_priority: z.number().int().min(1).max(32000).default(1000),
  tunnel_device_prefix: z.string().regex(/^[a-z][a-z0-9]{0,4}$/).default('aft'),
  flow_timeout_seconds: z.number().int().min(1).max(86400).default(300),
  flow_table_size: z.number().int().min(1024).max(16777216).default(262144),
  /** Idle timeout of a flow entry that has seen only its first non-SYN packet (issue 9 §3). */
  /** A backend removed from the desired state keeps its running flows (no new ones) this long before its route goes. 0 = cut at once. */
  backend_drain_seconds: z.number().min(0).max(3600).default(30),
  flow_handshake_timeout_seconds: z.number().int().min(1).max(3600).default(10),
  /** New flows per second above which the edge is under flood: no new flow entries (counted). */
  flood_new_flows_per_second: z.number().int().min(1).max(100_000_000).default(100_000),
  /** Every so often re-apply the applied state against the kernel (repairs drift; writes nothing if it matches). 0 = off. */
  resync_interval_seconds: z.number().min(0).max(86400).default(30),
  /** Render and log, touch nothing (no nft, ip, BIRD). */
  dry_run: z.boolean().default(false),
  bird: birdConfigSchema.optional(),
  health: healthConfigSchema.default({ enabled: true, source_port_base: 10000, probe_uid: 65534, probe_gid: 65534, path_mtu_probe: true, path_mtu_recheck_seconds: 30 }),
  /** nft, or the XDP fast path in front of it (apps/edge-agent/src/xdp/config.ts); unset: xdp where supported. */
  datapath: datapathSchema.optional(),
  /** How the XDP fast path is loaded and attached. */
  xdp: xdpConfigSchema.default(XDP_CONFIG_DEFAULT),
  /** The verdict this edge gives as its PoP's canary (staged rollout): its counter check (verdict-counters.ts). */
  verdict: z.object({
    /** The longest the verdict waits for a service that forwarded before the change to forward again; 0 = no counter check. */
    counter_window_ms: z.number().int().min(0).max(10_000).default(1000),
    /** Packets arriving for a service's listeners, none forwarded, that fail the verdict. */
    counter_min_packets: z.number().int().min(1).max(1_000_000).default(20),
  }).strict().default({ counter_window_ms: 1000, counter_min_packets: 20 }),
  /** Optional: pull desired state from, and report status and traffic to, the Anyfront API. */
  control_plane: controlPlaneConfigSchema.optional(),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
}).strict();

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type BirdConfig = z.infer<typeof birdConfigSchema>;
export type ControlPlaneConfig = z.infer<typeof controlPlaneConfigSchema>;

/** Environment variables that override single config fields (after the file is read). */
export const ENV_OVERRIDES: Record<string, (c: Record<string, unknown>, v: string) => void> = {
  ANYFRONT_AGENT_NODE_ID: (c, v) => { c.node_id = v; },
  ANYFRONT_AGENT_STATE_DIR: (c, v) => { c.state_dir = v; },
  ANYFRONT_AGENT_DESIRED_STATE_FILE: (c, v) => { c.desired_state_file = v; },
  ANYFRONT_AGENT_LISTEN_HOST: (c, v) => { c.listen = { ...(c.listen as object), host: v }; },
  ANYFRONT_AGENT_LISTEN_PORT: (c, v) => { c.listen = { ...(c.listen as object), port: Number(v) }; },
  ANYFRONT_AGENT_PUSH_TOKEN: (c, v) => { c.push_token = v; },
  ANYFRONT_AGENT_ALLOWED_PREFIXES: (c, v) => { c.allowed_prefixes = v.split(/[\s,]+/).filter(Boolean); },
  ANYFRONT_AGENT_STATE_KEYS: (c, v) => { c.state_keys = v.split(/[\s,]+/).filter(Boolean); },
  ANYFRONT_AGENT_UPLINK_DEVICE: (c, v) => { c.uplink_device = v; },
  ANYFRONT_AGENT_DRY_RUN: (c, v) => { c.dry_run = v === '1' || v === 'true'; },
  ANYFRONT_AGENT_LOG_LEVEL: (c, v) => { c.log_level = v; },
  ANYFRONT_AGENT_CONTROL_PLANE_URL: (c, v) => { c.control_plane = { ...(c.control_plane as object), url: v }; },
  ANYFRONT_AGENT_CREDENTIAL: (c, v) => { c.control_plane = { ...(c.control_plane as object), credential: v }; },
};

export class ConfigError extends Error {}

/** Validates raw config plus env overrides into a typed object; throws ConfigError with every problem listed. */
export function parseAgentConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): AgentConfig {
  const merged: Record<string, unknown> = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : {};
  for (const [name, apply] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v !== undefined && v !== '') apply(merged, v);
  }
  const parsed = agentConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(`invalid agent config:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function loadAgentConfig(path: string | undefined, env: NodeJS.ProcessEnv): AgentConfig {
  const file = path ?? env.ANYFRONT_AGENT_CONFIG;
  let raw: unknown = {};
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`cannot read agent config ${file}: ${(e as Error).message}`);
    }
  }
  return parseAgentConfig(raw, env);
}
