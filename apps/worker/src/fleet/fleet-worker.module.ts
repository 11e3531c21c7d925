import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { QueueName } from '@anyfront/contracts';
import { TrafficRollupJob } from '../traffic/traffic-rollup.job';
import { loadStateSigningKeys } from '@anyfront/state-signing';
import { FLEET_WORKER_CONFIG, type FleetWorkerConfig, loadFleetWorkerConfig, STATE_SIGNING_KEYS } from './fleet-config';
import { FleetSyncJob } from './fleet-sync.job';

/** Fleet sync and traffic roll-up processors. Needs the worker's global TypeORM and BullMQ roots. */
@Module({})
export class FleetWorkerModule {
  static register(config: FleetWorkerConfig = loadFleetWorkerConfig()) {
    return {
      module: FleetWorkerModule,
      imports: [BullModule.registerQueue({ name: QueueName.FleetSync }, { name: QueueName.TrafficRollup })],
      providers: [
        { provide: FLEET_WORKER_CONFIG, useValue: config },
        { provide: STATE_SIGNING_KEYS, useFactory: () => loadStateSigningKeys(process.env) },
        FleetSyncJob,
        TrafficRollupJob,
      ],
    };
  }
}
