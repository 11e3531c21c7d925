import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { ApiPageResponse, type Page } from '../common/pagination';
import { AddressLookupDto, AddressLookupQueryDto, EdgeNodeImpactDto, OperatorOverviewDto, OrganizationsQueryDto, OrganizationSummaryDto, PoolSlotMapDto } from './operator-views.dto';
import { OperatorViewsService } from './operator-views.service';

/** What the operator console reads: slot maps, address lookup, the organizations directory, the overview. */
@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin')
export class OperatorViewsController {
  constructor(private readonly views: OperatorViewsService) {}

  @Get('pools/:id/slots')
  @ApiSummary('The slot map of a pool: every slot of each IPv4 /24 with its state and holder', 'IPv6 pools (and IPv4 pools larger than a /20) list the taken slots only.')
  @ApiProblems(400, 404)
  @ApiOkResponse({ type: PoolSlotMapDto })
  slots(@IdParam('id', 'pool') id: string): Promise<PoolSlotMapDto> {
    return this.views.slotMap(id);
  }

  @Get('address-lookup')
  @ApiSummary('Look up an address: its holder and holding history, pool and announcing PoPs, and which services use it as a backend', 'Any address answers 200: one in no pool and used by no backend has empty fields.')
  @ApiProblems(400)
  @ApiOkResponse({ type: AddressLookupDto })
  lookup(@Query() q: AddressLookupQueryDto): Promise<AddressLookupDto> {
    return this.views.lookup(q.address);
  }

  @Get('organizations')
  @ApiSummary('List organizations (oldest first), with plan, billing standing and what they hold')
  @ApiProblems(400)
  @ApiPageResponse(OrganizationSummaryDto)
  organizations(@Query() q: OrganizationsQueryDto): Promise<Page<OrganizationSummaryDto>> {
    return this.views.organizations(q);
  }

  @Get('overview')
  @ApiSummary('What needs an operator: services waiting for capacity, failed deploys, organizations past due or suspended')
  @ApiOkResponse({ type: OperatorOverviewDto })
  overview(): Promise<OperatorOverviewDto> {
    return this.views.overview();
  }

  @Get('edge-nodes/:id/impact')
  @ApiSummary('What draining an edge node moves: its services, its last hour of traffic, the rest of its PoP; and its kernel capabilities')
  @ApiProblems(400, 404)
  @ApiOkResponse({ type: EdgeNodeImpactDto })
  impact(@IdParam('id', 'edge node') id: string): Promise<EdgeNodeImpactDto> {
    return this.views.edgeNodeImpact(id);
  }
}
