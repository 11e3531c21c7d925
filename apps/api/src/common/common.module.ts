import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** Cross-cutting providers every feature module may inject. */
@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class CommonModule {}
