import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { JobName, QueueName } from '@anyfront/contracts';
import { pruneRawTraffic, rollupDirtyHours } from '@anyfront/db';
import { WORKER_CONFIG, type WorkerConfig } from '../config';
import { type Job, type Queue, QueueProcessor, schedule, unhandled } from '../queues';

/** The traffic-rollup queue: repeatable hourly roll-ups of new samples and pruning of old raw samples. */
@QueueProcessor(QueueName.TrafficRollup)
export class TrafficRollupJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(TrafficRollupJob.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.TrafficRollup) private readonly queue: Queue<QueueName.TrafficRollup>,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await schedule(this.queue, JobName.RollupTraffic, { every: this.config.rollupIntervalSeconds * 1000 });
    await schedule(this.queue, JobName.PruneTraffic, { every: this.config.pruneIntervalSeconds * 1000 });
  }

  async process(job: Job<QueueName.TrafficRollup>): Promise<unknown> {
    switch (job.name) {
      case JobName.RollupTraffic:
        return { hours: await rollupDirtyHours(this.ds, new Date(), this.config.rawRetentionDays) };
      case JobName.PruneTraffic: {
        const deleted = await pruneRawTraffic(this.ds, new Date(), this.config.rawRetentionDays);
        if (deleted) this.log.log(`pruned ${deleted} raw traffic report(s) older than ${this.config.rawRetentionDays} days`);
        return { deleted };
      }
      default:
        return unhandled(job);
    }
  }
}
