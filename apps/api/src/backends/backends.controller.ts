import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, OrganizationId } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto } from '../common/pagination';
import { BackendDto, CreateBackendDto, UpdateBackendDto } from './backends.dto';
import { BackendsService } from './backends.service';

@ApiTags('backends')
@ApiTenantAuth()
@ApiParam({ name: 'id', format: 'uuid', description: 'The service' })
@Controller('v1/services/:id/backends')
export class BackendsController {
  constructor(private readonly backends: BackendsService) {}

  @Post()
  @ApiSummary('Add a backend to a service', 'Its address family must be one the service encapsulation reaches (422 otherwise).')
  @ApiProblems(400, 402, 404, 409, 422)
  @ApiCreatedResponse({ type: BackendDto })
  create(
    @OrganizationId() orgId: string,
    @IdParam('id', 'service') serviceId: string,
    @Body() dto: CreateBackendDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<BackendDto> {
    return this.backends.create(orgId, serviceId, dto, p);
  }

  @Get()
  @ApiSummary("List a service's backends")
  @ApiProblems(400, 404)
  @ApiPageResponse(BackendDto, "The service's backends, oldest first.")
  list(@OrganizationId() orgId: string, @IdParam('id', 'service') serviceId: string, @Query() page: PageQueryDto): Promise<Page<BackendDto>> {
    return this.backends.list(orgId, serviceId, page);
  }

  @Get(':backend_id')
  @ApiSummary('Get a backend')
  @ApiProblems(404)
  @ApiOkResponse({ type: BackendDto })
  get(@OrganizationId() orgId: string, @IdParam('id', 'service') serviceId: string, @IdParam('backend_id', 'backend') id: string): Promise<BackendDto> {
    return this.backends.get(orgId, serviceId, id);
  }

  @Patch(':backend_id')
  @ApiSummary('Change a backend (address, weight, region, enabled)')
  @ApiProblems(400, 404, 409, 422)
  @ApiOkResponse({ type: BackendDto })
  update(
    @OrganizationId() orgId: string,
    @IdParam('id', 'service') serviceId: string,
    @IdParam('backend_id', 'backend') id: string,
    @Body() dto: UpdateBackendDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<BackendDto> {
    return this.backends.update(orgId, serviceId, id, dto, p);
  }

  @Delete(':backend_id')
  @HttpCode(204)
  @ApiSummary('Remove a backend')
  @ApiProblems(404, 409)
  @ApiNoContentResponse({ description: 'Removed; edges stop sending new flows to it.' })
  remove(
    @OrganizationId() orgId: string,
    @IdParam('id', 'service') serviceId: string,
    @IdParam('backend_id', 'backend') id: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    return this.backends.remove(orgId, serviceId, id, p);
  }
}
