import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { IdempotencyNoStore } from '../common/idempotency.interceptor';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { ApiPageResponse, type Page, PageQueryDto } from '../common/pagination';
import { FleetAdminService } from './fleet-admin.service';
import { BootstrapTokenDto, FleetNodeDto, NodeCredentialDto, PopDrainDto, RevokedCredentialsDto, SyncEnqueuedDto } from './fleet.dto';
import type { FleetNodeView } from './fleet-node-views';

export type { FleetNodeView } from './fleet-node-views';

/** Operator fleet view and controls: registration tokens, credentials, drain, applied generations. */
@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/fleet')
export class FleetAdminController {
  constructor(private readonly admin: FleetAdminService) {}

  @Get('edge-nodes')
  @ApiSummary('List edge nodes with their fleet state (generations, lag, drain, announce state, last error)')
  @ApiProblems(400)
  @ApiPageResponse(FleetNodeDto)
  list(@Query() page: PageQueryDto): Promise<Page<FleetNodeView>> {
    return this.admin.list(page);
  }

  @Get('edge-nodes/:id')
  @ApiSummary("Get an edge node's fleet state")
  @ApiProblems(404)
  @ApiOkResponse({ type: FleetNodeDto })
  get(@IdParam('id', 'edge node') id: string): Promise<FleetNodeView> {
    return this.admin.get(id);
  }

  /** A one-time bootstrap token for the node's agent (`POST /v1/agent/register`). Shown once; expires in an hour. */
  @Post('edge-nodes/:id/bootstrap-tokens')
  @ApiSummary('Issue a one-time bootstrap token for the edge node\'s agent', 'For POST /v1/agent/register. Shown once; expires in an hour.')
  @ApiProblems(404)
  @ApiCreatedResponse({ type: BootstrapTokenDto })
  // A secret is never stored for replay: a retry with the same Idempotency-Key issues a new token.
  @IdempotencyNoStore()
  bootstrapToken(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<BootstrapTokenDto> {
    return this.admin.bootstrapToken(id, p);
  }

  /** A new node credential (shown once); the old one stops working at once. */
  @Post('edge-nodes/:id/credentials/rotate')
  @ApiSummary('Rotate the edge node credential', 'The new credential is shown once; the old one stops working at once.')
  @ApiProblems(404)
  @ApiCreatedResponse({ type: NodeCredentialDto })
  // A secret is never stored for replay: a retry with the same Idempotency-Key rotates again.
  @IdempotencyNoStore()
  rotate(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<NodeCredentialDto> {
    return this.admin.rotate(id, p);
  }

  /** Revokes every credential and unused bootstrap token of the node. */
  @Post('edge-nodes/:id/credentials/revoke')
  @HttpCode(200)
  @ApiSummary('Revoke every credential and unused bootstrap token of the edge node')
  @ApiProblems(404)
  @ApiOkResponse({ type: RevokedCredentialsDto })
  revoke(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<RevokedCredentialsDto> {
    return this.admin.revoke(id, p);
  }

  @Post('edge-nodes/:id/drain')
  @HttpCode(200)
  @ApiSummary('Drain an edge node: it keeps forwarding but withdraws every announcement')
  @ApiProblems(404)
  @ApiOkResponse({ type: FleetNodeDto })
  drainNode(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<FleetNodeView> {
    return this.admin.setNodeDrain(id, true, p);
  }

  @Post('edge-nodes/:id/undrain')
  @HttpCode(200)
  @ApiSummary('Undrain an edge node: it announces its pools again')
  @ApiProblems(404)
  @ApiOkResponse({ type: FleetNodeDto })
  undrainNode(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<FleetNodeView> {
    return this.admin.setNodeDrain(id, false, p);
  }

  /** Recompute and push the node's state now (normally automatic). */
  @Post('edge-nodes/:id/sync')
  @HttpCode(202)
  @ApiSummary("Recompute and push the edge node's desired state now (normally automatic)")
  @ApiProblems(404)
  @ApiAcceptedResponse({ type: SyncEnqueuedDto })
  sync(@IdParam('id', 'edge node') id: string): Promise<SyncEnqueuedDto> {
    return this.admin.sync(id);
  }

  @Post('pops/:id/drain')
  @HttpCode(200)
  @ApiSummary('Drain every edge node of a PoP')
  @ApiProblems(404)
  @ApiOkResponse({ type: PopDrainDto })
  drainPop(@IdParam('id', 'PoP') id: string, @CurrentPrincipal() p: Principal): Promise<PopDrainDto> {
    return this.admin.setPopDrain(id, true, p);
  }

  @Post('pops/:id/undrain')
  @HttpCode(200)
  @ApiSummary('Undrain the edge nodes of a PoP')
  @ApiProblems(404)
  @ApiOkResponse({ type: PopDrainDto })
  undrainPop(@IdParam('id', 'PoP') id: string, @CurrentPrincipal() p: Principal): Promise<PopDrainDto> {
    return this.admin.setPopDrain(id, false, p);
  }
}
