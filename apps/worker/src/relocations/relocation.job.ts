import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { JobName, QueueName } from '@anyfront/contracts';
import { releaseDueRelocations } from '@anyfront/db';
import { WORKER_CONFIG, type WorkerConfig } from '../config';
import { type Job, type Queue, QueueProcessor, schedule, unhandled } from '../queues';

/**
 * The relocations queue: when a relocation's notice ends, its old addresses are released into
 * quarantine (the new ones were assigned when it was created). The sweep finds ended notices; a
 * shortened notice comes as its own job through the outbox. Both are idempotent: a relocation is
 * completed once, under its row lock.
 */
@QueueProcessor(QueueName.Relocations)
export class RelocationJob extends WorkerHost implements OnApplicationBootstrap {
  private readonly log = new Logger(RelocationJob.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.Relocations) private readonly queue: Queue<QueueName.Relocations>,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await schedule(this.queue, JobName.SweepRelocations, { every: (this.config.relocationSweepIntervalSeconds ?? 60) * 1000, immediately: true });
  }

  async process(job: Job<QueueName.Relocations>): Promise<unknown> {
    const opts = { queuePrefix: this.config.queuePrefix, quarantineDays: this.config.quarantineDays };
    switch (job.name) {
      case JobName.SweepRelocations:
        return this.report(await releaseDueRelocations(this.ds, opts));
      case JobName.ReleaseRelocation:
        return this.report(await releaseDueRelocations(this.ds, { ...opts, relocationId: job.data.relocationId }));
      default:
        return unhandled(job);
    }
  }

  private report(done: Awaited<ReturnType<typeof releaseDueRelocations>>) {
    for (const r of done) this.log.log(`relocation ${r.relocationId}: notice ended; ${r.released.length} old address(es) released into quarantine (${r.released.join(', ')})`);
    return { completed: done.map((r) => r.relocationId) };
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<QueueName.Relocations> | undefined, err: Error): void {
    this.log.error(`relocation job ${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`);
  }
}
