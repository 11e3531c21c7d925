import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiPageResponse, Page, PageQueryDto } from '../common/pagination';
import { CreatePoolDto, PoolDto, UpdatePoolDto } from './admin.dto';
import { PoolsService } from './pools.service';

@ApiTags('admin')
@ApiCookieAuth()
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/admin/pools')
export class PoolsController {
  constructor(private readonly pools: PoolsService) {}

  @Post()
  @ApiCreatedResponse({ type: PoolDto })
  create(@Body() dto: CreatePoolDto, @CurrentPrincipal() p: Principal): Promise<PoolDto> {
    return this.pools.create(dto, p);
  }

  @Get()
  @ApiPageResponse(PoolDto, 'Pools with their PoP set and utilization.')
  list(@Query() page: PageQueryDto): Promise<Page<PoolDto>> {
    return this.pools.list(page);
  }

  @Get(':id')
  @ApiOkResponse({ type: PoolDto })
  get(@IdParam('id', 'pool') id: string): Promise<PoolDto> {
    return this.pools.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: PoolDto })
  update(@IdParam('id', 'pool') id: string, @Body() dto: UpdatePoolDto, @CurrentPrincipal() p: Principal): Promise<PoolDto> {
    return this.pools.update(id, dto, p);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted. Refused (409) while the pool holds assigned or quarantined addresses.' })
  remove(@IdParam('id', 'pool') id: string, @CurrentPrincipal() p: Principal): Promise<void> {
    return this.pools.remove(id, p);
  }
}
