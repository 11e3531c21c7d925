import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { ApiPageResponse, Page } from '../common/pagination';
import { CreateRelocationDto, RelocationDetailDto, RelocationDto, RelocationListQueryDto, ShortenRelocationDto } from './relocations.dto';
import { RelocationsService } from './relocations.service';

@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/relocations')
export class RelocationsController {
  constructor(private readonly relocations: RelocationsService) {}

  @Post()
  @ApiSummary(
    'Relocate addresses to another pool with notice',
    "One address, a service's address or every tenant address of a pool moves to the target pool: each service gets its new address now, alongside the old one (both announced); the tenants see a notice with the deadline (GET /v1/notices); when the notice ends the old addresses are released into quarantine.",
  )
  @ApiProblems(400, 409)
  @ApiCreatedResponse({ type: RelocationDetailDto })
  create(@Body() dto: CreateRelocationDto, @CurrentPrincipal() p: Principal): Promise<RelocationDetailDto> {
    return this.relocations.create(dto, p);
  }

  @Get()
  @ApiSummary('List relocations with their progress')
  @ApiProblems(400)
  @ApiPageResponse(RelocationDto, 'Relocations, oldest first.')
  list(@Query() q: RelocationListQueryDto): Promise<Page<RelocationDto>> {
    return this.relocations.list(q);
  }

  @Get(':id')
  @ApiSummary('Get a relocation with each moved address')
  @ApiProblems(404)
  @ApiOkResponse({ type: RelocationDetailDto })
  get(@IdParam('id', 'relocation') id: string): Promise<RelocationDetailDto> {
    return this.relocations.get(id);
  }

  @Post(':id/shorten')
  @HttpCode(200)
  @ApiSummary('Shorten the notice of a relocation (with a reason; audited)', 'A time in the past ends the notice now: the old addresses are released at once.')
  @ApiProblems(400, 404, 409)
  @ApiOkResponse({ type: RelocationDetailDto })
  shorten(@IdParam('id', 'relocation') id: string, @Body() dto: ShortenRelocationDto, @CurrentPrincipal() p: Principal): Promise<RelocationDetailDto> {
    return this.relocations.shorten(id, dto, p);
  }
}
