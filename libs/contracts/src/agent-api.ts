import { z } from 'zod';
import * as ipaddr from 'ipaddr.js';
import { stateSigningKeySchema } from './state-signature';
import { BACKEND_VERIFICATION_STATES, KERNEL_CAPABILITIES, type KernelCapability } from './vocabulary';

/**
 * Wire contract of the agent-facing control-plane API (edge agent -> api), snake_case JSON.
 * Every call but register sends `Authorization: Bearer <node credential>`.
 */

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
const counter = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const ipAddress = z.string().refine((s) => ipaddr.IPv4.isValidFourPartDecimal(s) || (ipaddr.IPv6.isValid(s) && !s.includes('/')), 'must be one IPv4 or IPv6 address');

export const NODE_CREDENTIAL_PREFIX = 'afn_';
export const BOOTSTRAP_TOKEN_PREFIX = 'afb_';

/** SHA-256 of the agent's push certificate, hex with or without colons (Node's X509Certificate.fingerprint256). */
const tlsFingerprint = z.string().regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/, 'must be a SHA-256 certificate fingerprint (64 hex digits, colons allowed)');

export const agentRegisterRequestSchema = z.object({
  bootstrap_token: z.string().min(1).max(200),
  /** Where the control plane pushes desired states: the agent's `POST /v1/desired-state`, e.g. http://10.0.0.5:9180/v1/desired-state. */
  push_url: z.url({ protocol: /^https?$/ }).max(2048),
  /**
   * The agent's own token for its local endpoints (drain, undrain, a hand-made push); omitted: the
   * control plane makes one and returns it. Never stored: the control plane signs its pushes instead.
   */
  push_token: z.string().min(16).max(256).optional(),
  /** With an https:// push_url: the fingerprint of the agent's self-signed push certificate; the worker talks TLS only to that certificate. */
  push_tls_fingerprint: tlsFingerprint.optional(),
}).strict();

export const agentPushEndpointSchema = z.object({
  push_url: z.url({ protocol: /^https?$/ }).max(2048),
  /** Ignored (older agents send it): pushes are authenticated by the control plane's signature, nothing is stored. */
  push_token: z.string().min(16).max(256).optional(),
  /** With an https:// push_url: the fingerprint of the agent's self-signed push certificate (pinned by the worker). */
  push_tls_fingerprint: tlsFingerprint.optional(),
}).strict();

export const kernelCapabilitiesSchema = z.object({
  ...(Object.fromEntries(KERNEL_CAPABILITIES.map((c) => [c, z.boolean()])) as Record<KernelCapability, z.ZodBoolean>),
  /** The XDP fast path loads and attaches to the uplink (agents since issue 13; not a requirement of any service). */
  xdp: z.boolean().optional(),
}).strict();

export const agentStatusSchema = z.object({
  applied_generation: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  announced: z.boolean(),
  drained: z.boolean(),
  programmed: z.boolean().optional(),
  last_error: z.string().max(4000).nullable().default(null),
  services: z.array(z.object({
    id: uuid,
    backends: z.array(z.object({
      id: uuid,
      healthy: z.boolean(),
      /** Why it is unhealthy on this edge (its last failing check, e.g. a path MTU below 1500); absent when healthy or unknown (older agents). */
      reason: z.string().max(500).nullable().optional(),
      /** Only for backends whose desired state demanded a proof (verify_token). */
      verification: z.object({
        state: z.enum(BACKEND_VERIFICATION_STATES),
        /** Why it is not verified (or what the last challenge saw). */
        reason: z.string().max(500).nullable().default(null),
        /** When this edge last sent the backend a challenge (null: not yet). */
        checked_at: z.iso.datetime({ offset: true }).nullable().default(null),
      }).strict().optional(),
    }).strict()).max(1000),
  }).strict()).max(4096).default([]),
  /** What the edge's kernel can program (probed at agent start); absent: not probed (dry run, older agent). */
  capabilities: kernelCapabilitiesSchema.optional(),
  /** Services of the applied generation this edge skipped because it cannot program them, with the reason. */
  failed_services: z.array(z.object({ id: uuid, reason: z.string().min(1).max(1000) }).strict()).max(4096).default([]),
}).strict();

export const MAX_TRAFFIC_ENTRIES = 2000;

export const trafficReportSchema = z.object({
  /** Per node, never reused (the agent persists it): (node, sequence) makes ingestion idempotent. */
  sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  interval_start: z.iso.datetime({ offset: true }),
  interval_seconds: z.number().int().min(1).max(3600),
  addresses: z.array(z.object({ address: ipAddress, bytes: counter, packets: counter }).strict()).max(MAX_TRAFFIC_ENTRIES),
  backends: z.array(z.object({ backend_id: uuid, bytes: counter, packets: counter }).strict()).max(MAX_TRAFFIC_ENTRIES).default([]),
}).strict();

export type AgentRegisterRequest = z.infer<typeof agentRegisterRequestSchema>;
export type AgentPushEndpoint = z.infer<typeof agentPushEndpointSchema>;
export type AgentStatusReport = z.input<typeof agentStatusSchema>;
export type TrafficReport = z.input<typeof trafficReportSchema>;

// ---- the control plane's answers (documented in OpenAPI from these schemas)

export const agentRegisterResponseSchema = z.object({
  node_id: uuid,
  node_name: z.string(),
  pop: z.string(),
  /** Long-lived node credential, shown once. */
  credential: z.string(),
  /** The agent's local token (the one it sent, or a new one); the control plane does not keep it. */
  push_token: z.string(),
  /** Public keys the agent must verify every desired state with (the signing key first; more during a rotation). */
  state_signing_keys: z.array(stateSigningKeySchema).min(1).max(8),
}).strict();

export const agentCredentialResponseSchema = z.object({
  /** The new node credential, shown once; the old one stopped working. */
  credential: z.string(),
}).strict();

export const agentStatusResponseSchema = z.object({
  /** The node's newest desired-state generation: pull when it is above the applied one. */
  desired_generation: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
}).strict();

export const trafficIngestResponseSchema = z.object({
  accepted: z.boolean(),
  /** The (node, sequence) was stored before: this replay counted nothing. */
  duplicate: z.boolean(),
  sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
}).strict();

export type AgentRegisterResponse = z.infer<typeof agentRegisterResponseSchema>;
export type AgentCredentialResponse = z.infer<typeof agentCredentialResponseSchema>;
export type AgentStatusResponse = z.infer<typeof agentStatusResponseSchema>;
export type TrafficIngestResponse = z.infer<typeof trafficIngestResponseSchema>;
