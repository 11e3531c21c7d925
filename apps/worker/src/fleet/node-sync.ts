import { Logger } from '@nestjs/common';
import { nodeSyncStale, waitsForCanary, type NodeSyncResult, recordCanaryVerdict, releaseCanaryNeighbours, recordPushApplied, recordPushError, syncNodeState, type SqlDatabase } from '@anyfront/db';
import { pushUrlRefusal } from '@anyfront/domain';
import { signDesiredState, type StateSigner } from '@anyfront/state-signing';
import { type AgentVerdict, pushDesiredState, type PushOutcome } from './agent-push';

export interface NodeSyncOutcome {
  edgeNodeId: string;
  generation: number | null;
  changed: boolean;
  push: PushOutcome['kind'] | 'skipped' | 'no_push_url' | 'waiting_for_canary';
  rounds: number;
}

export class RetryablePushError extends Error {}

const MAX_ROUNDS = 5;
const log = new Logger('FleetSync');

/**
 * Computes the node's state from the current database, pushes it when the agent may not have it,
 * and repeats while changes arrived meanwhile (a change notified while this job ran could not
 * enqueue another job with the same id). Throws RetryablePushError when the agent was unreachable
 * so the queue retries with backoff.
 */
export interface PushSettings {
  pushTimeoutMs: number;
  signer: StateSigner;
  /** Lab/local mode: plain HTTP and loopback push URLs allowed. */
  labMode: boolean;
  /** Outbox queue prefix: a canary's healthy verdict enqueues its PoP's held nodes through it (absent: the sweep does, later). */
  queuePrefix?: string;
}

/**
 * Stores the canary's verdict and releases the PoP's edges that waited for it (marked stale and
 * enqueued through the outbox, like any change): after a healthy verdict they take the change, after
 * a failed one they hold it (deploy status failed, fleet view held_services).
 */
async function canaryJudged(db: SqlDatabase, r: NodeSyncResult, generation: number, v: AgentVerdict, o: PushSettings): Promise<void> {
  // Services the agent could not program stay held elsewhere (the canary's failed services); the rest is verified.
  await recordCanaryVerdict(db, r.nodeId, generation, { ok: v.ok, reasons: v.reasons }, v.ok ? v.failed_services : undefined);
  if (!v.ok) log.error(`canary edge node ${r.nodeId} failed generation ${generation}: ${v.reasons.join('; ')}; its PoP's rollout is halted`);
  // Either way the waiting neighbours compute now: with the change verified, or held on the last good state.
  const prefix = o.queuePrefix;
  if (prefix !== undefined) await db.transaction((tx) => releaseCanaryNeighbours(tx, prefix, r.popId));
}

export async function syncAndPush(db: SqlDatabase, edgeNodeId: string, o: PushSettings): Promise<NodeSyncOutcome> {
  let last: NodeSyncOutcome = { edgeNodeId, generation: null, changed: false, push: 'skipped', rounds: 0 };
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    if (await waitsForCanary(db, edgeNodeId)) return { ...last, push: 'waiting_for_canary', rounds: round };
    const r = await syncNodeState(db, edgeNodeId);
    if (!r) return { ...last, rounds: round };
    for (const sk of r.skippedServices) log.warn(`edge node ${edgeNodeId}: service ${sk.id} left out of the desired state: ${sk.reason}`);
    for (const b of r.leftOutBackends) log.warn(`edge node ${edgeNodeId}: backend ${b.id} (${b.address}) of service ${b.serviceId} left out: it is inside an anycast pool or at an edge tunnel source`);
    last = { edgeNodeId, generation: r.generation, changed: r.changed || last.changed, push: 'skipped', rounds: round };
    if (!r.pushUrl) {
      last.push = 'no_push_url';
    } else if (r.changed || r.pushedGeneration < r.generation || r.appliedGeneration < r.generation || (r.canary && r.canaryVerifiedGeneration < r.generation && r.canaryFailedGeneration < r.generation)) {
      // Checked again at every push: the API refuses such a URL, but the node's addresses may have changed since (or the row was written by hand).
      const refusal = pushUrlRefusal(r.pushUrl, { nodeAddresses: r.nodeAddresses, labMode: o.labMode });
      const outcome = refusal
        ? { kind: 'refused' as const, status: 0, message: `not pushed: ${refusal}` }
        : await pushDesiredState(r.pushUrl, signDesiredState(r.state, o.signer), { nodeId: edgeNodeId, signer: o.signer, timeoutMs: o.pushTimeoutMs, tlsFingerprint: r.pushTlsFingerprint, verdict: r.canary });
      last.push = outcome.kind;
      if (outcome.kind === 'applied') {
        await recordPushApplied(db, edgeNodeId, r.generation, outcome.generation);
        if (r.canary) await canaryJudged(db, r, outcome.generation, outcome.verdict ?? { ok: false, reasons: ['the agent gave no verdict (an agent older than the staged rollout?)'], failed_services: [] }, o);
      } else {
        await recordPushError(db, edgeNodeId, outcome.message);
        // The canary answered and did not apply (apply failed, state refused): the PoP's rollout halts.
        if (r.canary && (outcome.kind === 'refused' ? outcome.status > 0 && outcome.status !== 409 : outcome.status >= 500)) {
          await canaryJudged(db, r, r.generation, { ok: false, reasons: [outcome.message], failed_services: [] }, o);
        }
        if (outcome.kind === 'retry') throw new RetryablePushError(outcome.message);
        log.warn(`edge node ${edgeNodeId} refused generation ${r.generation}: ${outcome.message}`);
      }
    }
    if (!(await nodeSyncStale(db, edgeNodeId))) break;
  }
  return last;
}
