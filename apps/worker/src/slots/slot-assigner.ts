import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { insertSlot, recordFleetChange, takeIpv4Slot } from '@anyfront/db';
import { type PoolCandidate, choosePools, slotCapacity } from '@anyfront/domain';

export type AssignOutcome =
  | { outcome: 'assigned'; addresses: string[] }
  | { outcome: 'already_assigned' }
  | { outcome: 'waiting_for_capacity'; reason: string }
  | { outcome: 'skipped'; reason: string };

/** Postgres errors after which the whole transaction is simply run again. */
const RETRYABLE = new Set(['23505' /* unique_violation */, '40P01' /* deadlock */, '40001' /* serialization */]);
const MAX_ATTEMPTS = 8;

/** A pool the choice picked turned out full once locked; choose again without it. */
class PoolFilled extends Error {
  constructor(readonly poolId: string) {
    super(`pool ${poolId} filled up`);
  }
}

interface PoolRow {
  id: string;
  prefix: string;
  family: number;
  pop_ids: string[] | null;
  used: string;
}

/**
 * Gives a service its anycast addresses. Safe with any number of workers, retries and duplicate jobs:
 * - one transaction per service that first locks the service row, so duplicates run one after the
 *   other and the second finds the addresses already there;
 * - IPv4 pools are locked (FOR NO KEY UPDATE, in id order) before a slot is picked, so pickers of one pool
 *   queue instead of racing; IPv6 slots come from a sequence (2^64 slots per pool, no lock needed);
 * - the UNIQUE constraints on anycast_addresses are the last guard: a violation rolls back and retries.
 */
export class SlotAssigner {
  private readonly log = new Logger(SlotAssigner.name);

