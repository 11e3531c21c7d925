import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Pop, PopsRepository } from '@anyfront/db';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { pgError, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION } from '../common/db-errors';
import { type Page, type PageQueryDto, pageRequest, toPage } from '../common/pagination';
import { problems } from '../common/problem';
import { FleetChanges } from '../fleet/fleet-changes';
import type { CreatePopDto, PopDto, UpdatePopDto } from './admin.dto';

export function popToDto(p: Pop): PopDto {
  return { id: p.id, code: p.code, name: p.name, region: p.region, created_at: p.createdAt.toISOString(), updated_at: p.updatedAt.toISOString() };
}

/** Operator PoPs: audit-logged writes; a PoP change re-syncs its edge nodes. */
@Injectable()
export class PopsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly fleet: FleetChanges,
  ) {}

  create(dto: CreatePopDto, p: Principal): Promise<PopDto> {
    return this.ds.transaction(async (tx) => {
      const pop = await unique(dto.code, () => new PopsRepository(tx).create({ code: dto.code, name: dto.name, region: dto.region }));
      await this.audit.record(p, 'pop.create', { type: 'pop', id: pop.id, organizationId: null }, { ...dto }, tx);
      return popToDto(pop);
    });
  }

  async list(page: PageQueryDto): Promise<Page<PopDto>> {
    return toPage(await new PopsRepository(this.ds.manager).page(pageRequest(page)), popToDto);
  }

  async get(id: string): Promise<PopDto> {
    const pop = await new PopsRepository(this.ds.manager).find(id);
    if (!pop) throw problems.notFound('PoP', id);
    return popToDto(pop);
  }

  update(id: string, dto: UpdatePopDto, p: Principal): Promise<PopDto> {
    return this.ds.transaction(async (tx) => {
      const pops = new PopsRepository(tx);
      const pop = await pops.lock(id);
      if (!pop) throw problems.notFound('PoP', id);
      Object.assign(pop, { code: dto.code ?? pop.code, name: dto.name ?? pop.name, region: dto.region ?? pop.region });
      const saved = await unique(pop.code, () => pops.save(pop));
      await this.audit.record(p, 'pop.update', { type: 'pop', id, organizationId: null }, { ...dto }, tx);
      await this.fleet.record(tx, { popIds: [id] });
      return popToDto(saved);
    });
  }

  async remove(id: string, p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      const pops = new PopsRepository(tx);
      const pop = await pops.lock(id);
      if (!pop) throw problems.notFound('PoP', id);
      const { pools, nodes } = await pops.usage(id);
      if (pools || nodes) {
        throw problems.conflict(`PoP ${pop.code} is still used by ${pools} pool(s) and ${nodes} edge node(s); remove it from those pools and delete its edge nodes first.`, undefined, 'pop-in-use');
      }
      try {
        await pops.delete(id);
      } catch (err) {
        if (pgError(err)?.code === PG_FOREIGN_KEY_VIOLATION) throw problems.conflict(`PoP ${pop.code} is still in use.`, undefined, 'pop-in-use');
        throw err;
      }
      await this.audit.record(p, 'pop.delete', { type: 'pop', id, organizationId: null }, { code: pop.code }, tx);
    });
  }
}

async function unique(code: string, write: () => Promise<Pop>): Promise<Pop> {
  try {
    return await write();
  } catch (err) {
    if (pgError(err)?.code === PG_UNIQUE_VIOLATION) throw problems.conflict(`A PoP with code "${code}" already exists.`, 'code', 'pop-code-taken');
    throw err;
  }
}
