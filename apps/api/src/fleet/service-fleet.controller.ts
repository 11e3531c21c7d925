import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OrganizationId } from '../auth/decorators';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { ServiceDeploymentStatusDto, ServiceHealthDto } from './fleet.dto';
import { ServiceFleetService } from './service-fleet.service';

/** A tenant's view of how its service runs on the fleet: deploy status and backend health. */
@ApiTags('services')
@ApiTenantAuth()
@Controller('v1/services')
export class ServiceFleetController {
  constructor(private readonly fleet: ServiceFleetService) {}

  /**
   * `deploying` until every edge node that should serve the service applied its latest change,
   * then `deployed`; per PoP and per node.
   */
  @Get(':id/deployment')
  @ApiSummary("Get a service's deploy status on the edge fleet, per PoP and edge node")
  @ApiProblems(404)
  @ApiOkResponse({ type: ServiceDeploymentStatusDto })
  deployment(@IdParam('id', 'service') id: string, @OrganizationId() org: string): Promise<ServiceDeploymentStatusDto> {
    return this.fleet.deployment(id, org);
  }

  /** Each backend's health per PoP and overall; `backends_down_everywhere` flags backends no PoP can reach. */
  @Get(':id/health')
  @ApiSummary("Get a service's backend health, per PoP and overall")
  @ApiProblems(404)
  @ApiOkResponse({ type: ServiceHealthDto })
  health(@IdParam('id', 'service') id: string, @OrganizationId() org: string): Promise<ServiceHealthDto> {
    return this.fleet.health(id, org);
  }
}
