import { slotAddress, slotCapacity } from '@anyfront/domain';
import type { SqlRunner } from '../fleet/sql';

/** The pool a slot is picked from. */
export interface PickPool {
  id: string;
  prefix: string;
  family: 4 | 6;
}

/**
 * With the IPv4 pool row locked by the caller: reuse the slot whose quarantine ended longest ago,
 * else the next new slot, else a gap below the top one; null when the pool is full. Shared by slot
 * assignment (worker) and relocation (API), so both pick the same way.
 */
export async function takeIpv4Slot(tx: SqlRunner, pool: PickPool, serviceId: string): Promise<string | null> {
  // One round trip: reuse a slot whose quarantine ended, and (in case there is none) the next new slot.
  // A CTE also makes the driver return plain rows (a bare UPDATE returns [rows, count]).
  const [{ reused, next }] = await tx.query(
    `WITH reused AS (
       UPDATE anycast_addresses SET state = 'assigned', service_id = $2, assigned_at = now(), quarantined_until = NULL
        WHERE id = (SELECT id FROM anycast_addresses
                     WHERE pool_id = $1 AND state = 'quarantined' AND quarantined_until <= now()
                     ORDER BY quarantined_until, slot_index LIMIT 1 FOR UPDATE)
        RETURNING host(address) AS address)
     SELECT (SELECT address FROM reused) AS reused,
            (SELECT coalesce(max(slot_index) + 1, 0)::text FROM anycast_addresses WHERE pool_id = $1) AS next`,
    [pool.id, serviceId],
  );
  if (reused) return reused as string;
  const capacity = slotCapacity(pool.prefix);
  if (BigInt(next) < capacity) return insertSlot(tx, pool, BigInt(next), serviceId);
  // The top slot is taken; a gap below it can only come from rows removed by hand, but use it if there is one.
  const [gap] = await tx.query(
    `SELECT i::text AS index FROM generate_series(0, $2::bigint - 1) AS i
      WHERE NOT EXISTS (SELECT 1 FROM anycast_addresses WHERE pool_id = $1 AND slot_index = i) ORDER BY i LIMIT 1`,
    [pool.id, capacity.toString()],
  );
  if (!gap) return null;
  return insertSlot(tx, pool, BigInt(gap.index), serviceId);
}

export async function insertSlot(tx: SqlRunner, pool: PickPool, index: bigint, serviceId: string): Promise<string> {
  const address = slotAddress(pool.prefix, index);
  await tx.query(
    `INSERT INTO anycast_addresses (pool_id, slot_index, address, family, service_id, state, assigned_at)
     VALUES ($1, $2, $3, $4, $5, 'assigned', now())`,
    [pool.id, index.toString(), address, pool.family, serviceId],
  );
  return address;
}
