import { Pool as PgPool } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@anyfront/db';
import { createScratchDatabase, FleetFixtures } from '@anyfront/testing';
import { closeStatements } from './statements';

jest.setTimeout(60_000);

describe('local-ledger statements', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PgPool;
  let ds: DataSource;
  let fx: FleetFixtures;

  beforeAll(async () => {
    scratch = await createScratchDatabase('statements');
    db = new PgPool({ connectionString: scratch.url, max: 2 });
    db.on('error', () => undefined);
    ds = createDataSource(scratch.url, { poolSize: 2 });
    await ds.initialize();
    fx = new FleetFixtures(db);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.end();
    await scratch?.drop();
  });

  it('closes the previous month once per organization with usage; lines sum to the total', async () => {
    const [busy, idle, later] = [await fx.organization(), await fx.organization(), await fx.organization()];
    const oct = Date.UTC(2026, 9, 1) / 1000;
    const nov = Date.UTC(2026, 10, 1) / 1000;
    const hold = (org: string, address: string, from: number, to: number | null) =>
      db.query(
        `INSERT INTO address_holdings (organization_id, service_id, anycast_address_id, address, family, held_from, held_to)
         VALUES ($1, gen_random_uuid(), gen_random_uuid(), $2, 4, to_timestamp($3), to_timestamp($4))`,
        [org, address, from, to],
      );
    // busy: 3 IPv4 addresses all October (3 × 744 h × 0.54 ¢ = 1205.28 → 1205 ¢, minus the 1000 ¢ allowance).
    for (const a of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) await hold(busy, a, oct - 3600, null);
    await db.query(`INSERT INTO billing_accounts (organization_id, plan) VALUES ($1, 'standard')`, [busy]);
    await hold(later, '192.0.2.4', nov + 60, null); // only in November: no October statement
    const now = new Date((nov + 5 * 3600) * 1000);

    expect(await closeStatements(ds, now)).toEqual({ period: { from: oct, to: nov }, created: 1 });
    expect(await closeStatements(ds, now)).toEqual({ period: { from: oct, to: nov }, created: 0 });
    const { rows } = await db.query(`SELECT organization_id, plan, currency, lines, subtotal::text, total::text, amount_due::text FROM billing_statements`);
    expect(rows).toHaveLength(1);
    const [s] = rows;
    expect(s).toMatchObject({ organization_id: busy, plan: 'standard', currency: 'usd', subtotal: '1205', total: '205', amount_due: '205' });
    expect(s.lines.map((l: { metric: string | null; quantity: string | null; amount: string }) => [l.metric, l.quantity, l.amount])).toEqual([
      ['ipv4_address_seconds', String(3 * 744 * 3600), '1205'],
      [null, null, '-1000'],
    ]);
    expect(idle).toBeTruthy();
  });
});
