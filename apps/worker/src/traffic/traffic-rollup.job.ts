import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { type JobPayload, JobName, QueueName } from '@anyfront/contracts';
import { pruneRawTraffic, rollupDirtyHours } from '@anyfront/db';
import { FLEET_WORKER_CONFIG, type FleetWorkerConfig } from '../fleet/fleet-config';

/** The traffic-rollup queue: repeatable hourly roll-ups of new samples and pruning of old raw samples. */
@Processor(QueueName.TrafficRollup)
export class TrafficRollupJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(TrafficRollupJob.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.TrafficRollup) private readonly queue: Queue,
    @Inject(FLEET_WORKER_CONFIG) private readonly config: FleetWorkerConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const opts = { removeOnComplete: true, removeOnFail: 100 };
    await this.queue.upsertJobScheduler(JobName.RollupTraffic, { every: this.config.rollupIntervalSeconds * 1000 }, { name: JobName.RollupTraffic, data: {}, opts });
    await this.queue.upsertJobScheduler(JobName.PruneTraffic, { every: this.config.pruneIntervalSeconds * 1000 }, { name: JobName.PruneTraffic, data: {}, opts });
  }

  async process(job: Job): Promise<unknown> {
    const payload = { name: job.name, data: job.data } as JobPayload;
    switch (payload.name) {
      case JobName.RollupTraffic:
        return { hours: await rollupDirtyHours(this.ds, new Date(), this.config.rawRetentionDays) };
      case JobName.PruneTraffic: {
        const deleted = await pruneRawTraffic(this.ds, new Date(), this.config.rawRetentionDays);
        if (deleted) this.log.log(`pruned ${deleted} raw traffic report(s) older than ${this.config.rawRetentionDays} days`);
        return { deleted };
      }
      default:
        throw new Error(`unknown job ${job.name} on ${QueueName.TrafficRollup}`);
    }
  }
}
