import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, OrganizationId, Roles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { BillingInvoicesDto, BillingOverviewDto, BillingUsageDto, CheckoutSessionRequestDto, SessionUrlDto } from './billing.dto';
import { BillingService } from './billing.service';

/** The organization's billing: every member reads, owners start checkout and portal sessions. */
@ApiTags('billing')
@ApiTenantAuth()
@Controller('v1/billing')
export class BillingController {
  constructor(private readonly billing: BillingService) {}

  @Get()
  @ApiSummary('Get the plan, standing and invoice preview', 'The invoice preview rates the current month up to now with the price book: address time from the holding history (prorated to the second), traffic from the hourly roll-ups.')
  @ApiOkResponse({ type: BillingOverviewDto })
  overview(@OrganizationId() org: string): Promise<BillingOverviewDto> {
    return this.billing.overview(org);
  }

  @Get('usage')
  @ApiSummary('Get address-hours and GB per service over time')
  @ApiProblems(400)
  @ApiOkResponse({ type: BillingUsageDto })
  @ApiQuery({ name: 'from', type: String, format: 'date-time', required: false, description: 'ISO 8601, rounded down to the hour; default: the start of the month' })
  @ApiQuery({ name: 'to', type: String, format: 'date-time', required: false, description: 'ISO 8601, rounded up to the hour; default: the end of the current hour' })
  @ApiQuery({ name: 'step', type: String, example: '1d', required: false, description: 'whole hours: 1h, 6h, 1d, or seconds; default 1d' })
  usage(@OrganizationId() org: string, @Query() q: Record<string, unknown>): Promise<BillingUsageDto> {
    return this.billing.usage(org, q);
  }

  @Get('invoices')
  @ApiSummary('List invoices', 'Local-ledger mode: the monthly statements computed here. Stripe mode: the invoices mirrored from Stripe webhooks.')
  @ApiOkResponse({ type: BillingInvoicesDto })
  invoices(@OrganizationId() org: string): Promise<BillingInvoicesDto> {
    return this.billing.invoices(org);
  }

  @Post('checkout-session')
  @HttpCode(200)
  @Roles('owner')
  @ApiSummary('Start a Stripe Checkout to add a card and subscribe', 'Owners only. 409 in local-ledger mode (no Stripe configured) or when the organization is already on the plan.')
  @ApiProblems(400, 409)
  @ApiOkResponse({ type: SessionUrlDto })
  async checkout(@OrganizationId() org: string, @Body() dto: CheckoutSessionRequestDto, @CurrentPrincipal() p: Principal): Promise<SessionUrlDto> {
    return { url: await this.billing.checkoutSession(org, dto.plan ?? 'standard', p) };
  }

  @Post('portal-session')
  @HttpCode(200)
  @Roles('owner')
  @ApiSummary('Open the Stripe customer portal (cards, invoices, cancel)', 'Owners only. 409 in local-ledger mode.')
  @ApiProblems(409)
  @ApiOkResponse({ type: SessionUrlDto })
  async portal(@OrganizationId() org: string, @CurrentPrincipal() p: Principal): Promise<SessionUrlDto> {
    return { url: await this.billing.portalSession(org, p) };
  }
}
