import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { agentStatusSchema } from '@anyfront/contracts';
import { anyServiceDeleting, finishServiceDeletions } from '@anyfront/db';
import type { z } from 'zod';
import { AppConfig } from '../config';
import { FleetChanges } from './fleet-changes';

type AgentStatus = z.infer<typeof agentStatusSchema>;

/**
 * Stores an agent's status report: applied generation, announce/drain state, heartbeat, backend
 * health, kernel capabilities and the services it had to skip (deploy status `failed`). New
 * capabilities re-run the node's publish filter (a sync), so it is never sent a service it cannot program.
 * Each report may be the last confirmation a deleting service waits for, so it finishes the
 * deletions no edge node holds back any more.
 */
@Injectable()
export class AgentStatusService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly fleet: FleetChanges,
    private readonly config: AppConfig,
  ) {}

  async record(edgeNodeId: string, s: AgentStatus): Promise<{ desired_generation: number }> {
    const out = await this.ds.transaction(async (tx) => {
      const rows: Array<{ generation: string; capabilities_changed: boolean }> = await tx.query(
        `WITH old AS (SELECT capabilities FROM edge_node_fleet_states WHERE edge_node_id = $1)
         INSERT INTO edge_node_fleet_states (edge_node_id, applied_generation, applied_at, announced, agent_drained, programmed, last_error, last_heartbeat_at, capabilities, failed_services)
         VALUES ($1, $2, now(), $3, $4, $5, $6, now(), $7::jsonb, $8::jsonb)
         ON CONFLICT (edge_node_id) DO UPDATE SET
           applied_at = CASE WHEN edge_node_fleet_states.applied_generation = EXCLUDED.applied_generation THEN edge_node_fleet_states.applied_at ELSE now() END,
           applied_generation = EXCLUDED.applied_generation, announced = EXCLUDED.announced, agent_drained = EXCLUDED.agent_drained,
           programmed = EXCLUDED.programmed, last_error = EXCLUDED.last_error, last_heartbeat_at = now(),
           capabilities = coalesce(EXCLUDED.capabilities, edge_node_fleet_states.capabilities), failed_services = EXCLUDED.failed_services
         RETURNING generation, edge_node_fleet_states.capabilities IS DISTINCT FROM (SELECT capabilities FROM old) AS capabilities_changed`,
        [edgeNodeId, s.applied_generation, s.announced, s.drained, s.programmed ?? null, s.last_error, s.capabilities ? JSON.stringify(s.capabilities) : null, JSON.stringify(s.failed_services)],
      );
      const backendIds: string[] = [];
      const serviceIds: string[] = [];
      const healthy: boolean[] = [];
      for (const svc of s.services) {
        for (const b of svc.backends) {
          backendIds.push(b.id);
          serviceIds.push(svc.id);
          healthy.push(b.healthy);
        }
      }
      // The report replaces the node's health set. Unknown or mismatched (service, backend) pairs are ignored.
      await tx.query(`DELETE FROM edge_node_backend_health WHERE edge_node_id = $1 AND NOT (backend_id = ANY($2::uuid[]))`, [edgeNodeId, backendIds]);
      if (backendIds.length) {
        await tx.query(
          `INSERT INTO edge_node_backend_health (edge_node_id, backend_id, service_id, healthy, reported_at)
           SELECT $1, b.id, b.service_id, x.healthy, now()
             FROM unnest($2::uuid[], $3::uuid[], $4::boolean[]) AS x(backend_id, service_id, healthy)
             JOIN backends b ON b.id = x.backend_id AND b.service_id = x.service_id
           ON CONFLICT (edge_node_id, backend_id) DO UPDATE SET healthy = EXCLUDED.healthy, service_id = EXCLUDED.service_id, reported_at = now()`,
          [edgeNodeId, backendIds, serviceIds, healthy],
        );
      }
      // New kernel capabilities change what the publish filter lets through for this node.
      if (rows[0]?.capabilities_changed === true) await this.fleet.record(tx, { edgeNodeIds: [edgeNodeId] });
      // An upsert with RETURNING always yields the node's row.
      return { desired_generation: Number(rows[0]?.generation ?? 0) };
    });
    await this.finishDeletions();
    return out;
  }

  /** Deletions this report may have unblocked; no node's state has those services any more, the change only repairs a sync that raced the deletion. */
  private async finishDeletions(): Promise<void> {
    if (!(await anyServiceDeleting(this.ds))) return;
    await this.ds.transaction(async (tx) => {
      const finished = await finishServiceDeletions(tx, this.config.quarantineDays);
      if (finished.length) await this.fleet.record(tx, { serviceIds: finished.map((f) => f.serviceId) });
    });
  }
}
