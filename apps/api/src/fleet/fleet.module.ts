import { Module } from '@nestjs/common';
import { AgentAuthGuard } from './agent-auth.guard';
import { AgentController } from './agent.controller';
import { AgentRegistrationService } from './agent-registration.service';
import { AgentStatusService } from './agent-status.service';
import { FleetAdminController } from './fleet-admin.controller';
import { FleetAdminService } from './fleet-admin.service';
import { ServiceFleetService } from './service-fleet.service';
import { FleetChanges } from './fleet-changes';
import { FleetNodeViews } from './fleet-node-views';
import { ServiceFleetController } from './service-fleet.controller';
import { stateSigningKeysProvider } from './state-signing.provider';

/**
 * Fleet sync, control-plane side: agent registration and credentials, desired-state pull, status
 * reports, operator fleet view and drain, service deploy status and health. Other modules call
 * FleetChanges inside writes that change what edges run (transactional outbox).
 */
@Module({
  controllers: [AgentController, FleetAdminController, ServiceFleetController],
  providers: [FleetAdminService, ServiceFleetService, AgentAuthGuard, AgentRegistrationService, AgentStatusService, FleetChanges, FleetNodeViews, stateSigningKeysProvider],
  exports: [FleetChanges, AgentAuthGuard, FleetNodeViews],
})
export class FleetModule {}
