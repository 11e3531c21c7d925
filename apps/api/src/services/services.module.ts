import { Module } from '@nestjs/common';
import { FleetModule } from '../fleet/fleet.module';
import { ServicesController } from './services.controller';
import { ServicesService } from './services.service';

/** Tenant services: CRUD, slot assignment requested through the outbox, quarantine of addresses on delete. */
@Module({
  imports: [FleetModule],
  controllers: [ServicesController],
  providers: [ServicesService],
  exports: [ServicesService],
})
export class ServicesModule {}
