import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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

/** Each edge node's fleet state as operators see it (shared by /v1/admin/fleet and /v1/admin/edge-nodes). */
@Injectable()
export class FleetNodeViews {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async views(ids: string[]): Promise<FleetNodeView[]> {
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
