import { assignSlotsJob } from '@anyfront/contracts';
import { recordFleetChange } from '../outbox/fleet-changes';
import { OutboxRepository } from '../outbox/outbox.repository';
import type { PageRequest, PageRows } from '../pagination';
import { rowsOf, type SqlDatabase, type SqlRunner } from '../fleet/sql';

export type RelocationScope = 'address' | 'service' | 'pool';
export type RelocationStatus = 'notice' | 'completed';

/** An assigned address a relocation may move, with its holder. */
export interface HeldAddress {
  addressId: string;
  address: string;
  poolId: string;
  poolPrefix: string;
  family: 4 | 6;
  serviceId: string;
  serviceName: string;
  organizationId: string;
}

/** What to move: one address, the addresses of a service (optionally only the one in a pool), or every tenant address of a pool. */
export type RelocationSource = { address: string } | { serviceId: string; poolId?: string } | { poolId: string };

export interface RelocationRow {
  id: string;
  scope: RelocationScope;
  sourceAddress: string | null;
  sourceServiceId: string | null;
  sourcePoolId: string | null;
  sourcePoolPrefix: string | null;
  targetPoolId: string;
  targetPoolPrefix: string;
  reason: string;
  noticeEndsAt: Date;
  status: RelocationStatus;
  shortenedReason: string | null;
  createdBy: string | null;
  createdAt: Date;
  completedAt: Date | null;
  moves: number;
  released: number;
}

export interface MoveRow {
  id: string;
  relocationId: string;
  organizationId: string;
  organizationName: string;
  serviceId: string;
  serviceName: string;
  oldAddress: string;
  oldPoolPrefix: string | null;
  newAddress: string;
  state: 'notice' | 'released';
  releasedAt: Date | null;
  createdAt: Date;
  noticeEndsAt: Date;
  reason: string;
}

const HELD = `
  SELECT a.id AS "addressId", host(a.address) AS address, a.pool_id AS "poolId", p.prefix::text AS "poolPrefix", a.family,
         s.id AS "serviceId", s.name AS "serviceName", s.organization_id AS "organizationId"
    FROM anycast_addresses a JOIN pools p ON p.id = a.pool_id JOIN services s ON s.id = a.service_id
   WHERE a.state = 'assigned' AND s.deleted_at IS NULL`;

/**
 * Address relocation with notice (issue 12). The API creates a relocation and its moves in one
 * transaction (new addresses assigned there, both addresses announced); `releaseDueRelocations`
 * (worker) quarantines the old addresses once the notice has ended. Tenant reads take the
 * organization as a parameter.
 */
export class RelocationsRepository {
  constructor(private readonly db: SqlRunner) {}

  /** The assigned addresses a source names, locked against concurrent release or relocation (FOR UPDATE of the slot rows). */
  async heldAddresses(source: RelocationSource): Promise<HeldAddress[]> {
    let rows: HeldAddress[];
    if ('address' in source) rows = await this.db.query(`${HELD} AND a.address = $1::inet ORDER BY a.address FOR UPDATE OF a`, [source.address]);
    else if ('serviceId' in source)
      rows = await this.db.query(`${HELD} AND s.id = $1 AND ($2::uuid IS NULL OR a.pool_id = $2) ORDER BY a.address FOR UPDATE OF a`, [source.serviceId, source.poolId ?? null]);
    else rows = await this.db.query(`${HELD} AND a.pool_id = $1 ORDER BY a.address FOR UPDATE OF a`, [source.poolId]);
    return rows.map((r) => ({ ...r, family: Number(r.family) === 6 ? 6 : 4 }));
  }

  /** Of `addressIds`, those already in an open move. */
  async inOpenMoves(addressIds: string[]): Promise<string[]> {
    const rows: Array<{ address: string }> = await this.db.query(
      `SELECT host(old_address) AS address FROM relocation_moves WHERE state = 'notice' AND old_address_id = ANY($1::uuid[]) ORDER BY 1`,
      [addressIds],
    );
    return rows.map((r) => r.address);
  }

  /** Of `serviceIds`, those already holding an assigned address in pool `poolId`. */
  async holdingIn(poolId: string, serviceIds: string[]): Promise<string[]> {
    const rows: Array<{ service_id: string }> = await this.db.query(
      `SELECT DISTINCT service_id FROM anycast_addresses WHERE pool_id = $1 AND state = 'assigned' AND service_id = ANY($2::uuid[])`,
      [poolId, serviceIds],
    );
    return rows.map((r) => r.service_id);
  }

