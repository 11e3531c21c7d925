import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';
import { MaintenanceService } from './maintenance.service';
import { Outbox } from './outbox';

/** Cross-cutting providers every feature module may inject. */
@Global()
@Module({
  providers: [AuditService, MaintenanceService, Outbox],
  exports: [AuditService, MaintenanceService, Outbox],
})
export class CommonModule {}
