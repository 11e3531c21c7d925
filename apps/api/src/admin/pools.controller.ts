import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto } from '../common/pagination';
import { CreatePoolDto, PoolDto, UpdatePoolDto } from './admin.dto';
import { PoolsService } from './pools.service';

@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/pools')
export class PoolsController {
  constructor(private readonly pools: PoolsService) {}

  @Post()
  @ApiSummary('Create a pool (an announced IPv4 /24 or IPv6 /48) and its PoP set')
  @ApiProblems(400, 409)
  @ApiCreatedResponse({ type: PoolDto })
  create(@Body() dto: CreatePoolDto, @CurrentPrincipal() p: Principal): Promise<PoolDto> {
    return this.pools.create(dto, p);
  }

  @Get()
  @ApiSummary('List pools with their PoP set and utilization')
  @ApiProblems(400)
  @ApiPageResponse(PoolDto, 'Pools with their PoP set and utilization.')
  list(@Query() page: PageQueryDto): Promise<Page<PoolDto>> {
    return this.pools.list(page);
  }

  @Get(':id')
  @ApiSummary('Get a pool with its utilization')
  @ApiProblems(404)
  @ApiOkResponse({ type: PoolDto })
  get(@IdParam('id', 'pool') id: string): Promise<PoolDto> {
    return this.pools.get(id);
  }

  @Patch(':id')
  @ApiSummary('Change a pool (scope, region, PoP set, state)')
  @ApiProblems(400, 404, 409)
  @ApiOkResponse({ type: PoolDto })
  update(@IdParam('id', 'pool') id: string, @Body() dto: UpdatePoolDto, @CurrentPrincipal() p: Principal): Promise<PoolDto> {
    return this.pools.update(id, dto, p);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiSummary('Delete a pool')
  @ApiProblems(404, 409)
  @ApiNoContentResponse({ description: 'Deleted. Refused (409) while the pool holds assigned or quarantined addresses.' })
  remove(@IdParam('id', 'pool') id: string, @CurrentPrincipal() p: Principal): Promise<void> {
    return this.pools.remove(id, p);
  }
}
