import type { EntityManager } from 'typeorm';
import { syncEdgeNodeJob } from '@anyfront/contracts';
import { OutboxRepository } from './outbox.repository';

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Call inside a write's transaction when the write changes what edge nodes should run (service,
 * backend, slot, pool, PoP, edge node, drain): marks the affected nodes out of date (deploy status
 * shows `deploying` from the commit on) and puts one `sync-edge-node` job per node into the outbox.
 * Nothing happens if the transaction rolls back; nothing is lost if Redis is down at commit.
 * Returns the nodes.
 */
export async function recordFleetChange(tx: Queryable, queuePrefix: string, change: FleetChange): Promise<string[]> {
  const nodes = await markNodesStale(tx, await affectedNodes(tx, change));
  await new OutboxRepository(tx, queuePrefix).add(nodes.map(syncEdgeNodeJob));
  return nodes;
}

/** What changed; the store finds the edge nodes whose state may depend on it. */
export interface FleetChange {
  serviceIds?: string[];
  poolIds?: string[];
  popIds?: string[];
  edgeNodeIds?: string[];
  /** Fleet-wide (e.g. the hash seed): every node. */
  all?: boolean;
}

/** Edge nodes whose desired state may depend on the change, including nodes that served it before. */
export async function affectedNodes(db: Queryable, change: FleetChange): Promise<string[]> {
  if (change.all) return (await db.query('SELECT id FROM edge_nodes')).map((r: { id: string }) => r.id);
  const ids = new Set<string>(change.edgeNodeIds ?? []);
  const add = (rows: Array<{ id: string }>) => rows.forEach((r) => ids.add(r.id));
  if (change.serviceIds?.length) {
    add(await db.query(
      `SELECT n.id FROM edge_nodes n JOIN pool_pops pp ON pp.pop_id = n.pop_id JOIN anycast_addresses a ON a.pool_id = pp.pool_id
        WHERE a.service_id = ANY($1::uuid[])
       UNION SELECT edge_node_id FROM edge_node_service_generations WHERE service_id = ANY($1::uuid[])`,
      [change.serviceIds],
    ));
  }
  if (change.poolIds?.length) {
    add(await db.query(
      `SELECT n.id FROM edge_nodes n JOIN pool_pops pp ON pp.pop_id = n.pop_id WHERE pp.pool_id = ANY($1::uuid[])
       UNION SELECT f.edge_node_id FROM edge_node_fleet_states f, unnest($1::text[]) AS pid
        WHERE f.desired_state -> 'pools' @> jsonb_build_array(jsonb_build_object('id', pid))`,
      [change.poolIds],
    ));
  }
  if (change.popIds?.length) add(await db.query(`SELECT id FROM edge_nodes WHERE pop_id = ANY($1::uuid[])`, [change.popIds]));
  return [...ids].sort();
}

/** Marks nodes out of date (requested_seq > synced_seq until a sync computes after this point); returns the nodes that exist. */
export async function markNodesStale(db: Queryable, nodeIds: string[]): Promise<string[]> {
  if (!nodeIds.length) return [];
  const rows: Array<{ edge_node_id: string }> = await db.query(
    `INSERT INTO edge_node_fleet_states (edge_node_id, requested_seq)
     SELECT id, nextval('fleet_change_seq') FROM edge_nodes WHERE id = ANY($1::uuid[]) ORDER BY id
     ON CONFLICT (edge_node_id) DO UPDATE SET requested_seq = EXCLUDED.requested_seq
     RETURNING edge_node_id`,
    [nodeIds],
  );
  return rows.map((r) => r.edge_node_id);
}
