import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, OrganizationId } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto } from '../common/pagination';
import { CreateServiceDto, ServiceDto, UpdateServiceDto } from './services.dto';
import { ServicesService } from './services.service';

@ApiTags('services')
@ApiTenantAuth()
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly services: ServicesService) {}

  @Post()
  @ApiSummary('Create a service', 'The worker assigns its anycast addresses (two IPv4 from different pools, one IPv6) shortly after.')
  @ApiProblems(400, 402, 409)
  @ApiCreatedResponse({ type: ServiceDto, description: 'Created with status "pending"; the worker assigns its anycast addresses shortly after.' })
  create(@OrganizationId() orgId: string, @Body() dto: CreateServiceDto, @CurrentPrincipal() p: Principal): Promise<ServiceDto> {
    return this.services.create(orgId, dto, p);
  }

  @Get()
  @ApiSummary("List the organization's services")
  @ApiProblems(400)
  @ApiPageResponse(ServiceDto, "The organization's services, oldest first.")
  list(@OrganizationId() orgId: string, @Query() page: PageQueryDto): Promise<Page<ServiceDto>> {
    return this.services.list(orgId, page);
  }

  @Get(':id')
  @ApiSummary('Get a service with its addresses and deploy status')
  @ApiProblems(404)
  @ApiOkResponse({ type: ServiceDto })
  get(@OrganizationId() orgId: string, @IdParam('id', 'service') id: string): Promise<ServiceDto> {
    return this.services.get(orgId, id);
  }

  @Patch(':id')
  @ApiSummary('Change a service', 'Fields given replace the current ones (the health check is merged field by field).')
  @ApiProblems(400, 404, 409, 422)
  @ApiOkResponse({ type: ServiceDto })
  update(
    @OrganizationId() orgId: string,
    @IdParam('id', 'service') id: string,
    @Body() dto: UpdateServiceDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<ServiceDto> {
    return this.services.update(orgId, id, dto, p);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiSummary('Delete a service')
  @ApiProblems(404)
  @ApiNoContentResponse({
    description:
      'Deletion accepted: the service is `deleting` (still listed, no longer changeable) until every edge node of its PoPs has ' +
      'applied a desired state without it, then it is gone and its anycast addresses stay in quarantine (QUARANTINE_DAYS, ' +
      'default 7) before reuse. A service no edge runs is gone at once. Repeating the request while it is deleting answers the same.',
  })
  remove(@OrganizationId() orgId: string, @IdParam('id', 'service') id: string, @CurrentPrincipal() p: Principal): Promise<void> {
    return this.services.remove(orgId, id, p);
  }
}
