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

/** Builds the worker's module; `config` defaults to the environment (tests and benchmarks pass their own). */
export function workerModule(config: WorkerConfig = loadWorkerConfig()) {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...dataSourceOptions(config.databaseUrl, { poolSize: config.databasePoolSize }) }),
      BullModule.forRoot({ connection: { url: config.redisUrl, maxRetriesPerRequest: null }, prefix: config.queuePrefix }),
      BullModule.registerQueue({ name: QueueName.SlotAssignment }, { name: QueueName.FleetSync }, { name: QueueName.Billing }),
      FleetWorkerModule.register(),
    ],
    providers: [
      { provide: WORKER_CONFIG, useValue: config },
      { provide: SlotAssigner, useFactory: (ds: DataSource) => new SlotAssigner(ds), inject: [getDataSourceToken()] },
      AssignSlotsJob,
      BillingJob,
    ],
  })
  class WorkerModule {}
  return WorkerModule;
}
