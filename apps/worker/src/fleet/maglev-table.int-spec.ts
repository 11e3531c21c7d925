import type { DataSource } from 'typeorm';
import type { DesiredState } from '@anyfront/contracts';
import { createDataSource, syncNodeState } from '@anyfront/db';
import { buildMaglevTable, decodeMaglevTable, MAGLEV_NO_BACKEND } from '@anyfront/maglev';
import { FleetFixtures, migrateTestDatabase, testDatabaseUrl } from '@anyfront/testing';

/**
 * The control plane compiles each service's Maglev table once, from the stored previous table,
 * and ships it in every edge's desired state (issue 9 §4).
 */
describe('shared Maglev tables in the desired state', () => {
  let ds: DataSource;
  let fx: FleetFixtures;
  let nodes: string[];
  let pool: { id: string; prefix: string };
  let org: string;

  beforeAll(async () => {
    await migrateTestDatabase();
    ds = createDataSource(testDatabaseUrl(), { poolSize: 4 });
    await ds.initialize();
    fx = new FleetFixtures(ds);
    const pops = [await fx.pop(), await fx.pop()];
    pool = await fx.pool(pops.map((p) => p.id), 6);
    nodes = [await fx.node(pops[0].id), await fx.node(pops[0].id), await fx.node(pops[1].id)];
    org = await fx.organization();
  });
  afterAll(async () => {
    await fx.cleanup();
    await ds.destroy();
  });

  /** Owner backend id per bucket as one node's state ships it. */
  async function shipped(nodeId: string, serviceId: string): Promise<{ owners: (string | null)[]; state: DesiredState['services'][number] }> {
    const r = await syncNodeState(ds, nodeId);
    const svc = r!.state.services.find((s) => s.id === serviceId)!;
    expect(svc.maglev_table).toBeDefined();
    const table = decodeMaglevTable(svc.maglev_table!, svc.maglev_table_size, svc.backends.length);
    return { owners: Array.from(table, (i) => (i === MAGLEV_NO_BACKEND ? null : svc.backends[i].id)), state: svc };
  }

  function moves(before: (string | null)[], after: (string | null)[]): Map<string, number> {
    const m = new Map<string, number>();
    before.forEach((o, i) => {
      if (o !== after[i]) m.set(`${o}->${after[i]}`, (m.get(`${o}->${after[i]}`) ?? 0) + 1);
    });
    return m;
  }

  it('ships one table, identical on every edge; adding a backend moves buckets only to it, disabling one only its own', async () => {
    const svc = await fx.service(org, [pool], ['2001:db8::a1', '2001:db8::a2', '2001:db8::a3']);
    const first = await Promise.all(nodes.map((n) => shipped(n, svc.id)));
    for (const s of first) expect(s.state.maglev_table).toBe(first[0].state.maglev_table);
    // A fresh table with equal weights is plain Maglev.
    const m = first[0].state.maglev_table_size;
    const sortedIds = first[0].state.backends.map((b) => b.id);
    expect(first[0].owners).toEqual(Array.from(buildMaglevTable(sortedIds.map((id) => ({ id, weight: 100 })), m), (i) => sortedIds[i]));

    const added = await fx.backend(svc.id, '2001:db8::a4');
    // Concurrent syncs of every node: one compiles, the others read the stored table.
    const second = await Promise.all(nodes.map((n) => shipped(n, svc.id)));
    for (const s of second) expect(s.state.maglev_table).toBe(second[0].state.maglev_table);
    expect(second[0].state.maglev_table_size).toBe(m);
    const addMoves = moves(first[0].owners, second[0].owners);
    expect([...addMoves.keys()].every((k) => k.endsWith(`->${added}`))).toBe(true);
    const gained = [...addMoves.values()].reduce((a, b) => a + b, 0);
    expect(Math.abs(gained - m / 4)).toBeLessThanOrEqual(1);

    await ds.query('UPDATE backends SET enabled = false WHERE id = $1', [svc.backendIds[1]]);
    const third = await shipped(nodes[2], svc.id);
    const disableMoves = moves(second[0].owners, third.owners);
    expect([...disableMoves.keys()].every((k) => k.startsWith(`${svc.backendIds[1]}->`))).toBe(true);
    expect(third.owners).not.toContain(svc.backendIds[1]);
    // The stored table is the shipped one.
    const [row] = await ds.query('SELECT encoded, table_size FROM service_maglev_tables WHERE service_id = $1', [svc.id]);
    expect(row).toEqual({ encoded: third.state.maglev_table, table_size: m });
  });

  it('control: without the stored previous table the same change is a plain rebuild and moves other backends\' buckets', async () => {
    const svc = await fx.service(org, [pool], ['2001:db8::b1', '2001:db8::b2', '2001:db8::b3']);
    const before = await shipped(nodes[0], svc.id);
    await ds.query('DELETE FROM service_maglev_tables WHERE service_id = $1', [svc.id]);
    const added = await fx.backend(svc.id, '2001:db8::b4');
    const after = await shipped(nodes[0], svc.id);
    const collateral = [...moves(before.owners, after.owners)].filter(([k]) => !k.endsWith(`->${added}`));
    expect(collateral.length).toBeGreaterThan(0);
  });
});
