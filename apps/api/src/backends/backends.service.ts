import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { type Backend, BackendsRepository } from '@anyfront/db';
import { newVerifyToken, summarizeVerification } from '@anyfront/domain';
import { maglevTableSize } from '@anyfront/maglev';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { PG_UNIQUE_VIOLATION, pgError } from '../common/db-errors';
import { type Page, PageQueryDto, pageRequest, toPage } from '../common/pagination';
import { HEALTH_STALE_AFTER_MS } from '../fleet/service-fleet.service';
import { problems } from '../common/problem';
import { FleetChanges } from '../fleet/fleet-changes';
import { refuseWhileSuspended } from '../billing/suspension';
import { QuotasService } from '../quotas/quotas.service';
import { ServicesService } from '../services/services.service';
import { BackendAddressPolicy } from './backend-address.policy';
import { BackendDto, CreateBackendDto, UpdateBackendDto } from './backends.dto';

@Injectable()
export class BackendsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly services: ServicesService,
    private readonly policy: BackendAddressPolicy,
    private readonly audit: AuditService,
    private readonly fleet: FleetChanges,
    private readonly quotas: QuotasService,
  ) {}

  async create(orgId: string, serviceId: string, dto: CreateBackendDto, p: Principal): Promise<BackendDto> {
    const backend = await this.ds.transaction(async (tx) => {
      // Locking the service serialises backend writes with encapsulation changes.
      const service = await this.services.findForChange(tx, orgId, serviceId);
      await refuseWhileSuspended(tx, orgId, 'backends');
      const { address, family } = await this.policy.check(dto.address, service.encapsulation, tx);
      await this.quotas.reserve(tx, orgId, 'backends_per_service', 1, serviceId);
      await this.quotas.reserve(tx, orgId, 'backends_per_organization');
      const saved = await this.save(tx, {
        serviceId,
        address,
        family,
        weight: dto.weight ?? 100,
        region: dto.region ?? null,
        enabled: dto.enabled ?? true,
        verifyToken: newVerifyToken(),
      });
      await this.audit.record(p, 'backend.create', { type: 'backend', id: saved.id }, { service_id: serviceId, address }, tx);
      await new BackendsRepository(tx).raiseMaglevTableSize(serviceId, maglevTableSize);
      await this.fleet.record(tx, { serviceIds: [serviceId] });
      return saved;
    });
    return this.dto(backend);
  }

  async list(orgId: string, serviceId: string, page: PageQueryDto): Promise<Page<BackendDto>> {
    await this.services.find(this.ds.manager, orgId, serviceId);
    const rows = await new BackendsRepository(this.ds.manager).page(serviceId, pageRequest(page));
    const dtos = new Map((await this.withVerification(this.ds.manager, rows.rows)).map((d) => [d.id, d]));
    return toPage(rows, (b) => dtos.get(b.id)!);
  }

  async get(orgId: string, serviceId: string, id: string): Promise<BackendDto> {
    await this.services.find(this.ds.manager, orgId, serviceId);
    return this.dto(await this.find(this.ds.manager, serviceId, id));
  }

  async update(orgId: string, serviceId: string, id: string, dto: UpdateBackendDto, p: Principal): Promise<BackendDto> {
    const backend = await this.ds.transaction(async (tx) => {
      const service = await this.services.findForChange(tx, orgId, serviceId);
      const backend = await this.find(tx, serviceId, id);
      if (dto.address !== undefined) {
        const before = backend.address;
        Object.assign(backend, await this.policy.check(dto.address, service.encapsulation, tx));
        // Another server: it has to prove itself (the token stays, the edges' verdicts of the old address go).
        if (backend.address !== before) await new BackendsRepository(tx).forgetVerification(id);
      }
      if (dto.weight !== undefined) backend.weight = dto.weight;
      if (dto.region !== undefined) backend.region = dto.region;
      if (dto.enabled !== undefined) backend.enabled = dto.enabled;
      const saved = await this.save(tx, backend);
      await this.audit.record(p, 'backend.update', { type: 'backend', id }, { service_id: serviceId, ...dto }, tx);
      await this.fleet.record(tx, { serviceIds: [serviceId] });
      return saved;
    });
    return this.dto(backend);
  }

  async remove(orgId: string, serviceId: string, id: string, p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      await this.services.findForChange(tx, orgId, serviceId);
      const backend = await this.find(tx, serviceId, id);
      await new BackendsRepository(tx).delete(id);
      await this.audit.record(p, 'backend.delete', { type: 'backend', id }, { service_id: serviceId, address: backend.address }, tx);
      await this.fleet.record(tx, { serviceIds: [serviceId] });
    });
  }

  private async dto(backend: Backend): Promise<BackendDto> {
    const [dto] = await this.withVerification(this.ds.manager, [backend]);
    if (!dto) throw new Error('a backend without its DTO');
    return dto;
  }

  /** The DTOs with each backend's verification over the edges' recent reports. */
  private async withVerification(m: EntityManager, backends: Backend[]): Promise<BackendDto[]> {
    const reports = await new BackendsRepository(m).verificationReports(backends.map((b) => b.id));
    const now = new Date();
    return backends.map((b) => toDto(b, summarizeVerification(
      reports.filter((r) => r.backend_id === b.id).map((r) => ({ backendId: r.backend_id, state: r.verification, reason: r.verification_reason, checkedAt: r.verification_checked_at, reportedAt: r.reported_at })),
      now,
      HEALTH_STALE_AFTER_MS,
    )));
  }

  private async find(m: EntityManager, serviceId: string, id: string): Promise<Backend> {
    const backend = await new BackendsRepository(m).find(serviceId, id);
    if (!backend) throw problems.notFound('backend', id);
    return backend;
  }

  private async save(tx: EntityManager, values: Partial<Backend>): Promise<Backend> {
    try {
      return await new BackendsRepository(tx).save(values);
    } catch (err) {
      const e = pgError(err);
      if (e?.code === PG_UNIQUE_VIOLATION) {
        throw problems.conflict(`The service already has a backend with address ${values.address}; change that one instead.`, 'address', 'backend-exists');
      }
      throw err;
    }
  }
}

function toDto(b: Backend, v: Pick<BackendDto, 'verification' | 'verification_reason' | 'verification_checked_at'>): BackendDto {
  return {
    id: b.id,
    service_id: b.serviceId,
    address: b.address,
    family: b.family,
    weight: b.weight,
    region: b.region,
    enabled: b.enabled,
    verification: v.verification,
    verification_reason: v.verification_reason,
    verification_checked_at: v.verification_checked_at,
    verification_token: b.verifyToken,
    created_at: b.createdAt.toISOString(),
    updated_at: b.updatedAt.toISOString(),
  };
}
