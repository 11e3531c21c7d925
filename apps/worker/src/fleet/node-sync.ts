import { Logger } from '@nestjs/common';
import { nodeSyncStale, recordPushApplied, recordPushError, syncNodeState, type SqlDatabase } from '@anyfront/db';
import { pushUrlRefusal } from '@anyfront/domain';
import { signDesiredState, type StateSigner } from '@anyfront/state-signing';
import { pushDesiredState, type PushOutcome } from './agent-push';

export interface NodeSyncOutcome {
  edgeNodeId: string;
  generation: number | null;
  changed: boolean;
  push: PushOutcome['kind'] | 'skipped' | 'no_push_url';
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
}

export async function syncAndPush(db: SqlDatabase, edgeNodeId: string, o: PushSettings): Promise<NodeSyncOutcome> {
  let last: NodeSyncOutcome = { edgeNodeId, generation: null, changed: false, push: 'skipped', rounds: 0 };
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const r = await syncNodeState(db, edgeNodeId);
    if (!r) return { ...last, rounds: round };
    for (const sk of r.skippedServices) log.warn(`edge node ${edgeNodeId}: service ${sk.id} left out of the desired state: ${sk.reason}`);
    for (const b of r.leftOutBackends) log.warn(`edge node ${edgeNodeId}: backend ${b.id} (${b.address}) of service ${b.serviceId} left out: it is inside an anycast pool or at an edge tunnel source`);
    last = { edgeNodeId, generation: r.generation, changed: r.changed || last.changed, push: 'skipped', rounds: round };
    if (!r.pushUrl) {
      last.push = 'no_push_url';
    } else if (r.changed || r.pushedGeneration < r.generation || r.appliedGeneration < r.generation) {
      // Checked again at every push: the API refuses such a URL, but the node's addresses may have changed since (or the row was written by hand).
      const refusal = pushUrlRefusal(r.pushUrl, { nodeAddresses: r.nodeAddresses, labMode: o.labMode });
      const outcome = refusal
        ? { kind: 'refused' as const, status: 0, message: `not pushed: ${refusal}` }
        : await pushDesiredState(r.pushUrl, signDesiredState(r.state, o.signer), { nodeId: edgeNodeId, signer: o.signer, timeoutMs: o.pushTimeoutMs, tlsFingerprint: r.pushTlsFingerprint });
      last.push = outcome.kind;
      if (outcome.kind === 'applied') {
        await recordPushApplied(db, edgeNodeId, r.generation, outcome.generation);
      } else {
        await recordPushError(db, edgeNodeId, outcome.message);
        if (outcome.kind === 'retry') throw new RetryablePushError(outcome.message);
        log.warn(`edge node ${edgeNodeId} refused generation ${r.generation}: ${outcome.message}`);
      }
    }
    if (!(await nodeSyncStale(db, edgeNodeId))) break;
  }
  return last;
}
