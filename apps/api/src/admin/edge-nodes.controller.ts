import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto } from '../common/pagination';
import { CreateEdgeNodeDto, EdgeNodeDto, UpdateEdgeNodeDto } from './admin.dto';
import { EdgeNodesService } from './edge-nodes.service';

@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/edge-nodes')
export class EdgeNodesController {
  constructor(private readonly nodes: EdgeNodesService) {}

  @Post()
  @ApiSummary('Create an edge node in a PoP', 'Then issue a bootstrap token for its agent: POST /v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens.')
  @ApiProblems(400, 409)
  @ApiCreatedResponse({ type: EdgeNodeDto })
  create(@Body() dto: CreateEdgeNodeDto, @CurrentPrincipal() p: Principal): Promise<EdgeNodeDto> {
    return this.nodes.create(dto, p);
  }

  @Get()
  @ApiSummary('List edge nodes with their fleet sync state')
  @ApiProblems(400)
  @ApiPageResponse(EdgeNodeDto)
  list(@Query() page: PageQueryDto): Promise<Page<EdgeNodeDto>> {
    return this.nodes.list(page);
  }

  @Get(':id')
  @ApiSummary('Get an edge node with its fleet sync state')
  @ApiProblems(404)
  @ApiOkResponse({ type: EdgeNodeDto })
  get(@IdParam('id', 'edge node') id: string): Promise<EdgeNodeDto> {
    return this.nodes.get(id);
  }

  @Patch(':id')
  @ApiSummary('Change an edge node (PoP, name, tunnel sources, state)')
  @ApiProblems(400, 404, 409)
  @ApiOkResponse({ type: EdgeNodeDto })
  update(@IdParam('id', 'edge node') id: string, @Body() dto: UpdateEdgeNodeDto, @CurrentPrincipal() p: Principal): Promise<EdgeNodeDto> {
    return this.nodes.update(id, dto, p);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiSummary('Delete an edge node')
  @ApiProblems(404)
  @ApiNoContentResponse({ description: 'Deleted; its agent credentials stop working.' })
  remove(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<void> {
    return this.nodes.remove(id, p);
  }
}
