import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { insertSlot, recordFleetChange, SlotAssignmentRepository, takeIpv4Slot } from '@anyfront/db';
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
    const repo = new SlotAssignmentRepository(tx);
    // NO KEY UPDATE: serialises assigners of this service without blocking inserts that reference it.
    const service = await repo.lockService(serviceId);
    if (!service) return { outcome: 'skipped', reason: 'service does not exist' };
    if (!['pending', 'waiting_for_capacity', 'active'].includes(service.status)) {
      return { outcome: 'skipped', reason: `service is ${service.status}` };
    }
    // Billing: a suspended organization gets no addresses (its services wait; restoring it requests them).
    if (await repo.organizationSuspended(serviceId)) return { outcome: 'skipped', reason: 'the organization is suspended' };

    const held = await repo.held(serviceId);
    const pools = await this.loadPools(repo);
    const choice = choosePools(
      pools.filter((p) => !excluded.has(p.id) || held.some((h) => h.pool_id === p.id)),
      { ipv4PoolIds: held.filter((h) => h.family === 4).map((h) => h.pool_id), hasIpv6: held.some((h) => h.family === 6) },
      serviceId,
    );
    if (!choice.ok) {
      // A service that already serves on some addresses (e.g. IPv4, waiting for IPv6) stays active.
      if (held.length > 0) return { outcome: 'waiting_for_capacity', reason: choice.reason };
      await repo.markWaiting(serviceId, choice.reason);
      return { outcome: 'waiting_for_capacity', reason: choice.reason };
    }
    if (choice.ipv4.length === 0 && !choice.ipv6) {
      if (service.status !== 'active') await repo.markActive(serviceId);
      return { outcome: 'already_assigned' };
    }

    // IPv6 and the status first: the IPv4 pool locks below are then held only for the pick and the commit.
    const v4: string[] = [];
    const v6 = choice.ipv6 ? [await this.takeIpv6Slot(tx, repo, choice.ipv6, serviceId)] : [];
    await repo.markActive(serviceId);
    if (choice.ipv4.length) {
      // Lock in id order so two pickers needing the same two pools cannot deadlock.
      const ids = choice.ipv4.map((p) => p.id);
      const locked = await repo.lockActivePools(ids);
      for (const pool of choice.ipv4) {
        if (!locked.includes(pool.id)) throw new PoolFilled(pool.id);
        v4.push(await this.takeIpv4Slot(tx, pool, serviceId));
      }
    }
    // New addresses change what edge nodes announce and forward: their sync commits with the slots.
    await recordFleetChange(tx, this.queuePrefix, { serviceIds: [serviceId] });
    return { outcome: 'assigned', addresses: [...v4, ...v6] };
  }

  /** Every active global pool with its PoP set and how many of its slots are taken or quarantined. */
  private async loadPools(repo: SlotAssignmentRepository): Promise<PoolCandidate[]> {
    const rows = await repo.candidatePools();
    return rows.map((r) => ({ id: r.id, prefix: r.prefix, family: r.family, popIds: r.popIds, free: slotCapacity(r.prefix) - r.used }));
  }

  /** With the pool row locked: the slot libs/db's takeIpv4Slot picks; a full pool is chosen again without it. */
  private async takeIpv4Slot(tx: EntityManager, pool: PoolCandidate, serviceId: string): Promise<string> {
    const address = await takeIpv4Slot(tx, pool, serviceId);
    if (!address) throw new PoolFilled(pool.id);
    return address;
  }

  private async takeIpv6Slot(tx: EntityManager, repo: SlotAssignmentRepository, pool: PoolCandidate, serviceId: string): Promise<string> {
    const index = await repo.nextIpv6SlotIndex();
    if (index >= slotCapacity(pool.prefix)) throw new PoolFilled(pool.id);
    return insertSlot(tx, pool, index, serviceId);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
