import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { backendAddressesAmong, type EdgeNode, EdgeNodesRepository, PopsRepository } from '@anyfront/db';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { pgError, PG_UNIQUE_VIOLATION } from '../common/db-errors';
import { type Page, type PageQueryDto, pageRequest, toPage } from '../common/pagination';
import { type FieldError, problems } from '../common/problem';
import { FleetChanges } from '../fleet/fleet-changes';
import { FleetNodeViews, type FleetNodeView } from '../fleet/fleet-node-views';
import type { CreateEdgeNodeDto, EdgeNodeDto, EdgeNodeFleetDto, UpdateEdgeNodeDto } from './admin.dto';
import { parseHostAddress } from './pool-prefix';

function fleetOf(v: FleetNodeView | undefined): EdgeNodeFleetDto {
  return {
    registered: v?.registered ?? false,
    desired_generation: v?.desired_generation ?? 0,
    applied_generation: v?.applied_generation ?? 0,
    lag: v?.lag ?? 0,
    sync_pending: v?.sync_pending ?? false,
    drained: (v?.drained ?? false) || (v?.pop_drained ?? false),
    announced: v?.announced ?? null,
    last_heartbeat_at: v?.last_heartbeat_at ?? null,
    last_error: v?.last_error ?? null,
    canary: v?.canary ?? false,
    canary_failed_reason: v?.canary_failed_reason ?? null,
    held_services: v?.held_services ?? 0,
  };
}

function toDto(n: EdgeNode): EdgeNodeDto {
  return {
    id: n.id,
    pop_id: n.popId,
    pop_code: n.pop?.code ?? '',
    name: n.name,
    tunnel_source_ipv4: n.tunnelSourceIpv4,
    tunnel_source_ipv6: n.tunnelSourceIpv6,
    management_addresses: n.managementAddresses ?? [],
    state: n.state,
    created_at: n.createdAt.toISOString(),
    updated_at: n.updatedAt.toISOString(),
  };
}

/** Operator edge nodes with their fleet sync state; audit-logged writes; a change re-syncs the node. */
@Injectable()
export class EdgeNodesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly fleet: FleetChanges,
    private readonly nodeViews: FleetNodeViews,
  ) {}

  create(dto: CreateEdgeNodeDto, p: Principal): Promise<EdgeNodeDto> {
    const addrs = tunnelSources(dto);
    if (!addrs.tunnelSourceIpv4 && !addrs.tunnelSourceIpv6) {
      throw problems.validation([{ field: 'tunnel_source_ipv6', message: 'an edge node needs at least one tunnel source address (tunnel_source_ipv4 or tunnel_source_ipv6)' }]);
    }
    return this.ds.transaction(async (tx) => {
      await requirePop(tx, dto.pop_id);
      await refuseBackendTunnelSources(tx, addrs);
      const values = {
        popId: dto.pop_id, name: dto.name, state: dto.state ?? 'active', tunnelSourceIpv4: addrs.tunnelSourceIpv4 ?? null, tunnelSourceIpv6: addrs.tunnelSourceIpv6 ?? null,
        managementAddresses: addrs.managementAddresses ?? [],
      };
      const node = await unique(values, () => new EdgeNodesRepository(tx).create(values));
      await this.audit.record(p, 'edge_node.create', { type: 'edge_node', id: node.id, organizationId: null }, { ...dto }, tx);
      return toDto(node);
    });
  }

  async list(page: PageQueryDto): Promise<Page<EdgeNodeDto>> {
    const p = toPage(await new EdgeNodesRepository(this.ds.manager).page(pageRequest(page)), toDto);
    return { data: await this.withFleet(p.data), next_cursor: p.next_cursor };
  }

  async get(id: string): Promise<EdgeNodeDto> {
    const node = await new EdgeNodesRepository(this.ds.manager).findWithPop(id);
    if (!node) throw problems.notFound('edge node', id);
    const [withFleet] = await this.withFleet([toDto(node)]);
    if (!withFleet) throw new Error(`edge node ${id}: no fleet view`); // withFleet maps one to one
    return withFleet;
  }

  update(id: string, dto: UpdateEdgeNodeDto, p: Principal): Promise<EdgeNodeDto> {
    const addrs = tunnelSources(dto);
    return this.ds.transaction(async (tx) => {
      const nodes = new EdgeNodesRepository(tx);
      const node = await nodes.lock(id);
      if (!node) throw problems.notFound('edge node', id);
      if (dto.pop_id) await requirePop(tx, dto.pop_id);
      Object.assign(node, { popId: dto.pop_id ?? node.popId, name: dto.name ?? node.name, state: dto.state ?? node.state, ...addrs });
      if (!node.tunnelSourceIpv4 && !node.tunnelSourceIpv6) {
        throw problems.validation([{ field: 'tunnel_source_ipv6', message: 'an edge node needs at least one tunnel source address' }]);
      }
      await refuseBackendTunnelSources(tx, addrs);
      const saved = await unique(node, () => nodes.save(node));
      await this.audit.record(p, 'edge_node.update', { type: 'edge_node', id, organizationId: null }, { ...dto }, tx);
      await this.fleet.record(tx, { edgeNodeIds: [id] });
      return toDto(saved);
    });
  }

  async remove(id: string, p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      const nodes = new EdgeNodesRepository(tx);
      const node = await nodes.lock(id);
      if (!node) throw problems.notFound('edge node', id);
      await nodes.delete(id);
      await this.audit.record(p, 'edge_node.delete', { type: 'edge_node', id, organizationId: null }, { name: node.name }, tx);
    });
  }

  /** Adds each node's fleet sync state (applied generation, lag, announce state, heartbeat). */
  private async withFleet(nodes: EdgeNodeDto[]): Promise<EdgeNodeDto[]> {
    const views = new Map((await this.nodeViews.views(nodes.map((n) => n.id))).map((v) => [v.id, v]));
    return nodes.map((n) => ({ ...n, fleet: fleetOf(views.get(n.id)) }));
  }
}

