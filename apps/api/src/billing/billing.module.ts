import { Module } from '@nestjs/common';
import { FleetModule } from '../fleet/fleet.module';
import { AdminBillingController } from './admin-billing.controller';
import { BillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { PriceBookController } from './price-book.controller';
import { PriceBookService } from './price-book.service';
import { StripeGateway } from './stripe-gateway';
import { StripeWebhookController } from './stripe-webhook.controller';
import { StripeWebhookService } from './stripe-webhook.service';

/** Billing: the price book (operators); plan, usage, invoices, checkout and portal (tenants). libs/billing does the rating. */
@Module({
  imports: [FleetModule],
  controllers: [PriceBookController, BillingController, StripeWebhookController, AdminBillingController],
  providers: [PriceBookService, BillingService, StripeGateway, StripeWebhookService],
  exports: [PriceBookService, BillingService, StripeGateway],
})
export class BillingModule {}
