import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuditService } from './audit.service';
import { MaintenanceService } from './maintenance.service';
import { QueueErrorLogger } from './queue-errors';

/** Cross-cutting providers every feature module may inject. */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [AuditService, MaintenanceService, QueueErrorLogger],
  exports: [AuditService, MaintenanceService],
})
export class CommonModule {}
