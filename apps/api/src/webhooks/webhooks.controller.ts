import { Body, Controller, Delete, Get, HttpCode, Injectable, Module, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { lookup } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import { type WebhookEndpointRow, WebhooksRepository } from '@anyfront/db';
import { LOCAL_MODE, webhookAddressRefusal, webhookUrlRefusal } from '@anyfront/domain';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, OrganizationId, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AuditService } from '../common/audit.service';
import { IdempotencyRedact } from '../common/idempotency.interceptor';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto, pageRequest, toPage } from '../common/pagination';
import { problems } from '../common/problem';
import { AppConfig } from '../config';
import { CreatedWebhookDto, CreateWebhookDto, WEBHOOK_EVENT_TYPES, WebhookDto } from './webhooks.dto';

/** Endpoints per organization: each event is one delivery per endpoint. */
export const MAX_WEBHOOKS_PER_ORGANIZATION = 10;

function toDto(e: WebhookEndpointRow): WebhookDto {
  return { id: e.id, url: e.url, description: e.description, events: [...WEBHOOK_EVENT_TYPES], created_at: e.createdAt.toISOString() };
}

@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  /** 422 unless deliveries may go to `url`: its form, then every address its host resolves to (the SSRF rules of backend addresses). */
  async checkUrl(url: string): Promise<void> {
    const policy = { localMode: this.config.mode === LOCAL_MODE };
    const refusal = webhookUrlRefusal(url, policy);
    if (refusal) throw problems.field(422, 'url', refusal, 'webhook-url-refused');
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw problems.field(422, 'url', `host "${host}" does not resolve`, 'webhook-url-refused');
    }
    for (const a of addresses) {
      const r = webhookAddressRefusal(a, policy);
      if (r) throw problems.field(422, 'url', `host "${host}" resolves to ${r}`, 'webhook-url-refused');
    }
  }

  async create(organizationId: string, dto: CreateWebhookDto, p: Principal): Promise<CreatedWebhookDto> {
    await this.checkUrl(dto.url);
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    return this.ds.transaction(async (tx) => {
      const repo = new WebhooksRepository(tx);
      await repo.lockOrganizationEndpoints(organizationId);
      if ((await repo.countEndpoints(organizationId)) >= MAX_WEBHOOKS_PER_ORGANIZATION) {
        throw problems.conflict(`An organization has at most ${MAX_WEBHOOKS_PER_ORGANIZATION} webhook endpoints; delete one first.`, undefined, 'quota-exceeded');
      }
      const e = await repo.insertEndpoint({ organizationId, url: dto.url, description: dto.description || null, secret, createdBy: p.userId ?? null });
      await this.audit.record(p, 'webhook.create', { type: 'webhook', id: e.id }, { url: e.url }, tx);
      return { ...toDto(e), secret };
    });
  }

  async list(organizationId: string, page: PageQueryDto): Promise<Page<WebhookDto>> {
    return toPage(await new WebhooksRepository(this.ds).page(organizationId, pageRequest(page)), toDto);
  }

  async remove(organizationId: string, id: string, p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      if (!(await new WebhooksRepository(tx).deleteEndpoint(organizationId, id))) throw problems.notFound('webhook', id);
      await this.audit.record(p, 'webhook.delete', { type: 'webhook', id }, {}, tx);
    });
  }
}

@ApiTags('webhooks')
@ApiTenantAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Roles('owner', 'operator')
  @ApiSummary('Register a webhook endpoint', 'Owners only. Events (relocation notices) are POSTed as JSON, signed with the secret in this response only; failed deliveries are retried with backoff.')
  @ApiProblems(400, 409, 422)
  @IdempotencyRedact('secret')
  @ApiCreatedResponse({ type: CreatedWebhookDto, description: 'The secret is in this response only.' })
  create(@Body() dto: CreateWebhookDto, @OrganizationId() organizationId: string, @CurrentPrincipal() p: Principal): Promise<CreatedWebhookDto> {
    return this.webhooks.create(organizationId, dto, p);
  }

  @Get()
  @ApiSummary("List the organization's webhook endpoints (never their secrets)")
  @ApiProblems(400)
  @ApiPageResponse(WebhookDto)
  list(@Query() page: PageQueryDto, @OrganizationId() organizationId: string): Promise<Page<WebhookDto>> {
    return this.webhooks.list(organizationId, page);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('owner', 'operator')
  @ApiSummary('Delete a webhook endpoint', 'Owners only. Its pending deliveries are dropped.')
  @ApiProblems(404)
  @ApiNoContentResponse({ description: 'Deleted.' })
  async remove(@IdParam('id', 'webhook') id: string, @OrganizationId() organizationId: string, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.webhooks.remove(organizationId, id, p);
  }
}

@Module({ controllers: [WebhooksController], providers: [WebhooksService] })
export class WebhooksModule {}
