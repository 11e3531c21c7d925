import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { summarizeServiceHealth } from '@anyfront/domain';
import { loadServiceDeployment } from '@anyfront/db';
import { OrganizationId } from '../auth/decorators';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { problems } from '../common/problem';
import { ServiceDeploymentStatusDto, ServiceHealthDto } from './fleet.dto';

/** Reports older than this say nothing about a backend now (agents report every few seconds). */
export const HEALTH_STALE_AFTER_MS = 120_000;

/** A tenant's view of how its service runs on the fleet: deploy status and backend health. */
@ApiTags('services')
@ApiTenantAuth()
@Controller('v1/services')
export class ServiceFleetController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * `deploying` until every edge node that should serve the service applied its latest change,
   * then `deployed`; per PoP and per node.
   */
  @Get(':id/deployment')
  @ApiSummary("Get a service's deploy status on the edge fleet, per PoP and edge node")
  @ApiProblems(404)
  @ApiOkResponse({ type: ServiceDeploymentStatusDto })
  async deployment(@IdParam('id', 'service') id: string, @OrganizationId() org: string): Promise<ServiceDeploymentStatusDto> {
    const status = await this.serviceStatus(id, org);
    return { service_id: id, ...(await loadServiceDeployment(this.ds, id, status === 'active')) };
  }

  /** Each backend's health per PoP and overall; `backends_down_everywhere` flags backends no PoP can reach. */
  @Get(':id/health')
  @ApiSummary("Get a service's backend health, per PoP and overall")
  @ApiProblems(404)
  @ApiOkResponse({ type: ServiceHealthDto })
  async health(@IdParam('id', 'service') id: string, @OrganizationId() org: string): Promise<ServiceHealthDto> {
    await this.serviceStatus(id, org);
    const backends: Array<{ id: string; address: string; enabled: boolean }> = await this.ds.query(
      `SELECT id, host(address) AS address, enabled FROM backends WHERE service_id = $1`,
      [id],
    );
    const reports: Array<{ backend_id: string; edge_node_id: string; pop_id: string; pop_code: string; healthy: boolean; reported_at: Date }> = await this.ds.query(
      `SELECT h.backend_id, h.edge_node_id, n.pop_id, p.code AS pop_code, h.healthy, h.reported_at
         FROM edge_node_backend_health h JOIN edge_nodes n ON n.id = h.edge_node_id JOIN pops p ON p.id = n.pop_id
        WHERE h.service_id = $1 AND n.state <> 'disabled'`,
      [id],
    );
    const summary = summarizeServiceHealth(
      backends,
      reports.map((r) => ({ backendId: r.backend_id, nodeId: r.edge_node_id, popId: r.pop_id, popCode: r.pop_code, healthy: r.healthy, reportedAt: r.reported_at })),
      new Date(),
      HEALTH_STALE_AFTER_MS,
    );
    return { service_id: id, ...summary };
  }

  private async serviceStatus(id: string, org: string): Promise<string> {
    const rows: Array<{ status: string }> = await this.ds.query(
      `SELECT status FROM services WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL`,
      [id, org],
    );
    const [row] = rows;
    if (!row) throw problems.notFound('service', id);
    return row.status;
  }
}
