import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { dataSourceOptions } from '@anyfront/db';
import { QueueName } from '@anyfront/contracts';
import { loadStateSigningKeys } from '@anyfront/state-signing';
import { STATE_SIGNING_KEYS, WORKER_CONFIG, type WorkerConfig } from './config';
import { AssignSlotsJob } from './slots/assign-slots.job';
import { BillingJob } from './billing/billing.job';
import { FleetSyncJob } from './fleet/fleet-sync.job';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { RelocationJob } from './relocations/relocation.job';
import { WebhookDeliveryJob } from './webhooks/webhook-delivery.job';
import { assertEveryQueueHandled } from './queues';
import { SlotAssigner } from './slots/slot-assigner';
import { TrafficRollupJob } from './traffic/traffic-rollup.job';

/** One processor per queue (QueueName); `workerModule` refuses to build without one for each. */
export const WORKER_PROCESSORS = [AssignSlotsJob, FleetSyncJob, TrafficRollupJob, BillingJob, RelocationJob, WebhookDeliveryJob];

/**
 * Builds the worker's module from its one validated configuration (`loadWorkerConfig`, read once in
 * main; tests and benchmarks pass their own). Throws before anything starts when a queue has no processor.
 */
export function workerModule(config: WorkerConfig, processors: readonly (typeof WORKER_PROCESSORS)[number][] = WORKER_PROCESSORS) {
  assertEveryQueueHandled(processors);
  @Module({
    imports: [
      TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, { poolSize: config.databasePoolSize })),
      BullModule.forRoot({ connection: { url: config.redisUrl, maxRetriesPerRequest: null }, prefix: config.queuePrefix }),
      // Every queue: the outbox relay may publish to any of them.
      BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name }))),
    ],
    providers: [
      { provide: WORKER_CONFIG, useValue: config },
      { provide: STATE_SIGNING_KEYS, useFactory: () => loadStateSigningKeys(process.env) },
      { provide: SlotAssigner, useFactory: (ds: DataSource) => new SlotAssigner(ds, config.queuePrefix), inject: [getDataSourceToken()] },
      ...processors,
      OutboxRelayService,
    ],
  })
  class WorkerModule {}
  return WorkerModule;
}
