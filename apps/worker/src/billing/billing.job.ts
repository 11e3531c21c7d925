import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { bulkJob, type JobPayload, JobName, processStripeEventJob, QueueName } from '@anyfront/contracts';
import { DEFAULT_GRACE_SECONDS, toEpochSeconds, type DunningConfig } from '@anyfront/billing';
import { WORKER_CONFIG, type WorkerConfig } from '../config';
import { processStripeEvent, sweepDunning, unprocessedEventIds } from './dunning';
import { closeStatements } from './statements';

/**
 * The billing queue: Stripe webhook events (one job per stored event), the dunning sweep (grace
 * timer, repeatable) and, in local-ledger mode, the hourly close of last month's statements.
 */
@Processor(QueueName.Billing)
export class BillingJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(BillingJob.name);
  private readonly dunning: DunningConfig;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.Billing) private readonly queue: Queue,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
    this.dunning = { graceSeconds: config.billingGraceSeconds ?? DEFAULT_GRACE_SECONDS };
  }

  async onApplicationBootstrap(): Promise<void> {
    const opts = { removeOnComplete: true, removeOnFail: 100 };
    if (!this.config.stripeSecretKey) {
      await this.queue.upsertJobScheduler(JobName.CloseStatements, { every: 3600_000, immediately: true }, { name: JobName.CloseStatements, data: {}, opts });
    } else {
      await this.queue.removeJobScheduler(JobName.CloseStatements);
    }
    const every = (this.config.billingSweepIntervalSeconds ?? 60) * 1000;
    await this.queue.upsertJobScheduler(JobName.DunningSweep, { every, immediately: true }, { name: JobName.DunningSweep, data: {}, opts });
  }

  async process(job: Job): Promise<unknown> {
    const payload = { name: job.name, data: job.data } as JobPayload;
    const now = toEpochSeconds(new Date());
    switch (payload.name) {
      case JobName.CloseStatements: {
        const r = await closeStatements(this.ds, new Date());
        if (r.created) this.log.log(`closed ${r.created} local statement(s) for ${new Date(r.period.from * 1000).toISOString().slice(0, 7)}`);
        return r;
      }
      case JobName.ProcessStripeEvent: {
        const r = await processStripeEvent(this.ds, this.config.queuePrefix, payload.data.eventId, { now, dunning: this.dunning });
        const transitions = r.change?.transitions.map((t) => t.type).join(', ');
        this.log.log(`stripe event ${r.eventId}: ${r.outcome}${r.organizationId ? ` (organization ${r.organizationId})` : ''}${transitions ? `: ${transitions}` : ''}${r.detail ? ` - ${r.detail}` : ''}`);
        return { outcome: r.outcome, organizationId: r.organizationId, transitions: r.change?.transitions ?? [] };
      }
      case JobName.DunningSweep: {
        const suspended = await sweepDunning(this.ds, this.config.queuePrefix, { now, dunning: this.dunning });
        for (const org of suspended) this.log.warn(`organization ${org} suspended: grace period after a failed payment is over; its services are withdrawn from the fleet`);
        // Events stored but never processed (the webhook's enqueue failed): process them now.
        const lost = await unprocessedEventIds(this.ds, 30);
        if (lost.length) await this.queue.addBulk(lost.map((id) => bulkJob(processStripeEventJob(id))));
        return { suspended, requeued: lost.length };
      }
      default:
        throw new Error(`unknown job ${job.name} on ${QueueName.Billing}`);
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    this.log.error(`billing job ${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`);
  }
}
