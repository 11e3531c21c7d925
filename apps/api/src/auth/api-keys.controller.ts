import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiKeysRepository, type ApiKey } from '@anyfront/db';
import { DataSource } from 'typeorm';
import { AuditService } from '../common/audit.service';
import { IdempotencyRedact } from '../common/idempotency.interceptor';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto, pageRequest, toPage } from '../common/pagination';
import { problems } from '../common/problem';
import { QuotasService } from '../quotas/quotas.service';
import { createApiKey } from './accounts';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './auth.dto';
import { CurrentPrincipal, OrganizationId, Roles } from './decorators';
import type { Principal } from './principal';

function toDto(k: ApiKey): ApiKeyDto {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    role: k.role,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
    created_by: k.createdBy,
  };
}

@ApiTags('api-keys')
@ApiTenantAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly quotas: QuotasService,
  ) {}

  @Post()
  @Roles('owner', 'operator')
  @ApiSummary('Create an API key', 'Owners only. The secret is in this response only.')
  @ApiProblems(400)
  // The secret is never stored in clear, not even for Idempotency-Key replays.
  @IdempotencyRedact('secret')
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The secret is in this response only (an Idempotency-Key replay returns the same key with secret null).' })
  async create(@Body() dto: CreateApiKeyDto, @OrganizationId() organizationId: string, @CurrentPrincipal() p: Principal): Promise<CreatedApiKeyDto> {
    return this.ds.transaction(async (tx) => {
      await this.quotas.reserve(tx, organizationId, 'api_keys');
      const { key, secret } = await createApiKey(tx, { organizationId, name: dto.name, role: dto.role, createdBy: p.userId });
      await this.audit.record(p, 'api_key.create', { type: 'api_key', id: key.id }, { name: key.name, role: key.role }, tx);
      return { ...toDto(key), secret };
    });
  }

  @Get()
  @ApiSummary("List the organization's API keys (never their secrets)")
  @ApiProblems(400)
  @ApiPageResponse(ApiKeyDto)
  async list(@Query() page: PageQueryDto, @OrganizationId() organizationId: string): Promise<Page<ApiKeyDto>> {
    return toPage(await new ApiKeysRepository(this.ds.manager).page(organizationId, pageRequest(page)), toDto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('owner', 'operator')
  @ApiSummary('Revoke an API key', 'Owners only.')
  @ApiProblems(404)
  @ApiNoContentResponse({ description: 'Revoked (also when it already was).' })
  async revoke(@IdParam('id', 'API key') id: string, @OrganizationId() organizationId: string, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      const keys = new ApiKeysRepository(tx);
      const key = await keys.lock(organizationId, id);
      if (!key) throw problems.notFound('API key', id);
      if (key.revokedAt) return;
      await keys.revoke(id);
      await this.audit.record(p, 'api_key.revoke', { type: 'api_key', id }, { name: key.name }, tx);
    });
  }
}