/** Parsed tunnel source and management address fields: undefined = not given, null = cleared. */
function tunnelSources(dto: UpdateEdgeNodeDto): Partial<Pick<EdgeNode, 'tunnelSourceIpv4' | 'tunnelSourceIpv6' | 'managementAddresses'>> {
  const out: Partial<Pick<EdgeNode, 'tunnelSourceIpv4' | 'tunnelSourceIpv6' | 'managementAddresses'>> = {};
  const errors: FieldError[] = [];
  if (dto.management_addresses) {
    const parsed = dto.management_addresses.map((a, i) => {
      const r = parseHostAddress(a, a.includes(':') ? 6 : 4);
      if (!r.ok) errors.push({ field: `management_addresses[${i}]`, message: r.message });
      return r.ok ? r.address : '';
    });
    out.managementAddresses = [...new Set(parsed)];
  }
  for (const [field, family, key] of [
    ['tunnel_source_ipv4', 4, 'tunnelSourceIpv4'],
    ['tunnel_source_ipv6', 6, 'tunnelSourceIpv6'],
  ] as const) {
    const value = dto[field];
    if (value === undefined) continue;
    if (value === null) {
      out[key] = null;
      continue;
    }
    const r = parseHostAddress(value, family);
    if (r.ok) out[key] = r.address;
    else errors.push({ field, message: r.message });
  }
  if (errors.length) throw problems.validation(errors);
  return out;
}

/** 422 when a new tunnel source is some tenant's backend: the edges would tunnel that backend's traffic to an edge. */
async function refuseBackendTunnelSources(tx: EntityManager, addrs: Partial<Pick<EdgeNode, 'tunnelSourceIpv4' | 'tunnelSourceIpv6'>>): Promise<void> {
  for (const [field, address] of [['tunnel_source_ipv4', addrs.tunnelSourceIpv4], ['tunnel_source_ipv6', addrs.tunnelSourceIpv6]] as const) {
    if (address && (await backendAddressesAmong(tx, [address])).length) {
      throw problems.field(422, field, `${address} is a tenant backend address; an edge node with it as tunnel source would receive that backend's tunnelled traffic. The backend must move first.`, 'tunnel-source-is-backend');
    }
  }
}

async function requirePop(tx: EntityManager, popId: string): Promise<void> {
  if (!(await new PopsRepository(tx).exists(popId))) throw problems.validation([{ field: 'pop_id', message: `no PoP with id ${popId} exists` }]);
}

async function unique(node: Pick<EdgeNode, 'name' | 'tunnelSourceIpv4' | 'tunnelSourceIpv6'>, write: () => Promise<EdgeNode>): Promise<EdgeNode> {
  try {
    return await write();
  } catch (err) {
    const e = pgError(err);
    if (e?.code !== PG_UNIQUE_VIOLATION) throw err;
    if (e.constraint?.includes('ipv4')) throw problems.conflict(`Another edge node already uses ${node.tunnelSourceIpv4} as its tunnel source.`, 'tunnel_source_ipv4');
    if (e.constraint?.includes('ipv6')) throw problems.conflict(`Another edge node already uses ${node.tunnelSourceIpv6} as its tunnel source.`, 'tunnel_source_ipv6');
    throw problems.conflict(`An edge node named "${node.name}" already exists.`, 'name', 'edge-node-name-taken');
  }
}
