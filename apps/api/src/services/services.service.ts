import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { assignSlotsJob, DEFAULT_ENCAPSULATION, DEFAULT_HASH_MODE, type ServiceHealthCheck, type ServiceListener } from '@anyfront/contracts';
import { ServicesRepository, type Service, finishServiceDeletions, loadServiceDeployment, markServiceDeleting, serviceNodeCapabilities } from '@anyfront/db';
import { IPV4_ADDRESSES_PER_SERVICE, checkEncapsulationChange, encapsulationRefusalReason, type Listener, resolveGuePort, parseListeners, resolveHealthCheck } from '@anyfront/domain';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { Outbox } from '../common/outbox';
import { PG_UNIQUE_VIOLATION, pgError } from '../common/db-errors';
import { type Page, PageQueryDto, pageRequest, toPage } from '../common/pagination';
import { problems } from '../common/problem';
import { AppConfig } from '../config';
import { FleetChanges } from '../fleet/fleet-changes';
import { type AddressRow, toServiceDto } from './service-view';
import { CreateServiceDto, ServiceDto, UpdateServiceDto } from './services.dto';
import { refuseWhileSuspended } from '../billing/suspension';
import { QuotasService } from '../quotas/quotas.service';

@Injectable()
export class ServicesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly fleet: FleetChanges,
    private readonly outbox: Outbox,
    private readonly quotas: QuotasService,
  ) {}

  async create(orgId: string, dto: CreateServiceDto, p: Principal): Promise<ServiceDto> {
    const listeners = checkListeners(dto.listeners);
    const healthCheck = checkHealthCheck(dto.health_check, listeners);
    const encapsulation = dto.encapsulation ?? DEFAULT_ENCAPSULATION;
    const guePort = checkGuePort({ encapsulation, requested: dto.gue_port, listeners });
    const service = await this.ds.transaction(async (tx) => {
      await refuseWhileSuspended(tx, orgId, 'services');
      await this.quotas.reserve(tx, orgId, 'services');
      await this.quotas.reserve(tx, orgId, 'ipv4_addresses', IPV4_ADDRESSES_PER_SERVICE);
      const saved = await this.saveUnique(tx, {
        organizationId: orgId,
        name: dto.name,
        listeners,
        hashMode: dto.hash_mode ?? DEFAULT_HASH_MODE,
        encapsulation,
        guePort,
        healthCheck,
        status: 'pending',
        statusReason: null,
      });
      await this.audit.record(p, 'service.create', { type: 'service', id: saved.id }, { name: saved.name }, tx);
      await this.outbox.enqueue(tx, assignSlotsJob(saved.id));
      return saved;
    });
    return toServiceDto(service, []);
  }

  async list(orgId: string, page: PageQueryDto): Promise<Page<ServiceDto>> {
    const result = toPage(await new ServicesRepository(this.ds.manager).page(orgId, pageRequest(page)), (s) => s);
    const addresses = await this.addresses(result.data.map((s) => s.id));
    return { data: result.data.map((s) => toServiceDto(s, addresses)), next_cursor: result.next_cursor };
  }

  async get(orgId: string, id: string): Promise<ServiceDto> {
    const service = await this.find(this.ds.manager, orgId, id);
    const deployment = await loadServiceDeployment(this.ds, id, service.status === 'active');
    return { ...toServiceDto(service, await this.addresses([id])), deployment };
  }

  async update(orgId: string, id: string, dto: UpdateServiceDto, p: Principal): Promise<ServiceDto> {
    const updated = await this.ds.transaction(async (tx) => {
      const service = await this.findForChange(tx, orgId, id);
      const listeners = dto.listeners ? checkListeners(dto.listeners) : service.listeners;
      const healthCheck = dto.health_check
        ? checkHealthCheck(dto.health_check, listeners, service.healthCheck)
        : service.healthCheck;
      if (dto.encapsulation && dto.encapsulation !== service.encapsulation) {
        const backends = await new ServicesRepository(tx).backendFamilies(id);
        const check = checkEncapsulationChange(dto.encapsulation, backends);
        if (!check.ok) throw problems.field(422, 'encapsulation', check.message, 'encapsulation-family-mismatch');
        // The edges report what their kernels can program: refuse what none of the service's PoPs can.
        const unsupported = encapsulationRefusalReason(dto.encapsulation, await serviceNodeCapabilities(tx, id));
        if (unsupported) throw problems.field(422, 'encapsulation', unsupported, 'encapsulation-unsupported');
      }
      const encapsulation = dto.encapsulation ?? service.encapsulation;
      const guePort = checkGuePort({ encapsulation, requested: dto.gue_port, current: service.guePort, listeners });
      Object.assign(service, {
        name: dto.name ?? service.name,
        listeners,
        hashMode: dto.hash_mode ?? service.hashMode,
        encapsulation,
        guePort,
        healthCheck,
      });
      const saved = await this.saveUnique(tx, service);
      await this.audit.record(p, 'service.update', { type: 'service', id }, { ...dto }, tx);
      await this.fleet.record(tx, { serviceIds: [id] });
      return saved;
    });
    return toServiceDto(updated, await this.addresses([id]));
  }

  /**
   * Marks the service deleting: the fleet leaves it out of every edge node's desired state, and once
   * every node has applied a generation without it (finishServiceDeletions, checked here and on each
   * agent status report) it is deleted and its addresses stay in quarantine for QUARANTINE_DAYS, so
   * traffic still aimed at them (DNS caches, old clients) never reaches the next tenant that gets
   * them. A service no edge node runs is deleted at once. A repeat while deleting answers the same.
   */
  async remove(orgId: string, id: string, p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      const service = await this.find(tx, orgId, id, true);
      if (service.status !== 'deleting') {
        const addresses = await markServiceDeleting(tx, id);
        await this.audit.record(p, 'service.delete', { type: 'service', id }, { addresses, quarantine_days: this.config.quarantineDays }, tx);
      }
      await finishServiceDeletions(tx, this.config.quarantineDays, [id]);
      await this.fleet.record(tx, { serviceIds: [id] });
    });
  }

  /** The caller's live service locked for a change, or 404; 409 while it is being deleted. */
  async findForChange(tx: EntityManager, orgId: string, id: string): Promise<Service> {
    const service = await this.find(tx, orgId, id, true);
    if (service.status === 'deleting') {
      throw problems.conflict('The service is being deleted: the edges are dropping it, after which it is gone. Create a new service instead.', undefined, 'service-deleting');
    }
    return service;
  }

  /**
   * The caller's live service, or 404 (also for another organization's id). `lock` takes FOR NO KEY
   * UPDATE: it serialises writes to the service without blocking inserts that reference it (the
   * fleet sync's per-service generations, slots, backends of other transactions' FK checks).
   */
  async find(m: EntityManager, orgId: string, id: string, lock = false): Promise<Service> {
    const service = await new ServicesRepository(m).find(orgId, id, lock);
    if (!service) throw problems.notFound('service', id);
    return service;
  }

  private addresses(serviceIds: string[]): Promise<AddressRow[]> {
    return new ServicesRepository(this.ds.manager).assignedAddresses(serviceIds);
  }

  private async saveUnique(tx: EntityManager, values: Partial<Service>): Promise<Service> {
    try {
      return await new ServicesRepository(tx).save(values);
    } catch (err) {
      const e = pgError(err);
      if (e?.code === PG_UNIQUE_VIOLATION && e.constraint === 'services_org_name_key') {
        throw problems.conflict(`A service named "${values.name}" already exists in this organization; choose another name.`, 'name', 'service-name-taken');
      }
      throw err;
    }
  }
}

function checkListeners(input: unknown): ServiceListener[] {
  const parsed = parseListeners(input);
  if (!parsed.ok) throw problems.validation(parsed.errors);
  return parsed.listeners.map((l) => ({ protocol: l.protocol, ports: l.ports }));
}

function parsed(listeners: ServiceListener[]): Listener[] {
  const r = parseListeners(listeners);
  return r.ok ? r.listeners : [];
}

function checkGuePort(input: { encapsulation: ServiceDto['encapsulation']; requested: number | undefined; current?: number | null; listeners: ServiceListener[] }): number | null {
  const r = resolveGuePort({ ...input, listeners: parsed(input.listeners) });
  if (!r.ok) throw problems.validation(r.errors);
  return r.guePort;
}

function checkHealthCheck(input: CreateServiceDto['health_check'], listeners: ServiceListener[], base?: ServiceHealthCheck): ServiceHealthCheck {
  const resolved = resolveHealthCheck(input, parsed(listeners), base);
  if (!resolved.ok) throw problems.validation(resolved.errors);
  return resolved.healthCheck;
}
