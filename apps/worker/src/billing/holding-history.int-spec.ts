import { Pool as PgPool } from 'pg';
import type { DataSource } from 'typeorm';
import { replayHoldings, type AddressFamily, type Holding, type HoldingEvent } from '@anyfront/billing';
import { BillingRepository, createDataSource } from '@anyfront/db';
import { createScratchDatabase, FleetFixtures } from '@anyfront/testing';
import { SlotAssigner } from '../slots/slot-assigner';

jest.setTimeout(60_000);

/**
 * The holding history (address_holdings, written by a trigger in the transaction of every slot change)
 * equals the reference replay (replayHoldings) of the same assign / delete / reassign sequence. Times
 * are the transactions' own, in microseconds, so a sequence run in milliseconds still has durations.
 */
describe('address holding history', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: PgPool;
  let ds: DataSource;
  let assigner: SlotAssigner;
  let fx: FleetFixtures;

  beforeAll(async () => {
    scratch = await createScratchDatabase('holdings');
    db = new PgPool({ connectionString: scratch.url, max: 4 });
    db.on('error', () => undefined);
    ds = createDataSource(scratch.url, { poolSize: 4 });
    await ds.initialize();
    assigner = new SlotAssigner(ds, 'test-slot-assigner');
    fx = new FleetFixtures(db);
    await fx.seedPools([
      { prefix: '192.0.2.0/24', pops: ['ams'] },
      { prefix: '198.51.100.0/24', pops: ['fra'] },
      { prefix: '2001:db8:7::/48', pops: ['ams'] },
    ]);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.end();
    await scratch?.drop();
  });

  const micros = `(extract(epoch FROM now()) * 1000000)::bigint::text`;

  /** The rows in microseconds, shaped as holdings (the reference's unit is whatever integer it is fed). */
  async function storedHoldings(): Promise<Holding[]> {
    const { rows } = await db.query(
      `SELECT organization_id, service_id, host(address) AS address, family,
              (extract(epoch FROM held_from) * 1000000)::bigint::text AS f, (extract(epoch FROM held_to) * 1000000)::bigint::text AS t
         FROM address_holdings ORDER BY held_from, address`,
    );
    return rows.map((r) => ({
      organizationId: r.organization_id,
      serviceId: r.service_id,
      address: r.address,
      family: r.family as AddressFamily,
      from: Number(r.f),
      to: r.t === null ? null : Number(r.t),
    }));
  }

  const key = (h: Holding) => `${h.address}|${h.from}`;
  const sorted = (hs: Holding[]) => [...hs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  const heldTotal = (hs: Holding[], end: number) => {
    const byService = new Map<string, number>();
    for (const h of hs) byService.set(h.serviceId, (byService.get(h.serviceId) ?? 0) + ((h.to ?? end) - h.from));
    return byService;
  };

  it('equals the replay of any sequence of assign, duplicate assign, delete (quarantine), reuse and relocation', async () => {
    const orgs = [await fx.organization(), await fx.organization()];
    const live: { id: string; org: string }[] = [];
    const events: HoldingEvent[] = [];
    // mulberry32: a small seeded generator, so a failing sequence can be replayed.
    let seed = 20261201;
    const rand = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) % n;
    };

    const assign = async (serviceId: string, org: string) => {
      const outcome = await assigner.assign(serviceId);
      if (outcome.outcome !== 'assigned') return;
      const { rows } = await db.query(
        `SELECT host(address) AS address, family, (extract(epoch FROM assigned_at) * 1000000)::bigint::text AS at
           FROM anycast_addresses WHERE address = ANY($1::inet[]) ORDER BY assigned_at, address`,
        [outcome.addresses],
      );
      for (const r of rows) events.push({ kind: 'assign', at: Number(r.at), organizationId: org, serviceId, address: r.address, family: r.family });
    };
    /** What the API's service delete does: quarantine (here for 0 days, so the next assignment reuses the slot). */
    const remove = async (serviceId: string) => {
      const { rows } = await db.query(
        `WITH q AS (UPDATE anycast_addresses SET state = 'quarantined', quarantined_until = now()
                      WHERE service_id = $1 AND state = 'assigned' RETURNING host(address) AS address)
         SELECT address, ${micros} AS at FROM q ORDER BY address`,
        [serviceId],
      );
      await db.query(`UPDATE services SET status = 'deleted', deleted_at = now() WHERE id = $1`, [serviceId]);
      for (const r of rows) events.push({ kind: 'release', at: Number(r.at), address: r.address });
    };
    /** Relocation: the service lets go of one IPv4 address and is assigned another. */
    const relocate = async (serviceId: string, org: string) => {
      const { rows } = await db.query(
        `WITH q AS (UPDATE anycast_addresses SET state = 'quarantined', quarantined_until = now()
                      WHERE id = (SELECT id FROM anycast_addresses WHERE service_id = $1 AND state = 'assigned' AND family = 4 ORDER BY address LIMIT 1)
                    RETURNING host(address) AS address)
         SELECT address, ${micros} AS at FROM q`,
        [serviceId],
      );
      for (const r of rows) events.push({ kind: 'release', at: Number(r.at), address: r.address });
      await assign(serviceId, org);
    };

    for (let step = 0; step < 60; step++) {
      const op = live.length === 0 ? 0 : rand(4);
      if (op === 0 || live.length < 2) {
        const org = orgs[rand(2)];
        const id = await fx.pendingService(org);
        live.push({ id, org });
        await assign(id, org);
      } else if (op === 1) {
        const s = live[rand(live.length)];
        await assign(s.id, s.org); // a duplicate job: already assigned, nothing changes
      } else if (op === 2) {
        const [s] = live.splice(rand(live.length), 1);
        await remove(s.id);
      } else {
        const s = live[rand(live.length)];
        await relocate(s.id, s.org);
      }
    }

    const stored = await storedHoldings();
    const replayed = replayHoldings(events);
    // The sequence did reuse addresses (several holders of one address) and left some held.
    expect(new Set(stored.map((h) => h.address)).size).toBeLessThan(stored.length);
    expect(stored.some((h) => h.to === null)).toBe(true);
    expect(sorted(stored)).toEqual(sorted(replayed));
    const end = Math.max(...events.map((e) => e.at)) + 1;
    expect(heldTotal(stored, end)).toEqual(heldTotal(replayed, end));
  });

  it('is append-only: a holding can only be closed, never changed or deleted', async () => {
    const { rows } = await db.query(`SELECT id FROM address_holdings WHERE held_to IS NOT NULL LIMIT 1`);
    const closed = rows[0].id;
    await expect(db.query(`UPDATE address_holdings SET held_to = now() WHERE id = $1`, [closed])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM address_holdings WHERE id = $1`, [closed])).rejects.toThrow(/append-only/);
    const open = (await db.query(`SELECT id FROM address_holdings WHERE held_to IS NULL LIMIT 1`)).rows[0].id;
    await expect(db.query(`UPDATE address_holdings SET held_from = held_from - interval '1 hour' WHERE id = $1`, [open])).rejects.toThrow(/append-only/);
  });

  it('reads holdings for a period in whole seconds, overlapping ones only, zero-length ones left out', async () => {
    const org = await fx.organization();
    const svc = '00000000-0000-4000-8000-0000000000aa';
    const t0 = Date.UTC(2026, 2, 1) / 1000;
    const insert = (address: string, from: number, to: number | null) =>
      db.query(
        `INSERT INTO address_holdings (organization_id, service_id, anycast_address_id, address, family, held_from, held_to)
         VALUES ($1, $2, gen_random_uuid(), $3, 4, to_timestamp($4), to_timestamp($5))`,
        [org, svc, address, from, to],
      );
    await insert('203.0.113.1', t0 - 7200, t0 - 3600); // before the period
    await insert('203.0.113.2', t0 - 60.75, t0 + 930.5); // straddles the start; fractions floored
    await insert('203.0.113.3', t0 + 10.2, t0 + 10.7); // zero-length once floored
    await insert('203.0.113.4', t0 + 3000, null); // still held
    const read = await new BillingRepository(ds).holdings(org, t0, t0 + 3600);
    expect(read.map((h) => [h.address, h.from - t0, h.to === null ? null : h.to - t0])).toEqual([
      ['203.0.113.2', -61, 930],
      ['203.0.113.4', 3000, null],
    ]);
  });
});
