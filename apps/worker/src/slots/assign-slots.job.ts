import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { JobName, QueueName } from '@anyfront/contracts';
import { WORKER_CONFIG, type WorkerConfig } from '../config';
import { type Job, type Queue, QueueProcessor, schedule, unhandled } from '../queues';
import { SlotAssigner } from './slot-assigner';
import { enqueueWaitingServices } from './waiting-services';

/** Processes the slot-assignment queue: assign-slots per service, and the periodic retry of waiting services. */
@QueueProcessor(QueueName.SlotAssignment)
export class AssignSlotsJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(AssignSlotsJob.name);

  constructor(
    private readonly assigner: SlotAssigner,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.SlotAssignment) private readonly queue: Queue<QueueName.SlotAssignment>,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.config.concurrency;
    // One scheduler for the whole fleet of workers: upserting the same id is idempotent.
    await schedule(this.queue, JobName.RetryWaitingServices, { every: this.config.slotRetryIntervalSeconds * 1000 });
  }

  async process(job: Job<QueueName.SlotAssignment>): Promise<unknown> {
    switch (job.name) {
      case JobName.AssignSlots: {
        const result = await this.assigner.assign(job.data.serviceId);
        if (result.outcome !== 'already_assigned') this.log.log(`service ${job.data.serviceId}: ${JSON.stringify(result)}`);
        return result;
      }
      case JobName.RetryWaitingServices: {
        const count = await enqueueWaitingServices(this.dataSource, this.queue);
        if (count) this.log.log(`re-enqueued ${count} service(s) waiting for addresses`);
        return { reenqueued: count };
      }
      default:
        return unhandled(job);
    }
  }
}
