import { Global, Module } from '@nestjs/common';
import { AdminQuotasController, QuotasController } from './quotas.controller';
import { QuotasService } from './quotas.service';

/** Per-organization quotas; QuotasService is global so every create path can reserve. */
@Global()
@Module({
  controllers: [QuotasController, AdminQuotasController],
  providers: [QuotasService],
  exports: [QuotasService],
})
export class QuotasModule {}
