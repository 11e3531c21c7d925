import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IdParam } from '../common/id-param';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { OrganizationHoldRequestDto, OrganizationStandingDto } from './billing.dto';
import { BillingService } from './billing.service';

/** Operators: an organization's billing standing, and suspending or restoring it by hand. */
@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/organizations')
export class AdminBillingController {
  constructor(private readonly billing: BillingService) {}

  @Get(':id/billing')
  @ApiSummary("An organization's billing standing")
  @ApiProblems(404)
  @ApiOkResponse({ type: OrganizationStandingDto })
  async get(@IdParam('id', 'organization') id: string): Promise<OrganizationStandingDto> {
    await this.billing.requireOrganization(id);
    return this.billing.standing(id);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @ApiSummary(
    'Suspend an organization',
    "Its services are withdrawn from every edge node at once (their deploy status says why), its addresses stay reserved, and new services and backends are refused with 402. Stays suspended until an operator unsuspends it, whatever its invoices say. Audit-logged with the reason.",
  )
  @ApiProblems(400, 404)
  @ApiOkResponse({ type: OrganizationStandingDto })
  suspend(@IdParam('id', 'organization') id: string, @Body() dto: OrganizationHoldRequestDto, @CurrentPrincipal() p: Principal): Promise<OrganizationStandingDto> {
    return this.billing.operatorHold(id, 'suspend', dto.reason, p);
  }

  @Post(':id/unsuspend')
  @HttpCode(200)
  @ApiSummary(
    "Lift an operator's suspension",
    'The services are put back on the edge nodes, unless an invoice is still unpaid past its grace period (then the organization stays suspended until it is paid). Audit-logged with the reason.',
  )
  @ApiProblems(400, 404)
  @ApiOkResponse({ type: OrganizationStandingDto })
  unsuspend(@IdParam('id', 'organization') id: string, @Body() dto: OrganizationHoldRequestDto, @CurrentPrincipal() p: Principal): Promise<OrganizationStandingDto> {
    return this.billing.operatorHold(id, 'unsuspend', dto.reason, p);
  }
}
