import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Backend } from '@anyfront/db';
import { maglevTableSize } from '@anyfront/maglev';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { PG_UNIQUE_VIOLATION, pgError } from '../common/db-errors';
import { type Page, PageQueryDto, paginate } from '../common/pagination';
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
      });
      await this.audit.record(p, 'backend.create', { type: 'backend', id: saved.id }, { service_id: serviceId, address }, tx);
      await this.raiseMaglevTableSize(tx, serviceId);
      await this.fleet.record(tx, { serviceIds: [serviceId] });
      return saved;
    });
    return toDto(backend);
  }

  async list(orgId: string, serviceId: string, page: PageQueryDto): Promise<Page<BackendDto>> {
    await this.services.find(this.ds.manager, orgId, serviceId);
    const qb = this.ds.getRepository(Backend).createQueryBuilder('backend').where('backend.service_id = :serviceId', { serviceId });
    return paginate(qb, page, toDto);
  }

  async get(orgId: string, serviceId: string, id: string): Promise<BackendDto> {
    await this.services.find(this.ds.manager, orgId, serviceId);
    return toDto(await this.find(this.ds.manager, serviceId, id));
  }

  async update(orgId: string, serviceId: string, id: string, dto: UpdateBackendDto, p: Principal): Promise<BackendDto> {
    const backend = await this.ds.transaction(async (tx) => {
      const service = await this.services.findForChange(tx, orgId, serviceId);
      const backend = await this.find(tx, serviceId, id);
      if (dto.address !== undefined) Object.assign(backend, await this.policy.check(dto.address, service.encapsulation, tx));
      if (dto.weight !== undefined) backend.weight = dto.weight;
      if (dto.region !== undefined) backend.region = dto.region;
      if (dto.enabled !== undefined) backend.enabled = dto.enabled;
      const saved = await this.save(tx, backend);
      await this.audit.record(p, 'backend.update', { type: 'backend', id }, { service_id: serviceId, ...dto }, tx);
      await this.fleet.record(tx, { serviceIds: [serviceId] });
      return saved;
    });
    return toDto(backend);
  }

  async remove(orgId: string, serviceId: string, id: string, p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      await this.services.findForChange(tx, orgId, serviceId);
      const backend = await this.find(tx, serviceId, id);
      await tx.delete(Backend, { id });
      await this.audit.record(p, 'backend.delete', { type: 'backend', id }, { service_id: serviceId, address: backend.address }, tx);
      await this.fleet.record(tx, { serviceIds: [serviceId] });
    });
  }

  /** Keeps the service's Maglev table size at its high-water mark (see the services entity). */
  private async raiseMaglevTableSize(tx: EntityManager, serviceId: string): Promise<void> {
    const [{ count }] = await tx.query('SELECT count(*)::int AS count FROM backends WHERE service_id = $1', [serviceId]);
    await tx.query('UPDATE services SET maglev_table_size = GREATEST(maglev_table_size, $2) WHERE id = $1', [serviceId, maglevTableSize(count)]);
  }

  private async find(m: EntityManager, serviceId: string, id: string): Promise<Backend> {
    const backend = await m.findOne(Backend, { where: { id, serviceId } });
    if (!backend) throw problems.notFound('backend', id);
    return backend;
  }

  private async save(tx: EntityManager, values: Partial<Backend>): Promise<Backend> {
    try {
      return await tx.save(Backend, tx.create(Backend, values));
    } catch (err) {
      const e = pgError(err);
      if (e?.code === PG_UNIQUE_VIOLATION) {
        throw problems.conflict(`The service already has a backend with address ${values.address}; change that one instead.`, 'address', 'backend-exists');
      }
      throw err;
    }
  }
}

function toDto(b: Backend): BackendDto {
  return {
    id: b.id,
    service_id: b.serviceId,
    address: b.address,
    family: b.family,
    weight: b.weight,
    region: b.region,
    enabled: b.enabled,
    created_at: b.createdAt.toISOString(),
    updated_at: b.updatedAt.toISOString(),
  };
}
