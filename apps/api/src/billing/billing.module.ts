import { Module } from '@nestjs/common';
import { PriceBookController } from './price-book.controller';
import { PriceBookService } from './price-book.service';

/** Billing: the price book (operators) and, for tenants, plan, usage and invoices (libs/billing does the rating). */
@Module({
  controllers: [PriceBookController],
  providers: [PriceBookService],
  exports: [PriceBookService],
})
export class BillingModule {}