  /** The target pool, locked so slot pickers of it queue behind this transaction (as slot assignment does). */
  async lockPool(poolId: string): Promise<{ id: string; prefix: string; family: 4 | 6; state: string; scope: string; free: number } | null> {
    const [row] = await this.db.query(
      `SELECT p.id, p.prefix::text AS prefix, p.family, p.state, p.scope,
              (SELECT count(*) FROM anycast_addresses a WHERE a.pool_id = p.id AND (a.state = 'assigned' OR a.quarantined_until > now()))::int AS used
         FROM pools p WHERE p.id = $1 FOR NO KEY UPDATE OF p`,
      [poolId],
    );
    if (!row) return null;
    const capacity = Number(row.family) === 4 ? 254 : Number.MAX_SAFE_INTEGER;
    return { id: row.id, prefix: row.prefix, family: Number(row.family) === 6 ? 6 : 4, state: row.state, scope: row.scope, free: capacity - row.used };
  }

  async poolExists(poolId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM pools WHERE id = $1`, [poolId])).length > 0;
  }

  async serviceExists(serviceId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM services WHERE id = $1 AND deleted_at IS NULL`, [serviceId])).length > 0;
  }

  async insert(r: { scope: RelocationScope; sourceAddress: string | null; sourceServiceId: string | null; sourcePoolId: string | null; targetPoolId: string; reason: string; noticeSeconds: number; createdBy: string | null }): Promise<string> {
    const [row] = await this.db.query(
      `INSERT INTO relocations (scope, source_address, source_service_id, source_pool_id, target_pool_id, reason, notice_ends_at, created_by)
       VALUES ($1, $2::inet, $3, $4, $5, $6, now() + $7::float8 * interval '1 second', $8) RETURNING id`,
      [r.scope, r.sourceAddress, r.sourceServiceId, r.sourcePoolId, r.targetPoolId, r.reason, r.noticeSeconds, r.createdBy],
    );
    return row.id as string;
  }

  async insertMove(relocationId: string, held: HeldAddress, newAddress: string): Promise<void> {
    await this.db.query(
      `INSERT INTO relocation_moves (relocation_id, organization_id, service_id, old_address_id, old_address, old_pool_id, new_address_id, new_address)
       VALUES ($1, $2, $3, $4, $5::inet, $6, (SELECT id FROM anycast_addresses WHERE address = $7::inet), $7::inet)`,
      [relocationId, held.organizationId, held.serviceId, held.addressId, held.address, held.poolId, newAddress],
    );
  }

  async get(id: string, lock = false): Promise<RelocationRow | null> {
    const [row] = await this.db.query(`${RELOCATION_SELECT} WHERE r.id = $1${lock ? ' FOR UPDATE OF r' : ''}`, [id]);
    return row ? toRelocation(row) : null;
  }

  /** Newest first is what an operator wants, but pages follow creation order like every list of this API; the console sorts. */
  async page(req: PageRequest, status?: RelocationStatus): Promise<PageRows<RelocationRow>> {
    const rows = await this.db.query(
      `${RELOCATION_SELECT}
        WHERE ($1::text IS NULL OR r.status = $1)
          AND ($2::timestamptz IS NULL OR (r.created_at, r.id) > (COALESCE((SELECT c.created_at FROM relocations c WHERE c.id = $3::uuid), $2::timestamptz), $3::uuid))
        ORDER BY r.created_at, r.id LIMIT $4`,
      [status ?? null, req.after?.createdAt ?? null, req.after?.id ?? null, req.limit + 1],
    );
    const more = rows.length > req.limit;
    return { rows: (more ? rows.slice(0, req.limit) : rows).map(toRelocation), more };
  }

  /** The moves of a relocation (operator), or of an organization (its notices, newest first). */
  async moves(by: { relocationId: string } | { organizationId: string }): Promise<MoveRow[]> {
    const rows = await this.db.query(
      `SELECT m.id, m.relocation_id AS "relocationId", m.organization_id AS "organizationId", o.name AS "organizationName",
              m.service_id AS "serviceId", s.name AS "serviceName", host(m.old_address) AS "oldAddress", op.prefix::text AS "oldPoolPrefix",
              host(m.new_address) AS "newAddress", m.state, m.released_at AS "releasedAt", m.created_at AS "createdAt",
              r.notice_ends_at AS "noticeEndsAt", r.reason
         FROM relocation_moves m
         JOIN relocations r ON r.id = m.relocation_id
         JOIN organizations o ON o.id = m.organization_id
         JOIN services s ON s.id = m.service_id
         LEFT JOIN pools op ON op.id = m.old_pool_id
        WHERE ${'relocationId' in by ? 'm.relocation_id = $1 ORDER BY m.old_address' : 'm.organization_id = $1 AND s.deleted_at IS NULL ORDER BY m.created_at DESC, m.id LIMIT 200'}`,
      ['relocationId' in by ? by.relocationId : by.organizationId],
    );
    return rows;
  }

  /** Moves the deadline earlier; `at` in the past means now. */
  async shorten(id: string, at: Date, reason: string): Promise<void> {
    await this.db.query(`UPDATE relocations SET notice_ends_at = greatest(least($2::timestamptz, notice_ends_at), now()), shortened_reason = $3 WHERE id = $1`, [id, at.toISOString(), reason]);
  }
}

