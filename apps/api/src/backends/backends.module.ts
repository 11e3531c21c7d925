import { Module } from '@nestjs/common';
import { FleetModule } from '../fleet/fleet.module';
import { ServicesModule } from '../services/services.module';
import { BackendAddressPolicy } from './backend-address.policy';
import { BackendsController } from './backends.controller';
import { BackendsService } from './backends.service';

/** A service's backends: address policy (global unicast, not the platform's own), family vs encapsulation. */
@Module({
  imports: [ServicesModule, FleetModule],
  controllers: [BackendsController],
  providers: [BackendsService, BackendAddressPolicy],
})
export class BackendsModule {}
