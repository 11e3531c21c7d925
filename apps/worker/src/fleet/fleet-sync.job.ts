import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { DEFAULT_QUEUE_PREFIX, type JobPayload, JobName, QueueName } from '@anyfront/contracts';
import { recordFleetChange, staleNodes } from '@anyfront/db';
import { type StateSigningKeys } from '@anyfront/state-signing';
import { FLEET_WORKER_CONFIG, STATE_SIGNING_KEYS, type FleetWorkerConfig } from './fleet-config';
import { enqueueNodeSyncs } from './enqueue-sync';
import { syncAndPush } from './node-sync';

/**
 * The fleet-sync queue: `sync-edge-node` computes one node's desired state and pushes it to its
 * agent (retried with exponential backoff while the agent is unreachable); the repeatable
 * `sweep-fleet` re-enqueues nodes whose state is older than their last change (lost or killed jobs),
 * and `resync-fleet` recomputes every node now and then (a write path that forgot to notify).
 */
// A short lock: a job of a killed worker is picked up again within ~20 s (a sync takes well under a second).
@Processor(QueueName.FleetSync, { lockDuration: 15_000, stalledInterval: 5_000 })
export class FleetSyncJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(FleetSyncJob.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.FleetSync) private readonly queue: Queue,
    @Inject(FLEET_WORKER_CONFIG) private readonly config: FleetWorkerConfig,
    @Inject(STATE_SIGNING_KEYS) private readonly keys: StateSigningKeys,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.config.syncConcurrency;
    await this.queue.upsertJobScheduler(
      JobName.SweepFleet,
      { every: this.config.sweepIntervalSeconds * 1000 },
      { name: JobName.SweepFleet, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    await this.queue.upsertJobScheduler(
      JobName.ResyncFleet,
      { every: this.config.fullResyncSeconds * 1000 },
      { name: JobName.ResyncFleet, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  async process(job: Job): Promise<unknown> {
    const payload = { name: job.name, data: job.data } as JobPayload;
    switch (payload.name) {
      case JobName.SyncEdgeNode: {
        const r = await syncAndPush(this.ds, payload.data.edgeNodeId, this.config.pushTimeoutMs, this.keys.signer);
        if (r.changed) this.log.log(`edge node ${r.edgeNodeId}: generation ${r.generation}, push ${r.push}`);
        return r;
      }
      case JobName.SweepFleet: {
        const nodes = await staleNodes(this.ds, this.config.repushAfterSeconds);
        await enqueueNodeSyncs(this.queue, nodes);
        return { enqueued: nodes.length };
      }
      case JobName.ResyncFleet: {
        // Through the outbox of this queue's deployment, like any other change.
        const prefix = this.queue.opts.prefix ?? DEFAULT_QUEUE_PREFIX;
        const nodes = await this.ds.transaction((tx) => recordFleetChange(tx, prefix, { all: true }));
        return { enqueued: nodes.length };
      }
      default:
        throw new Error(`unknown job ${job.name} on ${QueueName.FleetSync}`);
    }
  }
}
