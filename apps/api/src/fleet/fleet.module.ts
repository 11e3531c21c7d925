import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { QueueName } from '@anyfront/contracts';
import { AgentAuthGuard } from './agent-auth.guard';
import { AgentController } from './agent.controller';
import { AgentRegistrationService } from './agent-registration.service';
import { AgentStatusService } from './agent-status.service';
import { FleetAdminController } from './fleet-admin.controller';
import { FleetChangeNotifier } from './fleet-change-notifier';
import { FleetNodeViews } from './fleet-node-views';
import { ServiceFleetController } from './service-fleet.controller';
import { stateSigningKeysProvider } from './state-signing.provider';

/**
 * Fleet sync, control-plane side: agent registration and credentials, desired-state pull, status
 * reports, operator fleet view and drain, service deploy status and health. Other modules call
 * FleetChangeNotifier after writes that change what edges run.
 */
@Module({
  imports: [BullModule.registerQueue({ name: QueueName.FleetSync })],
  controllers: [AgentController, FleetAdminController, ServiceFleetController],
  providers: [AgentAuthGuard, AgentRegistrationService, AgentStatusService, FleetChangeNotifier, FleetNodeViews, stateSigningKeysProvider],
  exports: [FleetChangeNotifier, AgentAuthGuard, FleetNodeViews],
})
export class FleetModule {}
