import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, OrganizationId, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { OrganizationQuotasDto, UpdateQuotasDto } from './quotas.dto';
import { QuotasService } from './quotas.service';

@ApiTags('quotas')
@ApiTenantAuth()
@Controller('v1/quotas')
export class QuotasController {
  constructor(private readonly quotas: QuotasService) {}

  @Get()
  @ApiSummary("The organization's quotas and what it uses of each")
  @ApiOkResponse({ type: OrganizationQuotasDto })
  async get(@OrganizationId() organizationId: string): Promise<OrganizationQuotasDto> {
    return { organization_id: organizationId, quotas: await this.quotas.view(organizationId) };
  }
}

@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/organizations')
export class AdminQuotasController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly quotas: QuotasService,
    private readonly audit: AuditService,
  ) {}

  @Get(':id/quotas')
  @ApiSummary("An organization's quotas and use")
  @ApiProblems(404)
  @ApiOkResponse({ type: OrganizationQuotasDto })
  async get(@IdParam('id', 'organization') id: string): Promise<OrganizationQuotasDto> {
    return { organization_id: id, quotas: await this.quotas.view(id) };
  }

  @Patch(':id/quotas')
  @ApiSummary("Override an organization's quotas", 'A number sets the limit for this organization; null returns it to the default. Lowering a limit below the current use removes nothing; it only stops new additions.')
  @ApiProblems(400, 404)
  @ApiOkResponse({ type: OrganizationQuotasDto })
  async update(@IdParam('id', 'organization') id: string, @Body() dto: UpdateQuotasDto, @CurrentPrincipal() p: Principal): Promise<OrganizationQuotasDto> {
    await this.ds.transaction(async (tx) => {
      await this.quotas.setOverrides(tx, id, dto);
      await this.audit.record(p, 'organization.quotas.update', { type: 'organization', id, organizationId: id }, { ...dto }, tx);
    });
    return { organization_id: id, quotas: await this.quotas.view(id) };
  }
}
