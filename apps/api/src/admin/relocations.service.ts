import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { releaseRelocationJob } from '@anyfront/contracts';
import { type HeldAddress, type MoveRow, type RelocationRow, type RelocationSource, RelocationsRepository, takeIpv4Slot } from '@anyfront/db';
import type { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { Outbox } from '../common/outbox';
import { Page, pageRequest, toPage } from '../common/pagination';
import { problems } from '../common/problem';
import { AppConfig } from '../config';
import { FleetChanges } from '../fleet/fleet-changes';
import { emitWebhookEvent } from '../webhooks/webhook-events';
import type { CreateRelocationDto, RelocationDetailDto, RelocationDto, RelocationListQueryDto, RelocationMoveDto, ShortenRelocationDto } from './relocations.dto';

/**
 * Address relocation with notice (issue 12). Creating one assigns every moved service its new
 * address in the target pool in the same transaction as the relocation (both addresses announced
 * from the commit on: the fleet sync goes into the outbox with it); the worker releases the old
 * addresses into quarantine when the notice ends. A service never has fewer than its two IPv4
 * addresses in two pools: the new one exists before the old one goes, and a service that already
 * holds an address in the target pool is refused (it would be left with one pool).
 */
@Injectable()
export class RelocationsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly fleet: FleetChanges,
    private readonly outbox: Outbox,
  ) {}

  async create(dto: CreateRelocationDto, p: Principal): Promise<RelocationDetailDto> {
    const { source, scope, field } = sourceOf(dto);
    return this.ds.transaction(async (tx) => {
      const repo = new RelocationsRepository(tx);
      const target = await repo.lockPool(dto.target_pool_id);
      if (!target) throw problems.validation([{ field: 'target_pool_id', message: `no pool with id ${dto.target_pool_id} exists` }]);
      if (target.family !== 4) throw problems.validation([{ field: 'target_pool_id', message: `${target.prefix} is an IPv6 pool; relocation moves IPv4 addresses (the scarce /24s)` }]);
      if (target.state !== 'active') throw problems.validation([{ field: 'target_pool_id', message: `${target.prefix} is ${target.state}; new addresses come only from an active pool` }]);
      if ('serviceId' in source && !(await repo.serviceExists(source.serviceId))) throw problems.validation([{ field: 'service_id', message: `no service with id ${source.serviceId} exists` }]);
      if ('poolId' in source && source.poolId && !(await repo.poolExists(source.poolId))) throw problems.validation([{ field: 'pool_id', message: `no pool with id ${source.poolId} exists` }]);
      if ('poolId' in source && source.poolId === target.id) throw problems.validation([{ field: 'target_pool_id', message: 'must be another pool than the one the addresses move out of' }]);

      let held = await repo.heldAddresses(source);
      if ('address' in source && held[0]?.family === 6) throw problems.validation([{ field: 'address', message: 'is an IPv6 address; relocation moves IPv4 addresses' }]);
      held = held.filter((h) => h.family === 4 && (scope === 'pool' || h.poolId !== target.id || 'address' in source));
      if ('serviceId' in source && !source.poolId && held.length > 1) {
        throw problems.validation([{ field: 'service_id', message: `the service holds ${held.length} IPv4 addresses outside ${target.prefix} (${held.map((h) => `${h.address} in ${h.poolPrefix}`).join(', ')}); give pool_id to say which one moves` }]);
      }
      if (!held.length) throw problems.validation([{ field, message: noneMessage(scope, target.prefix) }]);
      const inTarget = held.find((h) => h.poolId === target.id);
      if (inTarget) throw problems.validation([{ field: 'target_pool_id', message: `${inTarget.address} is already in ${target.prefix}` }]);

      const open = await repo.inOpenMoves(held.map((h) => h.addressId));
      if (open.length) throw problems.conflict(`${open.slice(0, 5).join(', ')}${open.length > 5 ? ', ...' : ''} ${open.length === 1 ? 'is' : 'are'} already being relocated; wait for that relocation or shorten it.`, field, 'relocation-in-progress');
      // Two IPv4 addresses in two pools: a service already in the target pool would end with one.
      const already = new Set(await repo.holdingIn(target.id, held.map((h) => h.serviceId)));
      if (already.size) {
        const names = held.filter((h) => already.has(h.serviceId)).map((h) => `${h.serviceName} (${h.address})`);
        throw problems.validation([{ field: 'target_pool_id', message: `${already.size} service(s) already hold an address in ${target.prefix}: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}; each service keeps its IPv4 addresses in two different pools, so move those to another pool` }]);
      }
      if (held.length > target.free) throw problems.conflict(`${target.prefix} has ${target.free} free slot(s); this relocation needs ${held.length}.`, 'target_pool_id', 'pool-full');

      const noticeDays = dto.notice_days ?? this.config.relocationNoticeDays;
      const id = await repo.insert({
        scope,
        sourceAddress: 'address' in source ? source.address : null,
        sourceServiceId: 'serviceId' in source ? source.serviceId : null,
        sourcePoolId: 'poolId' in source ? (source.poolId ?? null) : null,
        targetPoolId: target.id,
        reason: dto.reason,
        noticeSeconds: Math.round(noticeDays * 86_400),
        createdBy: p.userId ?? null,
      });
      const moves: Array<{ service: string; from: string; to: string }> = [];
      for (const h of held) {
        const to = await takeIpv4Slot(tx, target, h.serviceId);
        if (!to) throw problems.conflict(`${target.prefix} filled up while relocating; nothing was changed.`, 'target_pool_id', 'pool-full');
        await repo.insertMove(id, h, to);
        moves.push({ service: h.serviceId, from: h.address, to });
      }
      // The new addresses are announced and forwarding from the next sync of the affected nodes.
      await this.fleet.record(tx, { serviceIds: [...new Set(held.map((h) => h.serviceId))] });
      await this.audit.record(p, 'relocation.create', { type: 'relocation', id, organizationId: null }, { ...dto, notice_days: noticeDays, moves }, tx);
      const detail = await this.detail(id, tx);
      // Tenants' webhooks: one relocation.notice per moved address, committed with the relocation.
      for (const m of detail.moves) {
        await emitWebhookEvent(tx, this.outbox, m.organization_id, 'relocation.notice', {
          relocation_id: id, service_id: m.service_id, service_name: m.service_name, old_address: m.old_address, new_address: m.new_address,
          deadline: detail.notice_ends_at, reason: detail.reason,
        });
      }
      return detail;
    });
  }

  async list(q: RelocationListQueryDto): Promise<Page<RelocationDto>> {
    const page = await new RelocationsRepository(this.ds).page(pageRequest(q), q.status);
    return toPage(page, toDto);
  }

  async get(id: string): Promise<RelocationDetailDto> {
    return this.detail(id, this.ds.manager);
  }

  async shorten(id: string, dto: ShortenRelocationDto, p: Principal): Promise<RelocationDetailDto> {
    return this.ds.transaction(async (tx) => {
      const repo = new RelocationsRepository(tx);
      const r = await repo.get(id, true);
      if (!r) throw problems.notFound('relocation', id);
      if (r.status === 'completed') throw problems.conflict('This relocation is completed: its old addresses are released already.', undefined, 'relocation-completed');
      const at = new Date(dto.notice_ends_at);
      if (at.getTime() >= r.noticeEndsAt.getTime()) {
        throw problems.validation([{ field: 'notice_ends_at', message: `must be earlier than the current end of the notice (${r.noticeEndsAt.toISOString()})` }]);
      }
      await repo.shorten(id, at, dto.reason);
      await this.audit.record(p, 'relocation.shorten', { type: 'relocation', id, organizationId: null }, { from: r.noticeEndsAt.toISOString(), to: dto.notice_ends_at, reason: dto.reason }, tx);
      // Released at once if the new end has passed (a no-op otherwise; the sweep takes it when it comes).
      await this.outbox.enqueue(tx, releaseRelocationJob(id));
      return this.detail(id, tx);
    });
  }

  private async detail(id: string, m: EntityManager): Promise<RelocationDetailDto> {
    const repo = new RelocationsRepository(m);
    const r = await repo.get(id);
    if (!r) throw problems.notFound('relocation', id);
    return { ...toDto(r), moves: (await repo.moves({ relocationId: id })).map(toMoveDto) };
  }
}

