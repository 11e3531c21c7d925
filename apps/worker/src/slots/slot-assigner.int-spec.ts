import { Pool as PgPool } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@anyfront/db';
import { createScratchDatabase, FleetFixtures } from '@anyfront/testing';
import { SlotAssigner } from './slot-assigner';

/** SlotAssigner in-process on its own database (the worker hands out addresses from every pool it finds). */
// Creating and migrating a scratch database can take a while on a loaded machine.
jest.setTimeout(60_000);

describe('SlotAssigner', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PgPool;
  let ds: DataSource;
  let assigner: SlotAssigner;
  let org: string;
  let pools: Map<string, string>;
  let fx: FleetFixtures;

  beforeAll(async () => {
    scratch = await createScratchDatabase('assigner');
    db = new PgPool({ connectionString: scratch.url, max: 4 });
    db.on('error', () => undefined);
    ds = createDataSource(scratch.url, { poolSize: 12 });
    await ds.initialize();
    assigner = new SlotAssigner(ds, 'test-slot-assigner');
    fx = new FleetFixtures(db);
    pools = await fx.seedPools([
      { prefix: '192.0.2.0/24', pops: ['ams', 'fra'] },
      { prefix: '198.51.100.0/24', pops: ['ams', 'lon'] }, // overlaps the first
      { prefix: '203.0.113.0/24', pops: ['nyc'] }, // disjoint from both
      { prefix: '198.18.0.0/24', pops: ['sjc'], scope: 'regional' }, // never used for global slots
      { prefix: '2001:db8:1::/48', pops: ['ams'] },
    ]);
    org = await fx.organization();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.end();
    await scratch?.drop();
  });

  const addressesOf = async (serviceId: string) =>
    (
      await db.query(
        `SELECT host(a.address) AS address, p.prefix::text AS prefix FROM anycast_addresses a JOIN pools p ON p.id = a.pool_id
          WHERE a.service_id = $1 AND a.state = 'assigned' ORDER BY a.family, a.address`,
        [serviceId],
      )
    ).rows as { address: string; prefix: string }[];

  it('prefers a pool with a disjoint PoP set and never uses regional pools', async () => {
    for (let i = 0; i < 10; i++) {
      const id = await fx.pendingService(org, `pref-${i}`);
      expect((await assigner.assign(id)).outcome).toBe('assigned');
      const prefixes = (await addressesOf(id)).map((a) => a.prefix);
      expect(prefixes).toContain('203.0.113.0/24');
      expect(prefixes).toContain('2001:db8:1::/48');
      expect(prefixes).not.toContain('198.18.0.0/24');
      expect(prefixes).toHaveLength(3);
    }
  });

  it('is idempotent: a repeat finds the addresses there, concurrent calls assign once', async () => {
    const id = await fx.pendingService(org, 'twice');
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => assigner.assign(id)));
    expect(outcomes.filter((o) => o.outcome === 'assigned')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'already_assigned')).toHaveLength(7);
    const before = await addressesOf(id);
    expect(before).toHaveLength(3);
    expect(await assigner.assign(id)).toEqual({ outcome: 'already_assigned' });
    expect(await addressesOf(id)).toEqual(before);
    const { rows } = await db.query(`SELECT status, status_reason FROM services WHERE id = $1`, [id]);
    expect(rows[0]).toEqual({ status: 'active', status_reason: null });
  });

  it('skips services that are gone or deleted', async () => {
    expect(await assigner.assign('00000000-0000-4000-8000-000000000000')).toEqual({ outcome: 'skipped', reason: 'service does not exist' });
    const id = await fx.pendingService(org, 'gone');
    await db.query(`UPDATE services SET status = 'deleted', deleted_at = now() WHERE id = $1`, [id]);
    expect(await assigner.assign(id)).toEqual({ outcome: 'skipped', reason: 'service is deleted' });
    expect(await addressesOf(id)).toEqual([]);
  });

  it('ignores draining and disabled pools', async () => {
    await db.query(`UPDATE pools SET state = 'draining' WHERE prefix = '203.0.113.0/24'`);
    try {
      const id = await fx.pendingService(org, 'drain');
      await assigner.assign(id);
      const prefixes = (await addressesOf(id)).map((a) => a.prefix);
      expect(prefixes.sort()).toEqual(['192.0.2.0/24', '198.51.100.0/24', '2001:db8:1::/48']);
    } finally {
      await db.query(`UPDATE pools SET state = 'active' WHERE prefix = '203.0.113.0/24'`);
    }
  });

  it('waits with a reason when too few pools have room, and takes the last free slot exactly once', async () => {
    // Fill 192.0.2.0/24 and 198.51.100.0/24 completely and leave one slot in 203.0.113.0/24.
    for (const prefix of ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']) {
      const last = prefix === '203.0.113.0/24' ? 252 : 253;
      await db.query(
        `INSERT INTO anycast_addresses (pool_id, slot_index, address, family, state, quarantined_until)
         SELECT $1, i, set_masklen(network($2::cidr), 32) + (i + 1), 4, 'quarantined', now() + interval '7 days'
           FROM generate_series((SELECT coalesce(max(slot_index) + 1, 0) FROM anycast_addresses WHERE pool_id = $1), $3) AS i`,
        [pools.get(prefix), prefix, last],
      );
    }
    const id = await fx.pendingService(org, 'full');
    const r = await assigner.assign(id);
    expect(r).toEqual({ outcome: 'waiting_for_capacity', reason: expect.stringMatching(/IPv4 pools are full: .* only 1 of 3 have free slots/) });
    const { rows } = await db.query(`SELECT status, status_reason FROM services WHERE id = $1`, [id]);
    expect(rows[0]).toEqual({ status: 'waiting_for_capacity', status_reason: r.outcome === 'waiting_for_capacity' ? r.reason : null });
    expect(await addressesOf(id)).toEqual([]);

    // One expired quarantine in 192.0.2.0/24: now two pools have exactly one slot each. Two services race for them.
    await db.query(
      `UPDATE anycast_addresses SET quarantined_until = now() - interval '1 second'
        WHERE id = (SELECT id FROM anycast_addresses WHERE pool_id = $1 ORDER BY slot_index DESC LIMIT 1)`,
      [pools.get('192.0.2.0/24')],
    );
    const racers = [id, await fx.pendingService(org, 'racer')];
    const outcomes = (await Promise.all(racers.map((s) => assigner.assign(s)))).map((o) => o.outcome).sort();
    expect(outcomes).toEqual(['assigned', 'waiting_for_capacity']);
    const winner = (await Promise.all(racers.map(addressesOf))).find((a) => a.length === 3)!;
    expect(winner.map((a) => a.address)).toEqual(['192.0.2.254', '203.0.113.254', expect.stringMatching(/^2001:db8:1::/)]);

    // A gap left by a row removed by hand is found once the top slot is taken.
    await db.query(`DELETE FROM anycast_addresses WHERE pool_id = $1 AND slot_index = 100`, [pools.get('198.51.100.0/24')]);
    await db.query(`UPDATE anycast_addresses SET quarantined_until = now() - interval '1 second' WHERE pool_id = $1 AND slot_index = 200`, [pools.get('192.0.2.0/24')]);
    const gapUser = await fx.pendingService(org, 'gap');
    expect((await assigner.assign(gapUser)).outcome).toBe('assigned');
    expect((await addressesOf(gapUser)).map((a) => a.address)).toEqual(['192.0.2.201', '198.51.100.101', expect.stringMatching(/^2001:db8:1::/)]);

    const { rows: never } = await db.query(`SELECT count(*)::int AS n FROM anycast_addresses WHERE host(address) ~ '\\.(0|255)$'`);
    expect(never[0].n).toBe(0);
  });
});
