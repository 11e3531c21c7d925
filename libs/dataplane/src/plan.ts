import { createHash } from 'node:crypto';
import type { DesiredState, Encapsulation, HashMode, Listener } from '@anyfront/contracts';
import { buildMinimalDisruptionTable, decodeMaglevTable, MAGLEV_NO_BACKEND, maglevOwners } from '@anyfront/maglev';
import { MarkAllocation, markKey, markOf } from './marks';
import { familyOf, serviceKey } from './names';

/**
 * What one edge programs, derived purely from the desired state, the mark allocation and local
 * health. Renderers (nft, routes) only read plans.
 *
 * Maglev consistency across edges with different local health:
 *  - the *primary* table is the one the control plane compiled for the service and shipped in the
 *    desired state (`maglev_table`, minimal-disruption fill, identical on every edge by
 *    construction). A state without one (an older control plane) gets plain Maglev over every
 *    enabled backend with weight > 0, health ignored, which every edge also computes alike;
 *  - buckets whose primary backend is locally unhealthy are refilled by the same minimal-disruption
 *    fill run on the primary table without the unhealthy backends: only their buckets move, so the
 *    buckets of healthy backends are identical on every edge however health differs, and edges that
 *    agree on health agree on the rest too;
 *  - a bucket with no usable backend gets no element: the lookup misses and the service chain
 *    answers with a TCP reset / ICMP port unreachable instead of black-holing.
 */
export interface BackendPlan {
  id: string;
  address: string;
  family: 4 | 6;
  weight: number;
  enabled: boolean;
  /** Local health; undefined = not checked yet (usable only when the plan does not require `rise`). */
  healthy: boolean | undefined;
  mark: number;
  /** Removed from the desired state, kept for its running flows until its drain time is over (never gets new flows). */
  draining?: boolean;
}

export interface AddressPlan {
  address: string;
  family: 4 | 6;
}

export interface ServicePlan {
  id: string;
  key: string;
  addresses: AddressPlan[];
  listeners: Listener[];
  hashMode: HashMode;
  encapsulation: Encapsulation;
  guePort?: number;
  m: number;
  seed: number;
  /** Sorted by id. */
  backends: BackendPlan[];
  /** bucket -> mark, buckets without a usable backend are absent. */
  buckets: Map<number, number>;
  /** Marks whose existing flows keep forwarding (every configured backend: disabled, unhealthy and removed-but-draining ones drain). */
  liveMarks: number[];
  /**
   * Marks whose existing UDP flows keep forwarding: live and not unhealthy. UDP has no connection to
   * break, so a flow on an unhealthy backend is better re-placed by the hash than kept on it.
   */
  udpLiveMarks: number[];
  /** Digest of everything this service renders to; equal digest = nothing to change. */
  digest: string;
}

/** `nobody`; production sets a dedicated system user's uid (health.probe_uid). */
export const PROBE_UID_DEFAULT = 65534;

export interface PlanOptions {
  table: string;
  /** Idle timeout of a flow entry that saw more than the handshake. */
  flowTimeoutSeconds: number;
  flowTableSize: number;
  probePortBase: number;
  /** Uid the agent's health probes run as: only that uid's sockets are marked into a tunnel (default PROBE_UID_DEFAULT). */
  probeUid?: number;
  /** Idle timeout of a flow entry that saw only its first non-SYN packet (default 10 s). */
  flowHandshakeTimeoutSeconds?: number;
  /**
   * New flows per second per edge above which the edge is under flood (Katran's max_conn_rate):
   * new flow entries are then not created (the hash alone places those flows) and counted (default 100000).
   */
  floodNewFlowsPerSecond?: number;
  /**
   * A backend not checked yet gets no new flows until its health checks pass `healthy_threshold`
   * times (rise). Set when the agent runs health checks; without them unknown counts as healthy.
   */
  requireRise?: boolean;
}

export const FLOW_HANDSHAKE_TIMEOUT_SECONDS = 10;
/** Bumped when the service chains' rules change shape (2: ICMP and fragment rules): every service is rendered again once. */
export const SERVICE_RULES_VERSION = 2;
export const FLOOD_NEW_FLOWS_PER_SECOND = 100_000;

export interface DataplanePlan {
  options: PlanOptions;
  services: ServicePlan[];
  markBase: number;
  /** Every backend mark in use, ascending (probe source ports derive from it). */
  marks: number[];
}

export type HealthLookup = (serviceId: string, backendId: string) => boolean | undefined;

/** Keys of every (service, backend) pair that needs a mark, for allocateMarks. */
export function wantedMarkKeys(state: DesiredState): string[] {
  return state.services.flatMap((s) => s.backends.map((b) => markKey(s.id, b.id)));
}

/** Backends removed from the desired state that still drain on this edge, per service id. */
export type DrainingLookup = (serviceId: string) => readonly { id: string; address: string }[];

/** Keys of the draining backends' marks (they keep theirs until the drain is over). */
export function drainingMarkKeys(state: DesiredState, draining: DrainingLookup): string[] {
  return state.services.flatMap((s) => draining(s.id).map((b) => markKey(s.id, b.id)));
}

