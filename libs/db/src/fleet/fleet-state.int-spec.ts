import { agentStatusSchema } from '@anyfront/contracts';
import { fleetDatabaseSuite } from '@anyfront/testing';
import { recordAgentStatus, recordPushApplied } from './fleet-state.repository';

describe('fleet state: agent status reports', () => {
  const db = fleetDatabaseSuite();

  const report = (g: number) => agentStatusSchema.parse({ applied_generation: g, announced: true, drained: false });
  const applied = async (node: string) =>
    (await db.ds.query(`SELECT applied_generation::int AS g, applied_at FROM edge_node_fleet_states WHERE edge_node_id = $1`, [node]))[0] as { g: number; applied_at: Date };

  it('a report sent before a push applied, arriving after its acknowledgement, does not put the node back (the 30 s propagation p99)', async () => {
    // Control: with the report taken as it comes, applied_generation reads 4 until the next periodic report.
    const node = await db.fx.node((await db.fx.pop()).id);
    await db.ds.query(`INSERT INTO edge_node_fleet_states (edge_node_id, generation, registered_at) VALUES ($1, 5, now())`, [node]);
    await recordAgentStatus(db.ds, node, report(4));
    await recordPushApplied(db.ds, node, 5, 5);
    const acked = await applied(node);
    expect(acked.g).toBe(5);
    await recordAgentStatus(db.ds, node, report(4)); // the periodic report built before the push
    expect(await applied(node)).toEqual(acked);
    await recordAgentStatus(db.ds, node, report(5));
    expect(await applied(node)).toEqual(acked);
  });

  it('a node that really went back (state directory wiped) is believed once no older report can still be on its way', async () => {
    const node = await db.fx.node((await db.fx.pop()).id);
    await db.ds.query(`INSERT INTO edge_node_fleet_states (edge_node_id, generation, applied_generation, applied_at, registered_at) VALUES ($1, 5, 5, now() - interval '1 minute', now())`, [node]);
    await recordAgentStatus(db.ds, node, report(0));
    expect((await applied(node)).g).toBe(0);
  });
});
