import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EdgeNode } from '@anyfront/db';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { IdParam } from '../common/id-param';
import { type Page, PageQueryDto, paginate } from '../common/pagination';
import { problems } from '../common/problem';
import { AgentRegistrationService } from './agent-registration.service';
import { FleetChangeNotifier } from './fleet-change-notifier';

export interface FleetNodeView {
  id: string;
  name: string;
  pop_id: string;
  pop_code: string;
  state: string;
  registered: boolean;
  drained: boolean;
  pop_drained: boolean;
  desired_generation: number;
  applied_generation: number;
  /** Generations the node is behind (0 when up to date). */
  lag: number;
  /** A change is notified and not yet computed into the node's state. */
  sync_pending: boolean;
  announced: boolean | null;
  agent_drained: boolean | null;
  last_error: string | null;
  last_push_error: string | null;
  last_heartbeat_at: string | null;
}

/** Operator fleet view and controls: registration tokens, credentials, drain, applied generations. */
@ApiTags('admin')
@ApiCookieAuth()
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/admin/fleet')
export class FleetAdminController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly registration: AgentRegistrationService,
    private readonly fleet: FleetChangeNotifier,
    private readonly audit: AuditService,
  ) {}

  @Get('edge-nodes')
  async list(@Query() page: PageQueryDto): Promise<Page<FleetNodeView>> {
    const p = await paginate(this.ds.getRepository(EdgeNode).createQueryBuilder('node').leftJoinAndSelect('node.pop', 'pop'), page, (n) => n);
    return { data: await this.views(p.data.map((n) => n.id)), next_cursor: p.next_cursor };
  }

  @Get('edge-nodes/:id')
  async get(@IdParam('id', 'edge node') id: string): Promise<FleetNodeView> {
    const [view] = await this.views([id]);
    if (!view) throw problems.notFound('edge node', id);
    return view;
  }

  /** A one-time bootstrap token for the node's agent (`POST /v1/agent/register`). Shown once; expires in an hour. */
  @Post('edge-nodes/:id/bootstrap-tokens')
  async bootstrapToken(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<{ token: string; expires_at: string }> {
    const t = await this.registration.issueBootstrapToken(id, p.userId);
    await this.audit.record(p, 'edge_node.bootstrap_token', { type: 'edge_node', id, organizationId: null }, { expires_at: t.expires_at });
    return t;
  }

  /** A new node credential (shown once); the old one stops working at once. */
  @Post('edge-nodes/:id/credentials/rotate')
  async rotate(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<{ credential: string }> {
    const c = await this.registration.rotate(id);
    await this.audit.record(p, 'edge_node.credential_rotate', { type: 'edge_node', id, organizationId: null });
    return c;
  }

  /** Revokes every credential and unused bootstrap token of the node. */
  @Post('edge-nodes/:id/credentials/revoke')
  @HttpCode(200)
  async revoke(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<{ revoked: number }> {
    const revoked = await this.registration.revoke(id);
    await this.audit.record(p, 'edge_node.credential_revoke', { type: 'edge_node', id, organizationId: null }, { revoked });
    return { revoked };
  }

  @Post('edge-nodes/:id/drain')
  @HttpCode(200)
  drainNode(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<FleetNodeView> {
    return this.setNodeDrain(id, true, p);
  }

  @Post('edge-nodes/:id/undrain')
  @HttpCode(200)
  undrainNode(@IdParam('id', 'edge node') id: string, @CurrentPrincipal() p: Principal): Promise<FleetNodeView> {
    return this.setNodeDrain(id, false, p);
  }

  /** Recompute and push the node's state now (normally automatic). */
  @Post('edge-nodes/:id/sync')
  @HttpCode(202)
  async sync(@IdParam('id', 'edge node') id: string): Promise<{ enqueued: boolean }> {
    const nodes = await this.fleet.changed({ edgeNodeIds: [id] });
    if (!nodes.length) throw problems.notFound('edge node', id);
    return { enqueued: true };
  }

  @Post('pops/:id/drain')
  @HttpCode(200)
  drainPop(@IdParam('id', 'PoP') id: string, @CurrentPrincipal() p: Principal): Promise<{ pop_id: string; drained: boolean; edge_nodes: number }> {
    return this.setPopDrain(id, true, p);
  }

  @Post('pops/:id/undrain')
  @HttpCode(200)
  undrainPop(@IdParam('id', 'PoP') id: string, @CurrentPrincipal() p: Principal): Promise<{ pop_id: string; drained: boolean; edge_nodes: number }> {
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
    });
    await this.fleet.changed({ edgeNodeIds: [id] });
    return this.get(id);
  }

  private async setPopDrain(id: string, drained: boolean, p: Principal): Promise<{ pop_id: string; drained: boolean; edge_nodes: number }> {
    await this.ds.transaction(async (tx) => {
      const r = await tx.query(
        `INSERT INTO pop_fleet_states (pop_id, drained) SELECT id, $2 FROM pops WHERE id = $1
         ON CONFLICT (pop_id) DO UPDATE SET drained = EXCLUDED.drained, updated_at = now() RETURNING pop_id`,
        [id, drained],
      );
      if (!r.length) throw problems.notFound('PoP', id);
      await this.audit.record(p, drained ? 'pop.drain' : 'pop.undrain', { type: 'pop', id, organizationId: null }, {}, tx);
    });
    const nodes = await this.fleet.changed({ popIds: [id] });
    return { pop_id: id, drained, edge_nodes: nodes.length };
  }

  private async views(ids: string[]): Promise<FleetNodeView[]> {
    if (!ids.length) return [];
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT n.id, n.name, n.pop_id, p.code AS pop_code, n.state, n.created_at,
              f.registered_at IS NOT NULL AS registered, coalesce(f.drained, false) AS drained, coalesce(pf.drained, false) AS pop_drained,
              coalesce(f.generation, 0) AS generation, coalesce(f.applied_generation, 0) AS applied_generation,
              coalesce(f.requested_seq > f.synced_seq, false) AS pending, f.announced, f.agent_drained, f.last_error, f.last_push_error, f.last_heartbeat_at
         FROM edge_nodes n JOIN pops p ON p.id = n.pop_id
         LEFT JOIN edge_node_fleet_states f ON f.edge_node_id = n.id
         LEFT JOIN pop_fleet_states pf ON pf.pop_id = n.pop_id
        WHERE n.id = ANY($1::uuid[])
        ORDER BY n.created_at, n.id`,
      [ids],
    );
    return rows.map((r) => {
      const desired = Number(r.generation);
      const applied = Number(r.applied_generation);
      return {
        id: r.id as string,
        name: r.name as string,
        pop_id: r.pop_id as string,
        pop_code: r.pop_code as string,
        state: r.state as string,
        registered: r.registered as boolean,
        drained: r.drained as boolean,
        pop_drained: r.pop_drained as boolean,
        desired_generation: desired,
        applied_generation: applied,
        lag: Math.max(0, desired - applied),
        sync_pending: r.pending as boolean,
        announced: (r.announced as boolean | null) ?? null,
        agent_drained: (r.agent_drained as boolean | null) ?? null,
        last_error: (r.last_error as string | null) ?? null,
        last_push_error: (r.last_push_error as string | null) ?? null,
        last_heartbeat_at: (r.last_heartbeat_at as Date | null)?.toISOString() ?? null,
      };
    });
  }
}
