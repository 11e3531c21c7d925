import { type DesiredState, desiredStateSchema, type ServiceState } from '@anyfront/contracts';
import { serviceContractViolation } from './publish-filter';

/** Why the state outside its services breaks the desired-state contract, or null. */
export function topLevelViolation(state: DesiredState): string | null {
  const top = desiredStateSchema.safeParse({ ...state, services: [] });
  if (!top.success) return top.error.message;
  return state.services.length > MAX_SERVICES ? `more than ${MAX_SERVICES} services` : null;
}

/**
 * Why one service part breaks the contract, or null. Each distinct part (by content hash) is
 * checked once per process: validation is the costly part of a sync, and a change usually gives
 * many nodes the same part.
 */
export function serviceViolation(svc: ServiceState, contentHash: string): string | null {
  const why = serviceContractViolation(svc, contentHash);
  return why === null ? null : `service ${svc.id}: ${why}`;
}

/** Same verdict as desiredStateSchema.safeParse (with the per-service cache). */
export function contractViolation(state: DesiredState, serviceHashes: Map<string, string>): string | null {
  return topLevelViolation(state) ?? state.services.map((svc) => serviceViolation(svc, serviceHashes.get(svc.id)!)).find((v) => v) ?? null;
}

const MAX_SERVICES = 4096;

/** What changed; the store finds the edge nodes whose state may depend on it. */
export interface FleetChange {
  serviceIds?: string[];
  poolIds?: string[];
  popIds?: string[];
  edgeNodeIds?: string[];
  /** Fleet-wide (e.g. the hash seed): every node. */
  all?: boolean;
}
