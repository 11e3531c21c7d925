import type { EntityManager } from 'typeorm';
import { AuditLog } from '../entities/audit-log.entity';
import { keysetPage, type PageRequest, type PageRows } from '../pagination';

export type AuditEntry = Pick<AuditLog, 'actorUserId' | 'actorCredential' | 'credentialId' | 'organizationId' | 'action' | 'targetType' | 'targetId'> & { details: Record<string, unknown> };

/** Exact-match filters of the audit log; since is inclusive, until exclusive (ISO instants). */
export interface AuditLogFilter {
  organizationId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  actorUserId?: string;
  since?: string;
  until?: string;
}

/** The append-only audit log. Pass the transaction's EntityManager so an entry commits with its change. */
export class AuditLogRepository {
  constructor(private readonly db: EntityManager) {}

  async insert(entry: AuditEntry): Promise<void> {
    await this.db.insert(AuditLog, { ...entry, details: entry.details as never }); // jsonb; TypeORM's deep-partial type does not fit Record<string, unknown>
  }

  page(f: AuditLogFilter, req: PageRequest): Promise<PageRows<AuditLog>> {
    const qb = this.db.getRepository(AuditLog).createQueryBuilder('e');
    if (f.organizationId) qb.andWhere('e.organization_id = :org', { org: f.organizationId });
    if (f.action) qb.andWhere('e.action = :action', { action: f.action });
    if (f.targetType) qb.andWhere('e.target_type = :tt', { tt: f.targetType });
    if (f.targetId) qb.andWhere('e.target_id = :tid', { tid: f.targetId });
    if (f.actorUserId) qb.andWhere('e.actor_user_id = :actor', { actor: f.actorUserId });
    if (f.since) qb.andWhere('e.created_at >= :since', { since: f.since });
    if (f.until) qb.andWhere('e.created_at < :until', { until: f.until });
    return keysetPage(qb, req);
  }
}
