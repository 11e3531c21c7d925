import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';
import { MaintenanceService } from './maintenance.service';

/** Cross-cutting providers every feature module may inject. */
@Global()
@Module({
  providers: [AuditService, MaintenanceService],
  exports: [AuditService, MaintenanceService],
})
export class CommonModule {}
