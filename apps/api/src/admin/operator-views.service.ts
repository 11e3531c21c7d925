import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { OperatorViewsRepository, type PoolHeaderRow, type SlotHolderRow } from '@anyfront/db';
import { ipv4SlotGrids, parseSingleAddress } from '@anyfront/domain';
import { DataSource } from 'typeorm';
import { decodeCursor, DEFAULT_PAGE_LIMIT, encodeCursor, type Page } from '../common/pagination';
import { problems } from '../common/problem';
import type { AddressLookupDto, EdgeNodeImpactDto, OperatorOverviewDto, OrganizationsQueryDto, OrganizationSummaryDto, PoolRefDto, PoolSlotMapDto, SlotHolderDto } from './operator-views.dto';

const TAKEN_LIMIT = 1000;
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const holderDto = (h: SlotHolderRow | null): SlotHolderDto | null =>
  h && { organization_id: h.organizationId, organization_name: h.organizationName, service_id: h.serviceId, service_name: h.serviceName, since: h.since.toISOString() };
const poolRef = (p: PoolHeaderRow): PoolRefDto => ({ id: p.id, prefix: p.prefix, family: p.family, state: p.state, pop_codes: p.popCodes });

/** The operator console's read models (slot map, address lookup, organizations, overview). */
@Injectable()
export class OperatorViewsService {
  private readonly repo: OperatorViewsRepository;

  constructor(@InjectDataSource() ds: DataSource) {
    this.repo = new OperatorViewsRepository(ds);
  }

  async slotMap(poolId: string): Promise<PoolSlotMapDto> {
    const pool = await this.repo.poolHeader(poolId);
    if (!pool) throw problems.notFound('pool', poolId);
    const taken = await this.repo.takenSlots(poolId, TAKEN_LIMIT);
    const bySlot = new Map(taken.map((t) => [t.slotIndex, t]));
    const grids = ipv4SlotGrids(pool.prefix, bySlot);
    return {
      pool: poolRef(pool),
      grids: grids?.map((g) => ({
        prefix: g.prefix,
        slots: g.cells.map((c) => ({ offset: c.offset, address: c.address, slot_index: c.slotIndex, state: c.state, quarantined_until: iso(c.taken?.quarantinedUntil ?? null), holder: holderDto(c.taken?.holder ?? null) })),
      })) ?? null,
      taken: taken.map((t) => ({ slot_index: t.slotIndex, address: t.address, state: t.state, quarantined_until: iso(t.quarantinedUntil), holder: holderDto(t.holder) })),
    };
  }

  async lookup(input: string): Promise<AddressLookupDto> {
    const parsed = parseSingleAddress(input);
    if (!parsed.ok) throw problems.validation([{ field: 'address', message: parsed.message }]);
    const address = parsed.text;
    const [anycast, history, backendOf] = await Promise.all([this.repo.anycastAddress(address), this.repo.holdingHistory(address), this.repo.backendUses(address)]);
    const pool = anycast?.pool ?? (await this.repo.poolContaining(address));
    return {
      address,
      family: parsed.addr.kind() === 'ipv6' ? 6 : 4,
      pool: pool && poolRef(pool),
      anycast: anycast && { slot_index: anycast.slotIndex, state: anycast.state, quarantined_until: iso(anycast.quarantinedUntil), holder: holderDto(anycast.holder) },
      announcing_pops: pool ? (await this.repo.announcingPops(pool.id)).map((p) => ({ pop_id: p.popId, pop_code: p.popCode, pop_name: p.popName, edge_nodes: p.edgeNodes, announcing: p.announcing })) : [],
      history: history.map((h) => ({ organization_id: h.organizationId, organization_name: h.organizationName, service_id: h.serviceId, service_name: h.serviceName, from: h.from.toISOString(), to: iso(h.to) })),
      backend_of: backendOf.map((b) => ({ backend_id: b.backendId, service_id: b.serviceId, service_name: b.serviceName, organization_id: b.organizationId, organization_name: b.organizationName, enabled: b.enabled })),
    };
  }

  async organizations(q: OrganizationsQueryDto): Promise<Page<OrganizationSummaryDto>> {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const pos = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.repo.organizations({ search: q.search || undefined, limit: limit + 1, after: pos && { createdAt: pos.t, id: pos.i } });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map((o) => ({ id: o.id, name: o.name, created_at: o.createdAt.toISOString(), plan: o.plan, billing_status: o.status, services: o.services, ipv4_addresses: o.ipv4Addresses, members: o.members })),
      next_cursor: rows.length > limit && last ? encodeCursor({ t: last.createdAt.toISOString(), i: last.id }) : null,
    };
  }

  async overview(): Promise<OperatorOverviewDto> {
    const [waiting, failed, attention] = await Promise.all([this.repo.waitingServices(), this.repo.failedDeploys(), this.repo.organizationsNeedingAttention()]);
    return {
      waiting_services: waiting.map((w) => ({ id: w.id, name: w.name, organization_id: w.organizationId, organization_name: w.organizationName, since: w.since.toISOString(), reason: w.reason })),
      failed_deploys: failed.map((f) => ({ service_id: f.serviceId, service_name: f.serviceName, organization_id: f.organizationId, organization_name: f.organizationName, edge_node_id: f.edgeNodeId, edge_node_name: f.edgeNodeName, pop_code: f.popCode, reason: f.reason, since: iso(f.since) })),
      organizations_needing_attention: attention.map((a) => ({ id: a.id, name: a.name, billing_status: a.status, since: a.since.toISOString(), grace_until: iso(a.graceUntil) })),
    };
  }

  async edgeNodeImpact(id: string): Promise<EdgeNodeImpactDto> {
    const r = await this.repo.edgeNodeImpact(id);
    if (!r) throw problems.notFound('edge node', id);
    return { edge_node_id: id, services: r.services, bytes_last_hour: r.bytesLastHour.toString(), packets_last_hour: r.packetsLastHour.toString(), other_announcing_in_pop: r.otherAnnouncingInPop, capabilities: r.capabilities };
  }
}
