import { Module } from '@nestjs/common';
import { BillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { PriceBookController } from './price-book.controller';
import { PriceBookService } from './price-book.service';
import { StripeGateway } from './stripe-gateway';

/** Billing: the price book (operators); plan, usage, invoices, checkout and portal (tenants). libs/billing does the rating. */
@Module({
  controllers: [PriceBookController, BillingController],
  providers: [PriceBookService, BillingService, StripeGateway],
  exports: [PriceBookService, BillingService, StripeGateway],
})
export class BillingModule {}
