import type { ServiceStatus } from '@anyfront/contracts';
import type { SqlRunner } from '../fleet/sql';

/** An active global pool as slot assignment weighs it. */
export interface CandidatePoolRow {
  id: string;
  prefix: string;
  family: 4 | 6;
  popIds: string[];
  /** Slots assigned or still quarantined. */
  used: bigint;
}

/**
 * What slot assignment reads and locks: the service (its row lock serialises assigners of one
 * service), its held addresses, the active global pools and their locks, the IPv6 slot sequence.
 * The slots themselves are picked by slot-pick.ts. Pass the assignment's transaction.
 */
export class SlotAssignmentRepository {
  constructor(private readonly db: SqlRunner) {}

  /** The service's status with its row locked FOR NO KEY UPDATE (serialises assigners of this service without blocking inserts that reference it), or null. */
  async lockService(serviceId: string): Promise<{ status: ServiceStatus } | null> {
    const rows: Array<{ id: string; status: ServiceStatus }> = await this.db.query(`SELECT id, status FROM services WHERE id = $1 FOR NO KEY UPDATE`, [serviceId]);
    return rows[0] ? { status: rows[0].status } : null;
  }

  /** Whether the service's organization is suspended by billing. */
  async organizationSuspended(serviceId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM services s JOIN billing_accounts b ON b.organization_id = s.organization_id WHERE s.id = $1 AND b.status = 'suspended'`,
      [serviceId],
    );
    return rows.length > 0;
  }

  /** The pools and families of the service's assigned addresses. */
  held(serviceId: string): Promise<Array<{ pool_id: string; family: number }>> {
    return this.db.query(`SELECT pool_id, family FROM anycast_addresses WHERE service_id = $1 AND state = 'assigned'`, [serviceId]);
  }

  /** Every active global pool with its PoP set and how many of its slots are taken or quarantined, in id order. */
  async candidatePools(): Promise<CandidatePoolRow[]> {
    const rows: Array<{ id: string; prefix: string; family: number; pop_ids: string[] | null; used: string }> = await this.db.query(`
      SELECT p.id, p.prefix::text AS prefix, p.family,
             (SELECT array_agg(pp.pop_id::text ORDER BY pp.pop_id) FROM pool_pops pp WHERE pp.pool_id = p.id) AS pop_ids,
             (SELECT count(*) FROM anycast_addresses a
               WHERE a.pool_id = p.id AND (a.state = 'assigned' OR a.quarantined_until > now())) AS used
        FROM pools p
       WHERE p.scope = 'global' AND p.state = 'active'
       ORDER BY p.id`);
    return rows.map((r) => ({ id: r.id, prefix: r.prefix, family: r.family === 6 ? 6 : 4, popIds: r.pop_ids ?? [], used: BigInt(r.used) }));
  }

  /**
   * Locks these pools (FOR NO KEY UPDATE, in id order so two pickers needing the same two pools
   * cannot deadlock) if they are still active; the ids locked.
   */
  async lockActivePools(ids: string[]): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM pools WHERE id = ANY($1::uuid[]) AND state = 'active' ORDER BY id FOR NO KEY UPDATE`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** The next IPv6 slot index (one sequence for all IPv6 pools: 2^64 slots each, no lock needed). */
  async nextIpv6SlotIndex(): Promise<bigint> {
    const [row] = await this.db.query(`SELECT nextval('anycast_ipv6_slot_seq')::text AS index`);
    return BigInt((row as { index: string }).index);
  }

  async markWaiting(serviceId: string, reason: string): Promise<void> {
    await this.db.query(`UPDATE services SET status = 'waiting_for_capacity', status_reason = $2, updated_at = now() WHERE id = $1`, [serviceId, reason]);
  }

  async markActive(serviceId: string): Promise<void> {
    await this.db.query(`UPDATE services SET status = 'active', status_reason = NULL, updated_at = now() WHERE id = $1`, [serviceId]);
  }
}