  /** `queuePrefix`: the deployment whose outbox gets the fleet syncs of new addresses. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly queuePrefix: string,
  ) {}

  async assign(serviceId: string): Promise<AssignOutcome> {
    const excluded = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((tx) => this.assignIn(tx, serviceId, excluded));
      } catch (err) {
        if (err instanceof PoolFilled) {
          excluded.add(err.poolId);
          continue;
        }
        const code = (err as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) {
          this.log.warn(`service ${serviceId}: attempt ${attempt} hit ${code}, retrying`);
          await sleep(5 + Math.random() * 20 * attempt);
          continue;
        }
        throw err;
      }
    }
  }

  private async assignIn(tx: EntityManager, serviceId: string, excluded: ReadonlySet<string>): Promise<AssignOutcome> {
    // NO KEY UPDATE: serialises assigners of this service without blocking inserts that reference it.
    const [service] = await tx.query(`SELECT id, status FROM services WHERE id = $1 FOR NO KEY UPDATE`, [serviceId]);
    if (!service) return { outcome: 'skipped', reason: 'service does not exist' };
    if (!['pending', 'waiting_for_capacity', 'active'].includes(service.status)) {
      return { outcome: 'skipped', reason: `service is ${service.status}` };
    }
    // Billing: a suspended organization gets no addresses (its services wait; restoring it requests them).
    const suspended: unknown[] = await tx.query(
      `SELECT 1 FROM services s JOIN billing_accounts b ON b.organization_id = s.organization_id WHERE s.id = $1 AND b.status = 'suspended'`,
      [serviceId],
    );
    if (suspended.length) return { outcome: 'skipped', reason: 'the organization is suspended' };

    const held: { pool_id: string; family: number }[] = await tx.query(
      `SELECT pool_id, family FROM anycast_addresses WHERE service_id = $1 AND state = 'assigned'`,
      [serviceId],
    );
    const pools = await this.loadPools(tx);
    const choice = choosePools(
      pools.filter((p) => !excluded.has(p.id) || held.some((h) => h.pool_id === p.id)),
      { ipv4PoolIds: held.filter((h) => h.family === 4).map((h) => h.pool_id), hasIpv6: held.some((h) => h.family === 6) },
      serviceId,
    );
    if (!choice.ok) {
      // A service that already serves on some addresses (e.g. IPv4, waiting for IPv6) stays active.
      if (held.length > 0) return { outcome: 'waiting_for_capacity', reason: choice.reason };
      await tx.query(
        `UPDATE services SET status = 'waiting_for_capacity', status_reason = $2, updated_at = now() WHERE id = $1`,
        [serviceId, choice.reason],
      );
      return { outcome: 'waiting_for_capacity', reason: choice.reason };
    }
    if (choice.ipv4.length === 0 && !choice.ipv6) {
      if (service.status !== 'active') await this.activate(tx, serviceId);
      return { outcome: 'already_assigned' };
    }

    // IPv6 and the status first: the IPv4 pool locks below are then held only for the pick and the commit.
    const v4: string[] = [];
    const v6 = choice.ipv6 ? [await this.takeIpv6Slot(tx, choice.ipv6, serviceId)] : [];
    await this.activate(tx, serviceId);
    if (choice.ipv4.length) {
      // Lock in id order so two pickers needing the same two pools cannot deadlock.
      const ids = choice.ipv4.map((p) => p.id);
      const locked: { id: string }[] = await tx.query(
        `SELECT id FROM pools WHERE id = ANY($1::uuid[]) AND state = 'active' ORDER BY id FOR NO KEY UPDATE`,
        [ids],
      );
      for (const pool of choice.ipv4) {
        if (!locked.some((l) => l.id === pool.id)) throw new PoolFilled(pool.id);
        v4.push(await this.takeIpv4Slot(tx, pool, serviceId));
      }
    }
    // New addresses change what edge nodes announce and forward: their sync commits with the slots.
    await recordFleetChange(tx, this.queuePrefix, { serviceIds: [serviceId] });
    return { outcome: 'assigned', addresses: [...v4, ...v6] };
  }

  /** Every active global pool with its PoP set and how many of its slots are taken or quarantined. */
  private async loadPools(tx: EntityManager): Promise<PoolCandidate[]> {
    const rows: PoolRow[] = await tx.query(`
      SELECT p.id, p.prefix::text AS prefix, p.family,
             (SELECT array_agg(pp.pop_id::text ORDER BY pp.pop_id) FROM pool_pops pp WHERE pp.pool_id = p.id) AS pop_ids,
             (SELECT count(*) FROM anycast_addresses a
               WHERE a.pool_id = p.id AND (a.state = 'assigned' OR a.quarantined_until > now())) AS used
        FROM pools p
       WHERE p.scope = 'global' AND p.state = 'active'
       ORDER BY p.id`);
    return rows.map((r) => ({
      id: r.id,
      prefix: r.prefix,
      family: r.family === 6 ? 6 : 4,
      popIds: r.pop_ids ?? [],
      free: slotCapacity(r.prefix) - BigInt(r.used),
    }));
  }

  /** With the pool row locked: the slot libs/db's takeIpv4Slot picks; a full pool is chosen again without it. */
  private async takeIpv4Slot(tx: EntityManager, pool: PoolCandidate, serviceId: string): Promise<string> {
    const address = await takeIpv4Slot(tx, pool, serviceId);
    if (!address) throw new PoolFilled(pool.id);
    return address;
  }

  private async takeIpv6Slot(tx: EntityManager, pool: PoolCandidate, serviceId: string): Promise<string> {
    const [{ index }] = await tx.query(`SELECT nextval('anycast_ipv6_slot_seq')::text AS index`);
    if (BigInt(index) >= slotCapacity(pool.prefix)) throw new PoolFilled(pool.id);
    return insertSlot(tx, pool, BigInt(index), serviceId);
  }

  private async activate(tx: EntityManager, serviceId: string): Promise<void> {
    await tx.query(`UPDATE services SET status = 'active', status_reason = NULL, updated_at = now() WHERE id = $1`, [serviceId]);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
