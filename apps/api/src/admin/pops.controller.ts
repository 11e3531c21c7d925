import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto } from '../common/pagination';
import { CreatePopDto, PopDto, UpdatePopDto } from './admin.dto';
import { PopsService } from './pops.service';

@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/pops')
export class PopsController {
  constructor(private readonly pops: PopsService) {}

  @Post()
  @ApiSummary('Create a PoP')
  @ApiProblems(400, 409)
  @ApiCreatedResponse({ type: PopDto })
  create(@Body() dto: CreatePopDto, @CurrentPrincipal() p: Principal): Promise<PopDto> {
    return this.pops.create(dto, p);
  }

  @Get()
  @ApiSummary('List PoPs')
  @ApiProblems(400)
  @ApiPageResponse(PopDto)
  list(@Query() page: PageQueryDto): Promise<Page<PopDto>> {
    return this.pops.list(page);
  }

  @Get(':id')
  @ApiSummary('Get a PoP')
  @ApiProblems(404)
  @ApiOkResponse({ type: PopDto })
  get(@IdParam('id', 'PoP') id: string): Promise<PopDto> {
    return this.pops.get(id);
  }

  @Patch(':id')
  @ApiSummary('Change a PoP')
  @ApiProblems(400, 404, 409)
  @ApiOkResponse({ type: PopDto })
  update(@IdParam('id', 'PoP') id: string, @Body() dto: UpdatePopDto, @CurrentPrincipal() p: Principal): Promise<PopDto> {
    return this.pops.update(id, dto, p);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiSummary('Delete a PoP')
  @ApiProblems(404, 409)
  @ApiNoContentResponse({ description: 'Deleted. Refused (409) while pools or edge nodes use the PoP.' })
  remove(@IdParam('id', 'PoP') id: string, @CurrentPrincipal() p: Principal): Promise<void> {
    return this.pops.remove(id, p);
  }
}
