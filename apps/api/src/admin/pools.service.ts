import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { backendsInsidePrefix, Pool, Pop } from '@anyfront/db';
import { slotCapacity } from '@anyfront/domain';
import { DataSource, EntityManager, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { FleetChanges } from '../fleet/fleet-changes';
import { pgError, PG_EXCLUSION_VIOLATION, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION } from '../common/db-errors';
import { Page, PageQueryDto, paginate } from '../common/pagination';
import { FieldError, problems } from '../common/problem';
import { AppConfig } from '../config';
import { CreatePoolDto, PoolDto, PoolUtilizationDto, UpdatePoolDto } from './admin.dto';
import { parsePoolPrefix } from './pool-prefix';

interface Usage {
  assigned: number;
  quarantined: number;
}

@Injectable()
export class PoolsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly fleet: FleetChanges,
  ) {}

  async create(dto: CreatePoolDto, p: Principal): Promise<PoolDto> {
    const parsed = parsePoolPrefix(dto.prefix, { allowDocumentation: this.config.allowDocumentationAddresses });
    if (!parsed.ok) throw problems.validation([{ field: 'prefix', message: parsed.message }]);
    const region = dto.region ?? null;
    checkScope(dto.scope, region);
    return this.ds.transaction(async (tx) => {
      const pops = await this.loadPops(tx, dto.pop_ids, dto.scope, region);
      const overlapping = await tx.query('SELECT prefix FROM pools WHERE prefix && $1::cidr LIMIT 1', [parsed.prefix]);
      if (overlapping[0]) throw overlap(parsed.prefix, overlapping[0].prefix);
      // A pool over a tenant's backend would make the edges tunnel that backend's traffic back into the platform.
      const inside = await backendsInsidePrefix(tx, parsed.prefix);
      if (inside.total) {
        throw problems.field(422, 'prefix', `${inside.total} tenant backend address${inside.total === 1 ? '' : 'es'} lie inside ${parsed.prefix} (${inside.addresses.join(', ')}${inside.total > inside.addresses.length ? ', ...' : ''}); `
          + 'a pool over them would loop their traffic into the platform. Those backends must move first.', 'pool-over-backends');
      }
      let pool: Pool;
      try {
        pool = await tx.save(tx.create(Pool, { prefix: parsed.prefix, family: parsed.family, scope: dto.scope, region, state: dto.state ?? 'active', pops }));
      } catch (err) {
        // Backstop for a concurrent create: the exclusion constraint refuses the loser.
        const code = pgError(err)?.code;
        if (code === PG_EXCLUSION_VIOLATION || code === PG_UNIQUE_VIOLATION) throw overlap(parsed.prefix, null);
        throw err;
      }
      await this.audit.record(p, 'pool.create', { type: 'pool', id: pool.id, organizationId: null }, { ...dto, prefix: parsed.prefix }, tx);
      await this.fleet.record(tx, { poolIds: [pool.id] });
      return this.toDto(pool, { assigned: 0, quarantined: 0 });
    });
  }

  async list(page: PageQueryDto): Promise<Page<PoolDto>> {
    const qb = this.ds.getRepository(Pool).createQueryBuilder('pool').leftJoinAndSelect('pool.pops', 'pop');
    const result = await paginate(qb, page, (pool) => pool);
    const usage = await this.usage(result.data.map((pool) => pool.id));
    return { data: result.data.map((pool) => this.toDto(pool, usage.get(pool.id))), next_cursor: result.next_cursor };
  }

  async get(id: string, m: EntityManager = this.ds.manager): Promise<PoolDto> {
    const pool = await m.findOne(Pool, { where: { id }, relations: { pops: true } });
    if (!pool) throw problems.notFound('pool', id);
    const usage = await this.usage([id], m);
    return this.toDto(pool, usage.get(id));
  }

  async update(id: string, dto: UpdatePoolDto, p: Principal): Promise<PoolDto> {
    return this.ds.transaction(async (tx) => {
      const pool = await tx.findOne(Pool, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!pool) throw problems.notFound('pool', id);
      const currentIds = await popIdsOf(tx, id);
      const current = currentIds.length ? await tx.find(Pop, { where: { id: In(currentIds) } }) : [];
      const scope = dto.scope ?? pool.scope;
      // Switching to global drops the region unless one is given (which checkScope then refuses).
      const region = dto.region !== undefined ? dto.region : dto.scope === 'global' ? null : pool.region;
      checkScope(scope, region);
      const pops = dto.pop_ids ? await this.loadPops(tx, dto.pop_ids, scope, region) : current;
      if (!dto.pop_ids) checkPopRegions(pops, scope, region, 'pop_ids');
      Object.assign(pool, { scope, region, state: dto.state ?? pool.state, pops });
      await tx.save(pool);
      await this.audit.record(p, 'pool.update', { type: 'pool', id, organizationId: null }, { ...dto }, tx);
      await this.fleet.record(tx, { poolIds: [id] });
      return this.get(id, tx);
    });
  }

  async remove(id: string, p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      const pool = await tx.findOne(Pool, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!pool) throw problems.notFound('pool', id);
      const u = (await this.usage([id], tx, true)).get(id);
      if (u && u.assigned + u.quarantined > 0) throw inUse(pool.prefix, u);
      try {
        await tx.delete(Pool, { id });
      } catch (err) {
        if (pgError(err)?.code === PG_FOREIGN_KEY_VIOLATION) throw inUse(pool.prefix, u ?? { assigned: 0, quarantined: 0 });
        throw err;
      }
      await this.audit.record(p, 'pool.delete', { type: 'pool', id, organizationId: null }, { prefix: pool.prefix }, tx);
      await this.fleet.record(tx, { poolIds: [id] });
    });
  }

  /**
   * Assigned and still-quarantined addresses per pool (rows of anycast_addresses). With
   * `allRows`, every quarantined row counts, also expired ones (they still reference the pool).
   */
  private async usage(ids: string[], m: EntityManager = this.ds.manager, allRows = false): Promise<Map<string, Usage>> {
    if (!ids.length) return new Map();
    const rows: Array<{ pool_id: string; assigned: number; quarantined: number }> = await m.query(
      `SELECT pool_id,
              count(*) FILTER (WHERE state = 'assigned')::int AS assigned,
              count(*) FILTER (WHERE state = 'quarantined' AND ($2 OR quarantined_until > now()))::int AS quarantined
         FROM anycast_addresses WHERE pool_id = ANY($1::uuid[]) GROUP BY pool_id`,
      [ids, allRows],
    );
    return new Map(rows.map((r) => [r.pool_id, { assigned: r.assigned, quarantined: r.quarantined }]));
  }

  private async loadPops(tx: EntityManager, ids: string[], scope: string, region: string | null): Promise<Pop[]> {
    const pops = await tx.find(Pop, { where: { id: In(ids) } });
    const found = new Set(pops.map((x) => x.id));
    const missing: FieldError[] = ids.flatMap((id, i) => (found.has(id) ? [] : [{ field: `pop_ids[${i}]`, message: `no PoP with id ${id} exists` }]));
    if (missing.length) throw problems.validation(missing);
    checkPopRegions(pops, scope, region, 'pop_ids', ids);
    return pops;
  }

  private toDto(pool: Pool, usage: Usage = { assigned: 0, quarantined: 0 }): PoolDto {
    const pops = [...(pool.pops ?? [])].sort((a, b) => a.code.localeCompare(b.code));
    return {
      id: pool.id,
      prefix: pool.prefix,
      family: pool.family,
      scope: pool.scope,
      region: pool.region,
      state: pool.state,
      pop_ids: pops.map((x) => x.id),
      pops: pops.map((x) => ({ id: x.id, code: x.code })),
      utilization: utilization(pool.prefix, usage),
      created_at: pool.createdAt.toISOString(),
      updated_at: pool.updatedAt.toISOString(),
    };
  }
}

