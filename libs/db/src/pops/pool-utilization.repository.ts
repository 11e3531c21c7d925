import type { SqlRunner } from '../fleet/sql';

export interface HeldPoint {
  at: Date;
  assigned: number;
}

/**
 * How many addresses of a pool were held (assigned to a service) at each point from `from` every `stepSeconds`,
 * and at `to`, replayed from the holding history (address_holdings): no snapshot table, and
 * exact for any past point, since every slot change writes the history in its own transaction.
 */
export async function poolHeldSeries(db: SqlRunner, poolId: string, opts: { from: Date; to: Date; stepSeconds: number }): Promise<HeldPoint[]> {
  return db.query(
    `WITH h AS (
       SELECT h.held_from, h.held_to FROM address_holdings h JOIN anycast_addresses a ON a.id = h.anycast_address_id
        WHERE a.pool_id = $1 AND h.held_from <= $3::timestamptz AND (h.held_to IS NULL OR h.held_to > $2::timestamptz))
     SELECT b.at, (SELECT count(*) FROM h WHERE h.held_from <= b.at AND (h.held_to IS NULL OR h.held_to > b.at))::int AS assigned
       FROM (SELECT generate_series($2::timestamptz, $3::timestamptz, $4::float8 * interval '1 second') UNION SELECT $3::timestamptz) AS b(at)
      ORDER BY b.at`,
    [poolId, opts.from.toISOString(), opts.to.toISOString(), opts.stepSeconds],
  );
}

/** The pool's prefix, or null when there is no such pool. */
export async function poolPrefix(db: SqlRunner, poolId: string): Promise<string | null> {
  const [row] = await db.query(`SELECT prefix::text AS prefix FROM pools WHERE id = $1`, [poolId]);
  return row ? (row.prefix as string) : null;
}
