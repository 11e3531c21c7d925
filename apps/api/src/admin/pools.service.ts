import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { backendsInsidePrefix, type Pool, PoolsRepository, type PoolUsage as Usage, type Pop } from '@anyfront/db';
import { slotCapacity } from '@anyfront/domain';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { FleetChanges } from '../fleet/fleet-changes';
import { pgError, PG_EXCLUSION_VIOLATION, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION } from '../common/db-errors';
import { Page, PageQueryDto, pageRequest, toPage } from '../common/pagination';
import { FieldError, problems } from '../common/problem';
import { AppConfig } from '../config';
import { CreatePoolDto, PoolDto, PoolUtilizationDto, UpdatePoolDto } from './admin.dto';
import { parsePoolPrefix } from './pool-prefix';

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
      const pools = new PoolsRepository(tx);
      const pops = await this.loadPops(pools, dto.pop_ids, dto.scope, region);
      const overlapping = await pools.overlapping(parsed.prefix);
      if (overlapping) throw overlap(parsed.prefix, overlapping);
      // A pool over a tenant's backend would make the edges tunnel that backend's traffic back into the platform.
      const inside = await backendsInsidePrefix(tx, parsed.prefix);
      if (inside.total) {
        throw problems.field(422, 'prefix', `${inside.total} tenant backend address${inside.total === 1 ? '' : 'es'} lie inside ${parsed.prefix} (${inside.addresses.join(', ')}${inside.total > inside.addresses.length ? ', ...' : ''}); `
          + 'a pool over them would loop their traffic into the platform. Those backends must move first.', 'pool-over-backends');
      }
      let pool: Pool;
      try {
        pool = await pools.create({ prefix: parsed.prefix, family: parsed.family, scope: dto.scope, region, state: dto.state ?? 'active', pops });
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
    const pools = new PoolsRepository(this.ds.manager);
    const result = toPage(await pools.page(pageRequest(page)), (pool) => pool);
    const usage = await pools.usage(result.data.map((pool) => pool.id));
    return { data: result.data.map((pool) => this.toDto(pool, usage.get(pool.id))), next_cursor: result.next_cursor };
  }

  async get(id: string, m: EntityManager = this.ds.manager): Promise<PoolDto> {
    const pools = new PoolsRepository(m);
    const pool = await pools.findWithPops(id);
    if (!pool) throw problems.notFound('pool', id);
    const usage = await pools.usage([id]);
    return this.toDto(pool, usage.get(id));
  }

  async update(id: string, dto: UpdatePoolDto, p: Principal): Promise<PoolDto> {
    return this.ds.transaction(async (tx) => {
      const pools = new PoolsRepository(tx);
      const pool = await pools.lock(id);
      if (!pool) throw problems.notFound('pool', id);
      const current = await pools.pops(id);
      const scope = dto.scope ?? pool.scope;
      // Switching to global drops the region unless one is given (which checkScope then refuses).
      const region = dto.region !== undefined ? dto.region : dto.scope === 'global' ? null : pool.region;
      checkScope(scope, region);
      const pops = dto.pop_ids ? await this.loadPops(pools, dto.pop_ids, scope, region) : current;
      if (!dto.pop_ids) checkPopRegions(pops, scope, region, 'pop_ids');
      Object.assign(pool, { scope, region, state: dto.state ?? pool.state, pops });
      await pools.save(pool);
      await this.audit.record(p, 'pool.update', { type: 'pool', id, organizationId: null }, { ...dto }, tx);
      await this.fleet.record(tx, { poolIds: [id] });
      return this.get(id, tx);
    });
  }

  async remove(id: string, p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      const pools = new PoolsRepository(tx);
      const pool = await pools.lock(id);
      if (!pool) throw problems.notFound('pool', id);
      const u = (await pools.usage([id], true)).get(id);
      if (u && u.assigned + u.quarantined > 0) throw inUse(pool.prefix, u);
      try {
        await pools.delete(id);
      } catch (err) {
        if (pgError(err)?.code === PG_FOREIGN_KEY_VIOLATION) throw inUse(pool.prefix, u ?? { assigned: 0, quarantined: 0 });
        throw err;
      }
      await this.audit.record(p, 'pool.delete', { type: 'pool', id, organizationId: null }, { prefix: pool.prefix }, tx);
      await this.fleet.record(tx, { poolIds: [id] });
    });
  }

  private async loadPops(pools: PoolsRepository, ids: string[], scope: string, region: string | null): Promise<Pop[]> {
    const pops = await pools.findPops(ids);
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
