import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { IdempotencyNoStore } from '../common/idempotency.interceptor';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EdgeNode } from '@anyfront/db';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { ApiPageResponse, type Page, PageQueryDto, paginate } from '../common/pagination';
import { problems } from '../common/problem';
import { AgentRegistrationService } from './agent-registration.service';
import { FleetChanges } from './fleet-changes';
import { BootstrapTokenDto, FleetNodeDto, NodeCredentialDto, PopDrainDto, RevokedCredentialsDto, SyncEnqueuedDto } from './fleet.dto';
import { FleetNodeViews, type FleetNodeView } from './fleet-node-views';

export type { FleetNodeView } from './fleet-node-views';

/** Operator fleet view and controls: registration tokens, credentials, drain, applied generations. */
@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/fleet')
export class FleetAdminController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly registration: AgentRegistrationService,
    private readonly fleet: FleetChanges,
    private readonly audit: AuditService,
    private readonly nodeViews: FleetNodeViews,
  ) {}

  @Get('edge-nodes')
  @ApiSummary('List edge nodes with their fleet state (generations, lag, drain, announce state, last error)')
  @ApiProblems(400)
  @ApiPageResponse(FleetNodeDto)
  async list(@Query() page: PageQueryDto): Promise<Page<FleetNodeView>> {
    const p = await paginate(this.ds.getRepository(EdgeNode).createQueryBuilder('node').leftJoinAndSelect('node.pop', 'pop'), page, (n) => n);
    return { data: await this.nodeViews.views(p.data.map((n) => n.id)), next_cursor: p.next_cursor };
  }

  @Get('edge-nodes/:id')
  @ApiSummary("Get an edge node's fleet state")
  @ApiProblems(404)
  @ApiOkResponse({ type: FleetNodeDto })
  async get(@IdParam('id', 'edge node') id: string): Promise<FleetNodeView> {
    const [view] = await this.nodeViews.views([id]);
    if (!view) throw problems.notFound('edge node', id);
    return view;
  }

  /** A one-time bootstrap token for the node's agent (`POST /v1/agent/register`). Shown once; expires in an hour. */
  @Post('edge-nodes/:id/bootstrap-tokens')
  @ApiSummary('Issue a one-time bootstrap token for the edge node\'s agent', 'For POST /v1/agent/register. Shown once; expires in an hour.')
  @ApiProblems(404)
  @ApiCreatedResponse({ type: BootstrapTokenDto })
  // A secret is never stored for replay: a retry with the same Idempotency-Key issues a new token.
  @IdempotencyNoStore()
  async bootstrapToken(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<BootstrapTokenDto> {
    const t = await this.registration.issueBootstrapToken(id, p.userId);
    await this.audit.record(p, 'edge_node.bootstrap_token', { type: 'edge_node', id, organizationId: null }, { expires_at: t.expires_at });
    return t;
  }

  /** A new node credential (shown once); the old one stops working at once. */
  @Post('edge-nodes/:id/credentials/rotate')
  @ApiSummary('Rotate the edge node credential', 'The new credential is shown once; the old one stops working at once.')
  @ApiProblems(404)
  @ApiCreatedResponse({ type: NodeCredentialDto })
  // A secret is never stored for replay: a retry with the same Idempotency-Key rotates again.
  @IdempotencyNoStore()
  async rotate(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<NodeCredentialDto> {
    const c = await this.registration.rotate(id);
    await this.audit.record(p, 'edge_node.credential_rotate', { type: 'edge_node', id, organizationId: null });
    return c;
  }

  /** Revokes every credential and unused bootstrap token of the node. */
  @Post('edge-nodes/:id/credentials/revoke')
  @HttpCode(200)
  @ApiSummary('Revoke every credential and unused bootstrap token of the edge node')
  @ApiProblems(404)
  @ApiOkResponse({ type: RevokedCredentialsDto })
  async revoke(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<RevokedCredentialsDto> {
    const revoked = await this.registration.revoke(id);
    await this.audit.record(p, 'edge_node.credential_revoke', { type: 'edge_node', id, organizationId: null }, { revoked });
    return { revoked };
  }

  @Post('edge-nodes/:id/drain')
  @HttpCode(200)
  @ApiSummary('Drain an edge node: it keeps forwarding but withdraws every announcement')
  @ApiProblems(404)
  @ApiOkResponse({ type: FleetNodeDto })
  drainNode(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<FleetNodeView> {
    return this.setNodeDrain(id, true, p);
  }

  @Post('edge-nodes/:id/undrain')
  @HttpCode(200)
  @ApiSummary('Undrain an edge node: it announces its pools again')
  @ApiProblems(404)
  @ApiOkResponse({ type: FleetNodeDto })
  undrainNode(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<FleetNodeView> {
    return this.setNodeDrain(id, false, p);
  }

  /** Recompute and push the node's state now (normally automatic). */
  @Post('edge-nodes/:id/sync')
  @HttpCode(202)
  @ApiSummary("Recompute and push the edge node's desired state now (normally automatic)")
  @ApiProblems(404)
  @ApiAcceptedResponse({ type: SyncEnqueuedDto })
  async sync(@IdParam('id', 'edge node') id: string): Promise<SyncEnqueuedDto> {
    const nodes = await this.ds.transaction((tx) => this.fleet.record(tx, { edgeNodeIds: [id] }));
    if (!nodes.length) throw problems.notFound('edge node', id);
    return { enqueued: true };
  }

  @Post('pops/:id/drain')
  @HttpCode(200)
  @ApiSummary('Drain every edge node of a PoP')
  @ApiProblems(404)
  @ApiOkResponse({ type: PopDrainDto })
  drainPop(@IdParam('id', 'PoP') id: string, @CurrentPrincipal() p: Principal): Promise<PopDrainDto> {
    return this.setPopDrain(id, true, p);
  }

  @Post('pops/:id/undrain')
  @HttpCode(200)
  @ApiSummary('Undrain the edge nodes of a PoP')
  @ApiProblems(404)
  @ApiOkResponse({ type: PopDrainDto })
  undrainPop(@IdParam('id', 'PoP') id: string, @CurrentPrincipal() p: Principal): Promise<PopDrainDto> {
    return this.setPopDrain(id, false, p);
  }

  private async setNodeDrain(id: string, drained: boolean, p: Principal): Promise<FleetNodeView> {
    await this.ds.transaction(async (tx) => {
      const r = await tx.query(
        `INSERT INTO edge_node_fleet_states (edge_node_id, drained) SELECT id, $2 FROM edge_nodes WHERE id = $1
         ON CONFLICT (edge_node_id) DO UPDATE SET drained = EXCLUDED.drained RETURNING edge_node_id`,
        [id, drained],
      );
      if (!r.length) throw problems.notFound('edge node', id);
      await this.audit.record(p, drained ? 'edge_node.drain' : 'edge_node.undrain', { type: 'edge_node', id, organizationId: null }, {}, tx);
      await this.fleet.record(tx, { edgeNodeIds: [id] });
    });
    return this.get(id);
  }

  private async setPopDrain(id: string, drained: boolean, p: Principal): Promise<{ pop_id: string; drained: boolean; edge_nodes: number }> {
    const nodes = await this.ds.transaction(async (tx) => {
      const r = await tx.query(
        `INSERT INTO pop_fleet_states (pop_id, drained) SELECT id, $2 FROM pops WHERE id = $1
         ON CONFLICT (pop_id) DO UPDATE SET drained = EXCLUDED.drained, updated_at = now() RETURNING pop_id`,
        [id, drained],
      );
      if (!r.length) throw problems.notFound('PoP', id);
      await this.audit.record(p, drained ? 'pop.drain' : 'pop.undrain', { type: 'pop', id, organizationId: null }, {}, tx);
      return this.fleet.record(tx, { popIds: [id] });
    });
    return { pop_id: id, drained, edge_nodes: nodes.length };
  }
}
