import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditLogRepository } from '@anyfront/db';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';

/**
 * Records operator and tenant writes. Pass the transaction's EntityManager so the entry commits
 * (or rolls back) with the change it describes.
 */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async record(
    principal: Principal | null,
    action: string,
    target: { type: string; id?: string | null; organizationId?: string | null },
    details: Record<string, unknown> = {},
    manager: EntityManager = this.ds.manager,
  ): Promise<void> {
    await new AuditLogRepository(manager).insert({
      actorUserId: principal?.userId ?? null,
      actorCredential: principal?.credential ?? 'system',
      credentialId: principal?.credentialId ?? null,
      organizationId: target.organizationId !== undefined ? target.organizationId : (principal?.organizationId ?? null),
      action,
      targetType: target.type,
      targetId: target.id ?? null,
      details,
    });
  }
}
