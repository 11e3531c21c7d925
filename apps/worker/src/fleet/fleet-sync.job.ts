import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { JobName, QueueName } from '@anyfront/contracts';
import { recordFleetChange, staleNodes } from '@anyfront/db';
import { type StateSigningKeys } from '@anyfront/state-signing';
import { STATE_SIGNING_KEYS, WORKER_CONFIG, type WorkerConfig } from '../config';
import { enqueueNodeSyncs } from './enqueue-sync';
import { syncAndPush } from './node-sync';
import { type Job, type Queue, QueueProcessor, schedule, unhandled } from '../queues';

/**
 * The fleet-sync queue: `sync-edge-node` computes one node's desired state and pushes it to its
 * agent (retried with exponential backoff while the agent is unreachable); the repeatable
 * `sweep-fleet` re-enqueues nodes whose state is older than their last change (lost or killed jobs),
 * and `resync-fleet` recomputes every node now and then (a write path that forgot to notify).
 */
// A short lock: a job of a killed worker is picked up again within ~20 s (a sync takes well under a second).
@QueueProcessor(QueueName.FleetSync, { lockDuration: 15_000, stalledInterval: 5_000 })
export class FleetSyncJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(FleetSyncJob.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.FleetSync) private readonly queue: Queue<QueueName.FleetSync>,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(STATE_SIGNING_KEYS) private readonly keys: StateSigningKeys,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.config.syncConcurrency;
    await schedule(this.queue, JobName.SweepFleet, { every: this.config.sweepIntervalSeconds * 1000 });
    await schedule(this.queue, JobName.ResyncFleet, { every: this.config.fullResyncSeconds * 1000 });
  }

  async process(job: Job<QueueName.FleetSync>): Promise<unknown> {
    switch (job.name) {
      case JobName.SyncEdgeNode: {
        const r = await syncAndPush(this.ds, job.data.edgeNodeId, { pushTimeoutMs: this.config.pushTimeoutMs, signer: this.keys.signer, labMode: this.config.pushLabMode, queuePrefix: this.config.queuePrefix });
        if (r.changed) this.log.log(`edge node ${r.edgeNodeId}: generation ${r.generation}, push ${r.push}`);
        return r;
      }
      case JobName.SweepFleet: {
        const nodes = await staleNodes(this.ds, this.config.repushAfterSeconds);
        await enqueueNodeSyncs(this.queue, nodes);
        return { enqueued: nodes.length };
      }
      case JobName.ResyncFleet: {
        // Through the outbox, like any other change.
        const nodes = await this.ds.transaction((tx) => recordFleetChange(tx, this.config.queuePrefix, { all: true }));
        return { enqueued: nodes.length };
      }
      default:
        return unhandled(job);
    }
  }
}
