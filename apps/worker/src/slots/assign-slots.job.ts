import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { type JobPayload, JobName, QueueName } from '@anyfront/contracts';
import { WORKER_CONFIG, type WorkerConfig } from '../config';
import { SlotAssigner } from './slot-assigner';
import { enqueueWaitingServices } from './waiting-services';

/** Processes the slot-assignment queue: assign-slots per service, and the periodic retry of waiting services. */
@Processor(QueueName.SlotAssignment)
export class AssignSlotsJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(AssignSlotsJob.name);

  constructor(
    private readonly assigner: SlotAssigner,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.SlotAssignment) private readonly queue: Queue,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.config.concurrency;
    // One scheduler for the whole fleet of workers: upserting the same id is idempotent.
    await this.queue.upsertJobScheduler(
      JobName.RetryWaitingServices,
      { every: this.config.slotRetryIntervalSeconds * 1000 },
      { name: JobName.RetryWaitingServices, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  async process(job: Job): Promise<unknown> {
    const payload = { name: job.name, data: job.data } as JobPayload;
    switch (payload.name) {
      case JobName.AssignSlots: {
        const result = await this.assigner.assign(payload.data.serviceId);
        if (result.outcome !== 'already_assigned') this.log.log(`service ${payload.data.serviceId}: ${JSON.stringify(result)}`);
        return result;
      }
      case JobName.RetryWaitingServices: {
        const count = await enqueueWaitingServices(this.dataSource, this.queue);
        if (count) this.log.log(`re-enqueued ${count} service(s) waiting for addresses`);
        return { reenqueued: count };
      }
      default:
        throw new Error(`unknown job ${job.name} on ${QueueName.SlotAssignment}`);
    }
  }
}
