import type { ServiceState } from '@anyfront/contracts';

/**
 * Staged rollout (issue 9 §1): in each PoP one edge, the canary, takes every change first; the
 * PoP's other edges get a changed service only once the canary has applied a state holding that
 * exact content and judged itself healthy afterwards (its verdict, see the agent's
 * POST /v1/desired-state?verdict=1). Per PoP, because a PoP's edges get the same services, pools and
 * content (a fleet-wide canary would not even serve most services), so the canary tries exactly what
 * its neighbours will run, and a bad change costs at most one edge per PoP while ECMP keeps the PoP
 * serving through the others.
 *
 * The canary of a PoP is its oldest edge node that can take part: registered, `active`, not
 * drained, reachable by push (the verdict travels in the push's answer) and alive (a heartbeat in
 * the last CANARY_HEARTBEAT_SECONDS). A PoP without one (all drained, or a single pull-only edge)
 * rolls out without a canary stage.
 */
export const CANARY_HEARTBEAT_SECONDS = 120;

/** What the non-canary node's sync knows about its PoP's canary. */
export interface CanaryView {
  nodeId: string;
  /** The canary's current content hash per service, and whether a verified generation holds it. */
  services: Map<string, { hash: string; verified: boolean }>;
  /** Services the publish filter left out of the canary's state: it cannot try them, so they are not held. */
  excluded: ReadonlySet<string>;
  /** Services the canary's agent reported it could not program (a failure of that service's change). */
  failed: ReadonlySet<string>;
}

/** A service whose new content waits for the canary on this node. */
export interface HeldService {
  id: string;
  /** The content hash waiting for the canary's verdict. */
  contentHash: string;
}

export interface CanaryGateResult {
  services: ServiceState[];
  hashes: Map<string, string>;
  held: HeldService[];
}

/**
 * The services a non-canary node may run now: unchanged ones, removed ones (withdrawing a service
 * is never held: the tenant asked for it to stop), and changed or new ones whose exact content the
 * canary verified. A changed service the canary has not verified keeps its current content here
 * (the last good one); a new one waits outside the state. Pure; the input order is kept.
 */
export function canaryGate(
  planned: ServiceState[],
  plannedHashes: ReadonlyMap<string, string>,
  current: ReadonlyMap<string, { hash: string; state: ServiceState | undefined }>,
  canary: CanaryView,
): CanaryGateResult {
  const services: ServiceState[] = [];
  const hashes = new Map<string, string>();
  const held: HeldService[] = [];
  for (const s of planned) {
    const h = plannedHashes.get(s.id);
    if (h === undefined) throw new Error(`service ${s.id} has no content hash`);
    const cur = current.get(s.id);
    const c = canary.services.get(s.id);
    const pass = cur?.hash === h || (canary.excluded.has(s.id) && !c) || (c?.hash === h && c.verified && !canary.failed.has(s.id));
    if (pass) {
      services.push(s);
      hashes.set(s.id, h);
      continue;
    }
    held.push({ id: s.id, contentHash: h });
    if (cur?.state) {
      services.push(cur.state);
      hashes.set(s.id, cur.hash);
    }
  }
  return { services, hashes, held };
}

/**
 * Pool announcements are staged through the canary too (decision, issue 9 §1). A prefix announced
 * from every edge at once is the one change that can take a whole PoP off the internet in a single
 * step: a BIRD configuration the edge refuses, an edge whose allowed_prefixes were not updated (its
 * agent refuses the whole state), a new prefix that trips an upstream's max-prefix limit and resets
 * the BGP session (every pool of that edge goes with it). Large anycast operators do not announce a
 * new prefix everywhere before one edge proved it carries it; the canary's verdict (applied and
 * programmed, BIRD updated, BGP sessions still established) is that proof. So a pool a node does not
 * announce yet (added to its PoP, or back to a state that announces) reaches a non-canary node only
 * once the PoP's canary announced it in a generation it judged healthy. Cost: a new pool waits one
 * canary verdict per PoP (the canary's apply plus about a second); existing pools wait for nothing.
 * Withdrawals are never held, like a service removal: the operator wants the prefix gone (retired,
 * abused, leaked), keeping it announced would do harm, and withdrawing cannot break the edge's other
 * announcements. A pool's state only decides whether it is announced (active and draining are), so
 * a state change is one of the two.
 */
export function canaryPoolGate<P extends { id: string }>(planned: readonly P[], current: ReadonlySet<string>, canaryVerified: ReadonlySet<string>): { pools: P[]; held: string[] } {
  const pools: P[] = [];
  const held: string[] = [];
  for (const p of planned) {
    if (current.has(p.id) || canaryVerified.has(p.id)) pools.push(p);
    else held.push(p.id);
  }
  return { pools, held };
}

/**
 * Per pool the node announces, the generation that first announced it there (a pool that stays
 * keeps its number): the canary verified a pool when its verified generation reached that number.
 */
export function poolGenerations(previous: Readonly<Record<string, number>>, poolIds: readonly string[], generation: number): Record<string, number> {
  return Object.fromEntries(poolIds.map((id) => [id, previous[id] ?? generation]));
}

/** An agent's verdict on its own health right after it applied a pushed state. */
export interface CanaryVerdict {
  ok: boolean;
  /** Why not (empty when ok). */
  reasons: string[];
}

/** The reason a PoP's rollout is halted, as the deploy status and the fleet view show it. */
export function canaryFailureReason(canaryName: string, generation: number, reason: string): string {
  return `rollout halted: canary edge ${canaryName} failed generation ${generation}: ${reason}; the PoP's other edges stay on the last good state`;
}