export function buildPlan(state: DesiredState, marks: MarkAllocation, health: HealthLookup, options: PlanOptions, draining: DrainingLookup = () => []): DataplanePlan {
  const services = [...state.services]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((svc): ServicePlan => {
      const backends: BackendPlan[] = [...svc.backends]
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((b) => ({
          id: b.id,
          address: b.address,
          family: familyOf(b.address),
          weight: b.weight,
          enabled: b.enabled,
          healthy: health(svc.id, b.id),
          mark: markOf(marks, markKey(svc.id, b.id)),
        }));
      const buckets = maglevBuckets(backends, svc.maglev_table_size, svc.maglev_table, options.requireRise);
      const listed = new Set(backends.map((b) => b.id));
      // Appended after the Maglev inputs (the shipped table indexes the listed backends only).
      for (const d of [...draining(svc.id)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
        if (listed.has(d.id)) continue;
        backends.push({ id: d.id, address: d.address, family: familyOf(d.address), weight: 0, enabled: false, healthy: health(svc.id, d.id), mark: markOf(marks, markKey(svc.id, d.id)), draining: true });
      }
      const plan: Omit<ServicePlan, 'digest'> = {
        id: svc.id,
        key: serviceKey(svc.id),
        addresses: svc.addresses.map((a) => ({ address: a.address, family: a.family })),
        listeners: svc.listeners,
        hashMode: svc.hash_mode,
        encapsulation: svc.encapsulation,
        guePort: svc.gue_port,
        m: svc.maglev_table_size,
        seed: state.hash_seed,
        backends,
        buckets,
        liveMarks: backends.map((b) => b.mark).sort((a, b) => a - b),
        udpLiveMarks: backends.filter((b) => b.healthy !== false && !(options.requireRise && b.healthy === undefined)).map((b) => b.mark).sort((a, b) => a - b),
      };
      return { ...plan, digest: digestOf(plan) };
    });
  const allMarks = services.flatMap((s) => s.backends.map((b) => b.mark)).sort((a, b) => a - b);
  return { options, services, markBase: marks.base, marks: allMarks };
}

/**
 * Primary table as indexes into `backends` (sorted by id, as in the desired state): the shipped
 * one, or plain Maglev over the enabled backends with weight > 0 when none was shipped.
 */
export function primaryTable(backends: readonly BackendPlan[], m: number, shipped?: string): Int32Array {
  if (shipped !== undefined) return decodeMaglevTable(shipped, m, backends.length);
  const index = new Map(backends.map((b, i) => [b.id, i]));
  const eligible = backends.filter((b) => b.enabled && b.weight > 0);
  return Int32Array.from(maglevOwners(eligible.map((b) => ({ id: b.id, weight: b.weight })), m), (id) => (id === null ? MAGLEV_NO_BACKEND : (index.get(id) as number)));
}

/** bucket -> mark with the primary/fallback rule described above. */
export function maglevBuckets(backends: readonly BackendPlan[], m: number, shipped?: string, requireRise = false): Map<number, number> {
  const primary = primaryTable(backends, m, shipped);
  const healthy = (b: BackendPlan) => (requireRise ? b.healthy === true : b.healthy !== false);
  const usable = (b: BackendPlan | undefined): b is BackendPlan => b !== undefined && b.enabled && b.weight > 0 && healthy(b);
  const ids = backends.map((b) => b.id);
  let table = primary;
  if (backends.some((b) => b.enabled && b.weight > 0 && !healthy(b))) {
    const up = backends.filter(usable);
    table = up.length
      ? remapTable(buildMinimalDisruptionTable({ ids, table: primary }, up.map((b) => ({ id: b.id, weight: b.weight })), m), up, ids)
      : new Int32Array(m).fill(MAGLEV_NO_BACKEND);
  }
  const out = new Map<number, number>();
  for (let i = 0; i < m; i++) {
    const owner = backends[table[i] ?? MAGLEV_NO_BACKEND];
    // A shipped bucket naming a disabled or drained backend is never programmed (validate.ts refuses such a state).
    if (usable(owner)) out.set(i, owner.mark);
  }
  return out;
}

/** Indexes into `subset` (canonical order) -> indexes into the full id list. */
function remapTable(table: Int32Array, subset: readonly { id: string }[], ids: readonly string[]): Int32Array {
  const full = subset.map((b) => ids.indexOf(b.id));
  return table.map((i) => (i === MAGLEV_NO_BACKEND ? i : (full[i] ?? MAGLEV_NO_BACKEND)));
}

function digestOf(plan: Omit<ServicePlan, 'digest'>): string {
  const h = createHash('sha256');
  h.update(`rules${SERVICE_RULES_VERSION};`);
  // Health itself is not rendered (only the buckets it leads to), so a probe result that changes no
  // bucket changes nothing in the kernel.
  h.update(JSON.stringify({ ...plan, buckets: undefined, backends: plan.backends.map((b) => ({ ...b, healthy: undefined })) }));
  // One update: a hash update per bucket cost ~1 ms per service at M = 509 (first install of 256 services).
  let buckets = '';
  for (const [k, v] of plan.buckets) buckets += `${k}:${v},`;
  h.update(buckets);
  return h.digest('hex').slice(0, 16);
}

/** Probe source ports of a backend mark: base + 2k and base + 2k + 1 for slot k. */
export function probePorts(plan: Pick<DataplanePlan, 'markBase' | 'options'>, mark: number): [number, number] {
  const slot = mark - plan.markBase;
  const from = plan.options.probePortBase + 2 * slot;
  return [from, from + 1];
}
