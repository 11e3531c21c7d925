import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ServiceStatus } from '@anyfront/contracts';
import { backendHealthReports, liveServiceStatus, loadServiceDeployment, serviceBackendAddresses } from '@anyfront/db';
import { summarizeServiceHealth } from '@anyfront/domain';
import { problems } from '../common/problem';
import type { ServiceDeploymentStatusDto, ServiceHealthDto } from './fleet.dto';

/** Reports older than this say nothing about a backend now (agents report every few seconds). */
export const HEALTH_STALE_AFTER_MS = 120_000;

/** A tenant's view of how its service runs on the fleet: deploy status and backend health. */
@Injectable()
export class ServiceFleetService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async deployment(id: string, org: string): Promise<ServiceDeploymentStatusDto> {
    const status = await this.serviceStatus(id, org);
    return { service_id: id, ...(await loadServiceDeployment(this.ds, id, status === 'active')) };
  }

  async health(id: string, org: string): Promise<ServiceHealthDto> {
    await this.serviceStatus(id, org);
    const backends = await serviceBackendAddresses(this.ds, id);
    const reports = await backendHealthReports(this.ds, id);
    const summary = summarizeServiceHealth(
      backends,
      reports.map((r) => ({ backendId: r.backend_id, nodeId: r.edge_node_id, popId: r.pop_id, popCode: r.pop_code, healthy: r.healthy, reason: r.health_reason, reportedAt: r.reported_at })),
      new Date(),
      HEALTH_STALE_AFTER_MS,
    );
    return { service_id: id, ...summary };
  }

  private async serviceStatus(id: string, org: string): Promise<ServiceStatus> {
    const status = await liveServiceStatus(this.ds, org, id);
    if (!status) throw problems.notFound('service', id);
    return status;
  }
}
