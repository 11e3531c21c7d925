import { Controller, Headers, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/decorators';
import { ApiProblems, ApiPublic, ApiSummary } from '../common/openapi';
import { StripeWebhookService } from './stripe-webhook.service';

export class WebhookReceiptDto {
  @ApiProperty({ example: 'evt_1Q...' }) id!: string;
  @ApiProperty({ example: 'invoice.payment_failed' }) type!: string;
  @ApiProperty({ description: 'false when this event id was received before: it is applied once' }) first_delivery!: boolean;
}

/** Stripe calls this; it authenticates with the Stripe-Signature header, not a credential. */
@ApiTags('billing')
@Controller('v1/billing/webhooks')
export class StripeWebhookController {
  constructor(private readonly webhooks: StripeWebhookService) {}

  @Post('stripe')
  @Public()
  @ApiPublic()
  @HttpCode(200)
  @ApiSummary(
    'Receive a Stripe webhook event',
    'For Stripe only. The Stripe-Signature header is verified against the raw body with STRIPE_WEBHOOK_SECRET (forged or older than 5 minutes: 400, nothing stored). ' +
      'Each event is stored by id and applied once by the worker, in any order of arrival: invoices are mirrored, a failed payment makes the organization past due, ' +
      'a paid invoice restores it. 409 when webhooks are not configured.',
  )
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: "Stripe's signature of the raw body (t=...,v1=...)" })
  @ApiProblems(400, 409)
  @ApiOkResponse({ type: WebhookReceiptDto })
  receive(@Req() req: RawBodyRequest<Request>, @Headers('stripe-signature') signature?: string): Promise<WebhookReceiptDto> {
    return this.webhooks.receive(req.rawBody, signature);
  }
}
