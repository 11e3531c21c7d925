import { Module } from '@nestjs/common';
import { FleetModule } from '../fleet/fleet.module';
import { AuditLogController } from './audit-log.controller';
import { EdgeNodesController } from './edge-nodes.controller';
import { EdgeNodesService } from './edge-nodes.service';
import { PoolsController } from './pools.controller';
import { PoolUtilizationController, PoolUtilizationService } from './pool-utilization.controller';
import { PoolsService } from './pools.service';
import { OperatorViewsController } from './operator-views.controller';
import { OperatorViewsService } from './operator-views.service';
import { PopsController } from './pops.controller';
import { PopsService } from './pops.service';
import { RelocationsController } from './relocations.controller';
import { RelocationsService } from './relocations.service';

/** Operator resources under /v1/admin (operator role only; others get 403). */
@Module({
  imports: [FleetModule],
  controllers: [PopsController, PoolsController, EdgeNodesController, AuditLogController, OperatorViewsController, RelocationsController, PoolUtilizationController],
  providers: [PoolsService, OperatorViewsService, PopsService, EdgeNodesService, RelocationsService, PoolUtilizationService],
  exports: [PoolsService],
})
export class AdminModule {}
