import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, OrganizationId } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiPageResponse, Page, PageQueryDto } from '../common/pagination';
import { CreateServiceDto, ServiceDto, UpdateServiceDto } from './services.dto';
import { ServicesService } from './services.service';

@ApiTags('services')
@ApiCookieAuth()
@ApiBearerAuth()
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly services: ServicesService) {}

  @Post()
  @ApiCreatedResponse({ type: ServiceDto, description: 'Created with status "pending"; the worker assigns its anycast addresses shortly after.' })
  create(@OrganizationId() orgId: string, @Body() dto: CreateServiceDto, @CurrentPrincipal() p: Principal): Promise<ServiceDto> {
    return this.services.create(orgId, dto, p);
  }

  @Get()
  @ApiPageResponse(ServiceDto, "The organization's services, oldest first.")
  list(@OrganizationId() orgId: string, @Query() page: PageQueryDto): Promise<Page<ServiceDto>> {
    return this.services.list(orgId, page);
  }

  @Get(':id')
  @ApiOkResponse({ type: ServiceDto })
  get(@OrganizationId() orgId: string, @IdParam('id', 'service') id: string): Promise<ServiceDto> {
    return this.services.get(orgId, id);
  }

  @Patch(':id')
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
  @ApiNoContentResponse({ description: 'Deleted. Its anycast addresses stay in quarantine (QUARANTINE_DAYS, default 7) before reuse.' })
  remove(@OrganizationId() orgId: string, @IdParam('id', 'service') id: string, @CurrentPrincipal() p: Principal): Promise<void> {
    return this.services.remove(orgId, id, p);
  }
}
