import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { EdgeNodesRepository, setNodeDrained, setPopDrained } from '@anyfront/db';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { type Page, type PageQueryDto, pageRequest, toPage } from '../common/pagination';
import { problems } from '../common/problem';
import { AgentRegistrationService } from './agent-registration.service';
import { FleetChanges } from './fleet-changes';
import type { BootstrapTokenDto, NodeCredentialDto, PopDrainDto, RevokedCredentialsDto } from './fleet.dto';
import { FleetNodeViews, type FleetNodeView } from './fleet-node-views';

/** Operator fleet controls: node views, registration secrets, drain, manual sync; every change audit-logged. */
@Injectable()
export class FleetAdminService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly registration: AgentRegistrationService,
    private readonly fleet: FleetChanges,
    private readonly audit: AuditService,
    private readonly nodeViews: FleetNodeViews,
  ) {}

  async list(page: PageQueryDto): Promise<Page<FleetNodeView>> {
    const p = toPage(await new EdgeNodesRepository(this.ds.manager).page(pageRequest(page)), (n) => n.id);
    return { data: await this.nodeViews.views(p.data), next_cursor: p.next_cursor };
  }

  async get(id: string): Promise<FleetNodeView> {
    const [view] = await this.nodeViews.views([id]);
    if (!view) throw problems.notFound('edge node', id);
    return view;
  }

  async bootstrapToken(id: string, p: Principal): Promise<BootstrapTokenDto> {
    const t = await this.registration.issueBootstrapToken(id, p.userId);
    await this.audit.record(p, 'edge_node.bootstrap_token', { type: 'edge_node', id, organizationId: null }, { expires_at: t.expires_at });
    return t;
  }

  async rotate(id: string, p: Principal): Promise<NodeCredentialDto> {
    const c = await this.registration.rotate(id);
    await this.audit.record(p, 'edge_node.credential_rotate', { type: 'edge_node', id, organizationId: null });
    return c;
  }

  async revoke(id: string, p: Principal): Promise<RevokedCredentialsDto> {
    const revoked = await this.registration.revoke(id);
    await this.audit.record(p, 'edge_node.credential_revoke', { type: 'edge_node', id, organizationId: null }, { revoked });
    return { revoked };
  }

  /** Recomputes and pushes the node's state now (normally automatic). */
  async sync(id: string): Promise<{ enqueued: true }> {
    const nodes = await this.ds.transaction((tx) => this.fleet.record(tx, { edgeNodeIds: [id] }));
    if (!nodes.length) throw problems.notFound('edge node', id);
    return { enqueued: true };
  }

  async setNodeDrain(id: string, drained: boolean, p: Principal): Promise<FleetNodeView> {
    await this.ds.transaction(async (tx) => {
      if (!(await setNodeDrained(tx, id, drained))) throw problems.notFound('edge node', id);
      await this.audit.record(p, drained ? 'edge_node.drain' : 'edge_node.undrain', { type: 'edge_node', id, organizationId: null }, {}, tx);
      await this.fleet.record(tx, { edgeNodeIds: [id] });
    });
    return this.get(id);
  }

  async setPopDrain(id: string, drained: boolean, p: Principal): Promise<PopDrainDto> {
    const nodes = await this.ds.transaction(async (tx) => {
      if (!(await setPopDrained(tx, id, drained))) throw problems.notFound('PoP', id);
      await this.audit.record(p, drained ? 'pop.drain' : 'pop.undrain', { type: 'pop', id, organizationId: null }, {}, tx);
      return this.fleet.record(tx, { popIds: [id] });
    });
    return { pop_id: id, drained, edge_nodes: nodes.length };
  }
}
