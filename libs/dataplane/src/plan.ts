import { createHash } from 'node:crypto';
import type { DesiredState, Encapsulation, HashMode, Listener } from '@anyfront/contracts';
import { maglevOwners } from '@anyfront/maglev';
import { MarkAllocation, markKey, markOf } from './marks';
import { familyOf, serviceKey } from './names';

/**
 * What one edge programs, derived purely from the desired state, the mark allocation and local
 * health. Renderers (nft, routes) only read plans.
 *
 * Maglev consistency across edges with different local health:
 *  - the *primary* table is built over every enabled backend with weight > 0, health ignored, so
 *    every edge computes the same primary table from the same desired state;
 *  - buckets whose primary backend is locally unhealthy take the backend of a *fallback* table built
 *    over the locally healthy backends only (same algorithm, same M). Buckets of healthy backends are
 *    therefore identical on every edge however health differs; only the flows of a backend that is
 *    down somewhere may land differently, and edges that agree on health agree on those too.
 *  - a bucket with no usable backend gets no element: the lookup misses and the service chain
 *    answers with a TCP reset / ICMP port unreachable instead of black-holing.
 */
export interface BackendPlan {
  id: string;
  address: string;
  family: 4 | 6;
  weight: number;
  enabled: boolean;
  /** Local health; undefined = not checked yet, counts as healthy. */
  healthy: boolean | undefined;
  mark: number;
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
  /** Marks whose existing flows keep forwarding (every configured backend: disabled or unhealthy ones drain). */
  liveMarks: number[];
  /** Digest of everything this service renders to; equal digest = nothing to change. */
  digest: string;
}

export interface PlanOptions {
  table: string;
  flowTimeoutSeconds: number;
  flowTableSize: number;
  probePortBase: number;
}

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

export function buildPlan(state: DesiredState, marks: MarkAllocation, health: HealthLookup, options: PlanOptions): DataplanePlan {
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
      const buckets = maglevBuckets(backends, svc.maglev_table_size);
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
      };
      return { ...plan, digest: digestOf(plan) };
    });
  const allMarks = services.flatMap((s) => s.backends.map((b) => b.mark)).sort((a, b) => a - b);
  return { options, services, markBase: marks.base, marks: allMarks };
}

/** bucket -> mark with the primary/fallback rule described above. */
export function maglevBuckets(backends: readonly BackendPlan[], m: number): Map<number, number> {
  const eligible = backends.filter((b) => b.enabled && b.weight > 0);
  const usable = (b: BackendPlan) => b.healthy !== false;
  const byId = new Map(eligible.map((b) => [b.id, b]));
  const primary = maglevOwners(eligible.map((b) => ({ id: b.id, weight: b.weight })), m);
  const healthy = eligible.filter(usable);
  const needFallback = healthy.length > 0 && healthy.length < eligible.length;
  const fallback = needFallback ? maglevOwners(healthy.map((b) => ({ id: b.id, weight: b.weight })), m) : null;
  const out = new Map<number, number>();
  for (let i = 0; i < m; i++) {
    const owner = primary[i] === null ? undefined : byId.get(primary[i] as string);
    if (owner && usable(owner)) {
      out.set(i, owner.mark);
    } else if (fallback && fallback[i] !== null) {
      out.set(i, (byId.get(fallback[i] as string) as BackendPlan).mark);
    }
  }
  return out;
}

function digestOf(plan: Omit<ServicePlan, 'digest'>): string {
  const h = createHash('sha256');
  // Health itself is not rendered (only the buckets it leads to), so a probe result that changes no
  // bucket changes nothing in the kernel.
  h.update(JSON.stringify({ ...plan, buckets: undefined, backends: plan.backends.map((b) => ({ ...b, healthy: undefined })) }));
  for (const [k, v] of plan.buckets) h.update(`${k}:${v},`);
  return h.digest('hex').slice(0, 16);
}

/** Probe source ports of a backend mark: base + 2k and base + 2k + 1 for slot k. */
export function probePorts(plan: Pick<DataplanePlan, 'markBase' | 'options'>, mark: number): [number, number] {
  const slot = mark - plan.markBase;
  const from = plan.options.probePortBase + 2 * slot;
  return [from, from + 1];
}