const RELOCATION_SELECT = `
  SELECT r.id, r.scope, host(r.source_address) AS "sourceAddress", r.source_service_id AS "sourceServiceId", r.source_pool_id AS "sourcePoolId",
         sp.prefix::text AS "sourcePoolPrefix", r.target_pool_id AS "targetPoolId", tp.prefix::text AS "targetPoolPrefix", r.reason,
         r.notice_ends_at AS "noticeEndsAt", r.status, r.shortened_reason AS "shortenedReason", r.created_by AS "createdBy",
         r.created_at AS "createdAt", r.completed_at AS "completedAt",
         (SELECT count(*) FROM relocation_moves m WHERE m.relocation_id = r.id)::int AS moves,
         (SELECT count(*) FROM relocation_moves m WHERE m.relocation_id = r.id AND m.state = 'released')::int AS released
    FROM relocations r
    JOIN pools tp ON tp.id = r.target_pool_id
    LEFT JOIN pools sp ON sp.id = r.source_pool_id`;

function toRelocation(r: RelocationRow): RelocationRow {
  return r;
}

export interface ReleasedRelocation {
  relocationId: string;
  released: string[];
}

/**
 * Worker side: every relocation whose notice has ended (or just `relocationId`, if due) releases its
 * old addresses into quarantine, one transaction per relocation with the relocation row locked, so
 * a duplicate or retried job finds it completed and does nothing. The fleet sync of the affected
 * services and an assign-slots request per service (a no-op while it holds its addresses; it refills
 * one lost meanwhile) go into the outbox in the same transaction.
 */
export async function releaseDueRelocations(
  db: SqlDatabase,
  opts: { queuePrefix: string; quarantineDays: number; relocationId?: string; limit?: number },
): Promise<ReleasedRelocation[]> {
  const due: Array<{ id: string }> = await db.query(
    `SELECT id FROM relocations WHERE status = 'notice' AND notice_ends_at <= now() AND ($1::uuid IS NULL OR id = $1) ORDER BY notice_ends_at, id LIMIT $2`,
    [opts.relocationId ?? null, opts.limit ?? 100],
  );
  const out: ReleasedRelocation[] = [];
  for (const { id } of due) {
    const done = await db.transaction(async (tx) => {
      const [r] = await tx.query(`SELECT status, notice_ends_at <= now() AS due FROM relocations WHERE id = $1 FOR UPDATE`, [id]);
      if (!r || r.status !== 'notice' || !r.due) return null;
      const moves: Array<{ id: string; service_id: string; old_address_id: string }> = await tx.query(
        `SELECT id, service_id, old_address_id FROM relocation_moves WHERE relocation_id = $1 AND state = 'notice' ORDER BY id`,
        [id],
      );
      // Only while the service still holds it: a deleted service's or a suspended organization's release already happened.
      const released = rowsOf<{ address: string }>(
        await tx.query(
          `UPDATE anycast_addresses a SET state = 'quarantined', quarantined_until = now() + $2::float8 * interval '1 day'
             FROM relocation_moves m
            WHERE m.relocation_id = $1 AND m.state = 'notice' AND a.id = m.old_address_id AND a.state = 'assigned' AND a.service_id = m.service_id
            RETURNING host(a.address) AS address`,
          [id, opts.quarantineDays],
        ),
      ).map((x) => x.address).sort();
      await tx.query(`UPDATE relocation_moves SET state = 'released', released_at = now() WHERE relocation_id = $1 AND state = 'notice'`, [id]);
      await tx.query(`UPDATE relocations SET status = 'completed', completed_at = now() WHERE id = $1`, [id]);
      const serviceIds = [...new Set(moves.map((m) => m.service_id))];
      await recordFleetChange(tx, opts.queuePrefix, { serviceIds });
      await new OutboxRepository(tx, opts.queuePrefix).add(serviceIds.map(assignSlotsJob));
      await tx.query(
        `INSERT INTO audit_log (actor_credential, organization_id, action, target_type, target_id, details)
         VALUES ('system', NULL, 'relocation.complete', 'relocation', $1, $2)`,
        [id, JSON.stringify({ released, quarantine_days: opts.quarantineDays })],
      );
      return released;
    });
    if (done) out.push({ relocationId: id, released: done });
  }
  return out;
}