function sourceOf(dto: CreateRelocationDto): { source: RelocationSource; scope: RelocationRow['scope']; field: string } {
  const given = [dto.address !== undefined && 'address', dto.service_id !== undefined && 'service_id', dto.pool_id !== undefined && 'pool_id'].filter(Boolean);
  if (dto.address !== undefined && given.length === 1) return { source: { address: dto.address }, scope: 'address', field: 'address' };
  if (dto.service_id !== undefined && dto.address === undefined) return { source: { serviceId: dto.service_id, poolId: dto.pool_id }, scope: 'service', field: 'service_id' };
  if (dto.pool_id !== undefined && given.length === 1) return { source: { poolId: dto.pool_id }, scope: 'pool', field: 'pool_id' };
  const message = given.length ? `give one of address, service_id or pool_id (or service_id with pool_id), not ${given.join(' and ')}` : 'say what moves: an address, a service_id or a pool_id';
  throw problems.validation([{ field: given.length ? String(given[0]) : 'address', message }]);
}

function noneMessage(scope: RelocationRow['scope'], target: string): string {
  if (scope === 'address') return 'is not an address assigned to a service';
  if (scope === 'service') return `the service holds no IPv4 address that could move to ${target}`;
  return 'the pool holds no assigned address';
}

function toDto(r: RelocationRow): RelocationDto {
  return {
    id: r.id,
    scope: r.scope,
    source: {
      address: r.sourceAddress,
      service_id: r.sourceServiceId,
      pool: r.sourcePoolId ? { id: r.sourcePoolId, prefix: r.sourcePoolPrefix ?? '' } : null,
    },
    target_pool: { id: r.targetPoolId, prefix: r.targetPoolPrefix },
    reason: r.reason,
    notice_ends_at: r.noticeEndsAt.toISOString(),
    shortened_reason: r.shortenedReason,
    status: r.status,
    progress: { moves: r.moves, released: r.released },
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
    completed_at: r.completedAt?.toISOString() ?? null,
  };
}

export function toMoveDto(m: MoveRow): RelocationMoveDto {
  return {
    id: m.id,
    organization_id: m.organizationId,
    organization_name: m.organizationName,
    service_id: m.serviceId,
    service_name: m.serviceName,
    old_address: m.oldAddress,
    new_address: m.newAddress,
    state: m.state,
    released_at: m.releasedAt?.toISOString() ?? null,
  };
}

export type { HeldAddress };
