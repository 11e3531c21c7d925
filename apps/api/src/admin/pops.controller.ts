import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pop } from '@anyfront/db';
import { DataSource, EntityManager } from 'typeorm';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { FleetChanges } from '../fleet/fleet-changes';
import { pgError, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION } from '../common/db-errors';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto, paginate } from '../common/pagination';
import { problems } from '../common/problem';
import { CreatePopDto, PopDto, UpdatePopDto } from './admin.dto';

export function popToDto(p: Pop): PopDto {
  return { id: p.id, code: p.code, name: p.name, region: p.region, created_at: p.createdAt.toISOString(), updated_at: p.updatedAt.toISOString() };
}

@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/pops')
export class PopsController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly fleet: FleetChanges,
  ) {}

  @Post()
  @ApiSummary('Create a PoP')
  @ApiProblems(400, 409)
  @ApiCreatedResponse({ type: PopDto })
  create(@Body() dto: CreatePopDto, @CurrentPrincipal() p: Principal): Promise<PopDto> {
    return this.ds.transaction(async (tx) => {
      const pop = await save(tx, tx.create(Pop, { code: dto.code, name: dto.name, region: dto.region }));
      await this.audit.record(p, 'pop.create', { type: 'pop', id: pop.id, organizationId: null }, { ...dto }, tx);
      return popToDto(pop);
    });
  }

  @Get()
  @ApiSummary('List PoPs')
  @ApiProblems(400)
  @ApiPageResponse(PopDto)
  list(@Query() page: PageQueryDto): Promise<Page<PopDto>> {
    return paginate(this.ds.getRepository(Pop).createQueryBuilder('pop'), page, popToDto);
  }

  @Get(':id')
  @ApiSummary('Get a PoP')
  @ApiProblems(404)
  @ApiOkResponse({ type: PopDto })
  async get(@IdParam('id', 'PoP') id: string): Promise<PopDto> {
    const pop = await this.ds.getRepository(Pop).findOneBy({ id });
    if (!pop) throw problems.notFound('PoP', id);
    return popToDto(pop);
  }

  @Patch(':id')
  @ApiSummary('Change a PoP')
  @ApiProblems(400, 404, 409)
  @ApiOkResponse({ type: PopDto })
  update(@IdParam('id', 'PoP') id: string, @Body() dto: UpdatePopDto, @CurrentPrincipal() p: Principal): Promise<PopDto> {
    return this.ds.transaction(async (tx) => {
      const pop = await tx.findOne(Pop, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!pop) throw problems.notFound('PoP', id);
      Object.assign(pop, { code: dto.code ?? pop.code, name: dto.name ?? pop.name, region: dto.region ?? pop.region });
      const saved = await save(tx, pop);
      await this.audit.record(p, 'pop.update', { type: 'pop', id, organizationId: null }, { ...dto }, tx);
      await this.fleet.record(tx, { popIds: [id] });
      return popToDto(saved);
    });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiSummary('Delete a PoP')
  @ApiProblems(404, 409)
  @ApiNoContentResponse({ description: 'Deleted. Refused (409) while pools or edge nodes use the PoP.' })
  async remove(@IdParam('id', 'PoP') id: string, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      const pop = await tx.findOne(Pop, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!pop) throw problems.notFound('PoP', id);
      const [{ pools, nodes }] = await tx.query(
        `SELECT (SELECT count(*) FROM pool_pops WHERE pop_id = $1)::int AS pools, (SELECT count(*) FROM edge_nodes WHERE pop_id = $1)::int AS nodes`,
        [id],
      );
      if (pools || nodes) {
        throw problems.conflict(`PoP ${pop.code} is still used by ${pools} pool(s) and ${nodes} edge node(s); remove it from those pools and delete its edge nodes first.`, undefined, 'pop-in-use');
      }
      try {
        await tx.delete(Pop, { id });
      } catch (err) {
        if (pgError(err)?.code === PG_FOREIGN_KEY_VIOLATION) throw problems.conflict(`PoP ${pop.code} is still in use.`, undefined, 'pop-in-use');
        throw err;
      }
      await this.audit.record(p, 'pop.delete', { type: 'pop', id, organizationId: null }, { code: pop.code }, tx);
    });
  }
}

async function save(tx: EntityManager, pop: Pop): Promise<Pop> {
  try {
    return await tx.save(pop);
  } catch (err) {
    if (pgError(err)?.code === PG_UNIQUE_VIOLATION) throw problems.conflict(`A PoP with code "${pop.code}" already exists.`, 'code', 'pop-code-taken');
    throw err;
  }
}
