import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { type JobPayload, JobName, QueueName } from '@anyfront/contracts';
import { WORKER_CONFIG, type WorkerConfig } from '../config';
import { closeStatements } from './statements';

/** The billing queue. Local-ledger mode: hourly, close last month's statements (a no-op once done). */
@Processor(QueueName.Billing)
export class BillingJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(BillingJob.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.Billing) private readonly queue: Queue,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const opts = { removeOnComplete: true, removeOnFail: 100 };
    if (!this.config.stripeSecretKey) {
      await this.queue.upsertJobScheduler(JobName.CloseStatements, { every: 3600_000, immediately: true }, { name: JobName.CloseStatements, data: {}, opts });
    } else {
      await this.queue.removeJobScheduler(JobName.CloseStatements);
    }
  }

  async process(job: Job): Promise<unknown> {
    const payload = { name: job.name, data: job.data } as JobPayload;
    switch (payload.name) {
      case JobName.CloseStatements: {
        const r = await closeStatements(this.ds, new Date());
        if (r.created) this.log.log(`closed ${r.created} local statement(s) for ${new Date(r.period.from * 1000).toISOString().slice(0, 7)}`);
        return r;
      }
      default:
        throw new Error(`unknown job ${job.name} on ${QueueName.Billing}`);
    }
  }
}
