import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { QueueName } from '@anyfront/contracts';
import { FleetModule } from '../fleet/fleet.module';
import { ServicesController } from './services.controller';
import { ServicesService } from './services.service';
import { SlotQueue } from './slot-queue';

/** Tenant services: CRUD, enqueueing slot assignment, quarantine of addresses on delete. */
@Module({
  imports: [BullModule.registerQueue({ name: QueueName.SlotAssignment }), FleetModule],
  controllers: [ServicesController],
  providers: [ServicesService, SlotQueue],
  exports: [ServicesService],
})
export class ServicesModule {}
