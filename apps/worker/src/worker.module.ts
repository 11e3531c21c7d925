import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { dataSourceOptions } from '@anyfront/db';
import { QueueName } from '@anyfront/contracts';
import { WORKER_CONFIG, type WorkerConfig, loadWorkerConfig } from './config';
import { AssignSlotsJob } from './slots/assign-slots.job';
import { BillingJob } from './billing/billing.job';
import { FleetWorkerModule } from './fleet/fleet-worker.module';
import { SlotAssigner } from './slots/slot-assigner';
import { OutboxRelayService } from './outbox/outbox-relay.service';

/** Builds the worker's module; `config` defaults to the environment (tests and benchmarks pass their own). */
export function workerModule(config: WorkerConfig = loadWorkerConfig()) {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...dataSourceOptions(config.databaseUrl, { poolSize: config.databasePoolSize }) }),
      BullModule.forRoot({ connection: { url: config.redisUrl, maxRetriesPerRequest: null }, prefix: config.queuePrefix }),
      // Every queue: the outbox relay may publish to any of them.
      BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name }))),
      FleetWorkerModule.register(),
    ],
    providers: [
      { provide: WORKER_CONFIG, useValue: config },
      { provide: SlotAssigner, useFactory: (ds: DataSource) => new SlotAssigner(ds, config.queuePrefix), inject: [getDataSourceToken()] },
      AssignSlotsJob,
      BillingJob,
      OutboxRelayService,
    ],
  })
  class WorkerModule {}
  return WorkerModule;
}
