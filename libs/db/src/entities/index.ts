import { ApiKey } from './api-key.entity';
import { AuditLog } from './audit-log.entity';
import { EdgeNode } from './edge-node.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { Membership } from './membership.entity';
import { Organization } from './organization.entity';
import { Pool } from './pool.entity';
import { Pop } from './pop.entity';
import { Session } from './session.entity';
import { User } from './user.entity';
import { Service } from './service.entity';
import { Backend } from './backend.entity';
import { AnycastAddress } from './anycast-address.entity';
import { EdgeNodeBackendHealth, EdgeNodeBootstrapToken, EdgeNodeCredential, EdgeNodeFleetState, EdgeNodeServiceGeneration, FleetSettings, PopFleetState } from './fleet-sync.entity';
import { OrganizationUsageHourly, TrafficDirtyHour, TrafficHourly, TrafficReport, TrafficSample } from './traffic.entity';

export * from './api-key.entity';
export * from './audit-log.entity';
export * from './edge-node.entity';
export * from './idempotency-key.entity';
export * from './membership.entity';
export * from './organization.entity';
export * from './pool.entity';
export * from './pop.entity';
export * from './session.entity';
export * from './user.entity';
export * from './service.entity';
export * from './backend.entity';
export * from './anycast-address.entity';
export * from './fleet-sync.entity';
export * from './traffic.entity';

/**
 * Every entity the DataSource knows. Explicit (no globs) so tests, the CLI and the build load
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
  IdempotencyKey,
  Service,
  Backend,
  AnycastAddress,
  FleetSettings,
  EdgeNodeBootstrapToken,
  EdgeNodeCredential,
  EdgeNodeFleetState,
  PopFleetState,
  EdgeNodeServiceGeneration,
  EdgeNodeBackendHealth,
  TrafficReport,
  TrafficSample,
  TrafficDirtyHour,
  TrafficHourly,
  OrganizationUsageHourly,
];
