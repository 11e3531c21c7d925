import { ApiKey } from './api-key.entity';
import { AuditLog } from './audit-log.entity';
import { EdgeNode } from './edge-node.entity';
import { Membership } from './membership.entity';
import { Organization } from './organization.entity';
import { Pool } from './pool.entity';
import { Pop } from './pop.entity';
import { Session } from './session.entity';
import { User } from './user.entity';
import { Service } from './service.entity';
import { Backend } from './backend.entity';

export * from './api-key.entity';
export * from './audit-log.entity';
export * from './edge-node.entity';
export * from './membership.entity';
export * from './organization.entity';
export * from './pool.entity';
export * from './pop.entity';
export * from './session.entity';
export * from './user.entity';
export * from './service.entity';
export * from './backend.entity';

/**
 * Every entity the DataSource knows; schema-drift.int-spec.ts checks each column against the migrated
 * database. Tables without an entity are reached through the repositories' SQL. Explicit (no globs) so tests, the CLI and the build load
 * the same set. Append new entities here (and export them above).
 */
export const ENTITIES: Array<new () => object> = [
  Organization,
  User,
  Membership,
  Session,
  ApiKey,
  Pop,
  Pool,
  EdgeNode,
  AuditLog,
  Service,
  Backend,
];