export function utilization(prefix: string, u: Usage): PoolUtilizationDto {
  const capacity = Number(slotCapacity(prefix));
  return { capacity, assigned: u.assigned, quarantined: u.quarantined, free: Math.max(0, capacity - u.assigned - u.quarantined) };
}

async function popIdsOf(tx: EntityManager, poolId: string): Promise<string[]> {
  const rows: Array<{ pop_id: string }> = await tx.query('SELECT pop_id FROM pool_pops WHERE pool_id = $1', [poolId]);
  return rows.map((r) => r.pop_id);
}

function checkScope(scope: string, region: string | null): void {
  if (scope === 'regional' && !region) throw problems.validation([{ field: 'region', message: 'is required for a regional pool' }]);
  if (scope === 'global' && region) throw problems.validation([{ field: 'region', message: 'must be null or absent for a global pool (it is announced everywhere)' }]);
}

/** A regional pool is announced only inside its region, so every PoP of its set must be there. */
function checkPopRegions(pops: Pop[], scope: string, region: string | null, field: string, order?: string[]): void {
  if (scope !== 'regional') return;
  const errors: FieldError[] = [];
  for (const pop of pops) {
    if (pop.region === region) continue;
    const i = order ? order.indexOf(pop.id) : -1;
    errors.push({ field: i >= 0 ? `${field}[${i}]` : field, message: `PoP ${pop.code} is in region ${pop.region}, not ${region}; a regional pool is announced only from PoPs in its region` });
  }
  if (errors.length) throw problems.validation(errors);
}

function overlap(prefix: string, other: string | null) {
  return problems.conflict(
    other ? `${prefix} overlaps the existing pool ${other}; pools may not share addresses.` : `${prefix} overlaps an existing pool; pools may not share addresses.`,
    'prefix',
    'pool-overlap',
  );
}

function inUse(prefix: string, u: Usage) {
  return problems.conflict(
    `Pool ${prefix} still holds ${u.assigned} assigned and ${u.quarantined} quarantined address(es). Set its state to "draining" and delete it once they are released.`,
    undefined,
    'pool-in-use',
  );
}
