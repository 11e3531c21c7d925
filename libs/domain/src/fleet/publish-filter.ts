import { type DesiredState, serviceStateSchema, type ServiceState } from '@anyfront/contracts';
import { semanticProblems, unsupportedReason } from '@anyfront/dataplane';
import type { FleetNodeInput, FleetServiceInput } from './desired-state';
import { nodeBudgetCheck } from './node-budget';

/**
 * The publish-time filter: per (edge node, service), whether the service goes into that node's
 * desired state. A service that fails a check is left out of that node's state only, with a
 * human-readable reason that shows in the service's deploy status (status `failed` on that node and
 * its PoP), so one tenant's setting can never make the agent refuse (freeze) the node's whole state.
 *
 * Extension point: add a PublishCheck to PUBLISH_CHECKS (see the fleet README). A check is pure:
 * everything it needs must be in its candidate (add fields to FleetNodeInput / FleetServiceInput
 * and load them in libs/db fleet-state.repository.ts), never a database or network read.
 */
export interface PublishCandidate {
  node: FleetNodeInput;
  /** The service as stored (settings, owner...). */
  service: FleetServiceInput;
  /** The service's part of the node's state, as it would be published. */
  rendered: ServiceState;
  /** serviceStateHash(rendered): equal parts give equal verdicts for content-only checks. */
  contentHash: string;
  /** Services already accepted into this node's state (in id order), for per-node budgets. */
  accepted: readonly ServiceState[];
}

export interface PublishCheck {
  /** Short stable name, for logs and tests. */
  name: string;
  /** Why the service must be left out of this node's state, or null to publish it. */
  exclusionReason(candidate: PublishCandidate): string | null;
}

/** A service left out of one node's state, and why. */
export interface ExcludedService {
  id: string;
  reason: string;
}

/** Service parts already checked against the contract, by content hash: nodes of one PoP share them. */
const contractChecked = new Set<string>();

/**
 * Why a service part breaks the desired-state schema the agent parses with, or null. Each distinct
 * part (by content hash) is checked once per process: schema validation is the costly part of a
 * sync, and a change usually gives many nodes the same part (the verdict depends only on the
 * content, so the memo cannot go stale).
 */
export function serviceContractViolation(rendered: ServiceState, contentHash: string): string | null {
  if (contractChecked.has(contentHash)) return null;
  const r = serviceStateSchema.safeParse(rendered);
  if (!r.success) return `does not match the desired-state contract: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  if (contractChecked.size >= 100_000) contractChecked.clear();
  contractChecked.add(contentHash);
  return null;
}

export const contractCheck: PublishCheck = {
  name: 'contract',
  exclusionReason: ({ rendered, contentHash }) => serviceContractViolation(rendered, contentHash),
};

/**
 * The agent's own semantic validation (libs/dataplane/src/validate.ts), run for this service with
 * this node's tunnel sources: what the agent would refuse (gue without gue_port, a backend family the
 * encapsulation cannot reach, no tunnel source of the backend's family...) is never published.
 */
export const agentValidationCheck: PublishCheck = {
  name: 'agent-validation',
  exclusionReason({ node, rendered }) {
    const probe: DesiredState = {
      version: 1,
      generation: 0,
      node: { id: node.id, pop: node.popCode },
      hash_seed: 0,
      drained: false,
      pools: [],
      services: [rendered],
    };
    const sources = { ...(node.tunnelSourceIpv4 ? { ipv4: node.tunnelSourceIpv4 } : {}), ...(node.tunnelSourceIpv6 ? { ipv6: node.tunnelSourceIpv6 } : {}) };
    const problems = semanticProblems(probe, sources);
    // The agent prefixes each problem with "service <id>: "; the deploy status is already per service.
    return problems.length ? problems.map((p) => p.replace(`service ${rendered.id}: `, '')).join('; ') : null;
  },
};

/**
 * The node's kernel can program the service's encapsulation (capabilities its agent probed at start
 * and reported with its heartbeat; a node that has not reported any yet gets the service, and its
 * agent skips it itself if it must). Never sends a node a service it cannot program.
 */
export const capabilityCheck: PublishCheck = {
  name: 'kernel-capabilities',
  exclusionReason: ({ node, rendered }) => (node.capabilities ? unsupportedReason(rendered, node.capabilities) : null),
};

/**
 * Billing: a suspended organization's services are withdrawn from every node (its addresses stay
 * reserved; they come back when the organization is restored). First, so a withdrawn service never
 * takes a per-node budget from another tenant.
 */
export const suspensionCheck: PublishCheck = {
  name: 'billing-suspension',
  exclusionReason: ({ service }) => (service.suspension ? `withdrawn: the organization is suspended (${service.suspension})` : null),
};

/** The checks every (node, service) pair passes before publication, in order; the first refusal wins. */
export const PUBLISH_CHECKS: readonly PublishCheck[] = [suspensionCheck, contractCheck, agentValidationCheck, capabilityCheck, nodeBudgetCheck()];

/** The first check's reason to leave the service out of the node's state, or null to publish it. */
export function publishExclusion(candidate: PublishCandidate, checks: readonly PublishCheck[] = PUBLISH_CHECKS): string | null {
  for (const check of checks) {
    const reason = check.exclusionReason(candidate);
    if (reason !== null) return reason;
  }
  return null;
}
