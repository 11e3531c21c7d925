import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import { bulkJob, JobName, processStripeEventJob, QueueName } from '@anyfront/contracts';
import { DEFAULT_GRACE_SECONDS, toEpochSeconds, type DunningConfig } from '@anyfront/billing';
import { WORKER_CONFIG, type WorkerConfig } from '../config';
import { type Job, type Queue, QueueProcessor, schedule, unhandled } from '../queues';
import { processStripeEvent, sweepDunning, unprocessedEventIds } from './dunning';
import { measureMeterEvents, sendMeterEvents } from './meter-export';
import { syncSubscriptionPrices } from './subscription-prices';
import { releaseReservedAddresses } from '@anyfront/db';
import { closeStatements } from './statements';

/**
 * The billing queue: Stripe webhook events (one job per stored event), the dunning sweep (grace
 * timer, repeatable) and, in local-ledger mode, the hourly close of last month's statements.
 */
@QueueProcessor(QueueName.Billing)
export class BillingJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(BillingJob.name);
  private readonly dunning: DunningConfig;
  /** Stripe mode only. */
  private readonly stripe: Stripe | null;
  /** Meter event names known to exist at Stripe (this process). */
  private readonly meters = new Set<string>();
  /** Subscriptions already on the price book for a version and period (this process). */
  private readonly settledSubscriptions = new Set<string>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.Billing) private readonly queue: Queue<QueueName.Billing>,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
    this.dunning = { graceSeconds: config.billingGraceSeconds ?? DEFAULT_GRACE_SECONDS };
    // Our own backoff (the export outbox) retries; the SDK retries a little, with short timeouts.
    this.stripe = config.stripeSecretKey ? new Stripe(config.stripeSecretKey, { maxNetworkRetries: 1, timeout: 5_000, ...config.stripeApi }) : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.stripeSecretKey) {
      await schedule(this.queue, JobName.CloseStatements, { every: 3600_000, immediately: true });
      await this.queue.removeJobScheduler(JobName.ExportMeterEvents);
    } else {
      await this.queue.removeJobScheduler(JobName.CloseStatements);
      const exportEvery = (this.config.billingExportIntervalSeconds ?? 300) * 1000;
      await schedule(this.queue, JobName.ExportMeterEvents, { every: exportEvery, immediately: true });
    }
    const every = (this.config.billingSweepIntervalSeconds ?? 60) * 1000;
    await schedule(this.queue, JobName.DunningSweep, { every, immediately: true });
  }

  async process(job: Job<QueueName.Billing>): Promise<unknown> {
    const now = toEpochSeconds(new Date());
    switch (job.name) {
      case JobName.CloseStatements: {
        const r = await closeStatements(this.ds, new Date());
        if (r.created) this.log.log(`closed ${r.created} local statement(s) for ${new Date(r.period.from * 1000).toISOString().slice(0, 7)}`);
        return r;
      }
      case JobName.ProcessStripeEvent: {
        const r = await processStripeEvent(this.ds, this.config.queuePrefix, job.data.eventId, { now, dunning: this.dunning });
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
        // Suspended past the reserve period: addresses released through quarantine.
        const released = await releaseReservedAddresses(this.ds, {
          now,
          reserveSeconds: this.config.billingAddressReserveSeconds ?? 30 * 86_400,
          quarantineDays: this.config.quarantineDays,
        });
        for (const r of released) this.log.warn(`organization ${r.organizationId}: suspended longer than its reserve period; ${r.addresses.length} address(es) released into quarantine`);
        return { suspended, requeued: lost.length, released: released.length };
      }
      case JobName.ExportMeterEvents: {
        if (!this.stripe) return { skipped: 'local-ledger mode' };
        // Prices first: a new price-book version's events need its prices on the subscriptions.
        const prices = await syncSubscriptionPrices(this.ds, this.stripe, now, this.settledSubscriptions);
        for (const c of prices.changed) this.log.log(`subscription ${c.subscription}: price book in force now (added ${c.added.length} price(s), removed ${c.removed.length} item(s))`);
        const measured = await measureMeterEvents(this.ds, {
          now,
          delaySeconds: this.config.billingExportDelaySeconds ?? 600,
          lookbackHours: 24,
          maxHoursPerRun: 24 * 40,
          queuePrefix: this.config.queuePrefix,
        });
        for (const s of measured.skipped) this.log.error(`meter export: ${s}`);
        const sent = await this.send(now);
        return { prices: prices.changed.length, measured, sent };
      }
      case JobName.SendMeterEvents:
        return this.stripe ? this.send(now) : { skipped: 'local-ledger mode' };
      default:
        return unhandled(job);
    }
  }

  private async send(now: number) {
    if (!this.stripe) throw new Error('no Stripe client');
    const r = await sendMeterEvents(this.ds, this.stripe, { now, batchSize: 2000, concurrency: 8, meters: this.meters });
    if (r.failed) this.log.warn(`meter export: ${r.failed} Stripe call(s) failed; ${r.pending} event(s) wait for their next attempt`);
    return r;
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<QueueName.Billing> | undefined, err: Error): void {
    this.log.error(`billing job ${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`);
  }
}
