import type { ServiceStatus } from '@anyfront/contracts';
import type { EntityManager } from 'typeorm';
import { Service } from '../entities/service.entity';
import type { SqlRunner } from '../fleet/sql';
import { keysetPage, type PageRequest, type PageRows } from '../pagination';

/** The status of the organization's live (not deleted) service, or null (none, or another organization's). */
export async function liveServiceStatus(db: SqlRunner, organizationId: string, serviceId: string): Promise<ServiceStatus | null> {
  const rows: Array<{ status: ServiceStatus }> = await db.query(
    `SELECT status FROM services WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL`,
    [serviceId, organizationId],
  );
  return rows[0]?.status ?? null;
}

/** The service's backends as the health view needs them. */
export function serviceBackendAddresses(db: SqlRunner, serviceId: string): Promise<Array<{ id: string; address: string; enabled: boolean }>> {
  return db.query(`SELECT id, host(address) AS address, enabled FROM backends WHERE service_id = $1`, [serviceId]) as Promise<Array<{ id: string; address: string; enabled: boolean }>>;
}

/** An assigned anycast address of a service, with its pool. */
export interface ServiceAddressRow {
  service_id: string;
  address: string;
  family: 4 | 6;
  pool: string;
  pool_id: string;
}

/**
 * Tenants' services. Pass the transaction's EntityManager for writes; the organization is a
 * parameter of every tenant read. A taken name surfaces as the unique violation of
 * `services_org_name_key` for the caller to explain.
 */
export class ServicesRepository {
  constructor(private readonly db: EntityManager) {}

  /** The organization's live services in creation order. */
  page(organizationId: string, req: PageRequest): Promise<PageRows<Service>> {
    const qb = this.db.getRepository(Service).createQueryBuilder('service').where('service.organization_id = :organizationId AND service.deleted_at IS NULL', { organizationId });
    return keysetPage(qb, req);
  }

  /**
   * The organization's live service, or null. `lock` takes FOR NO KEY UPDATE: it serialises writes
   * to the service without blocking inserts that reference it (the fleet sync's per-service
   * generations, slots, backends of other transactions' FK checks).
   */
  find(organizationId: string, id: string, lock = false): Promise<Service | null> {
    const qb = this.db
      .getRepository(Service)
      .createQueryBuilder('service')
      .where('service.id = :id AND service.organization_id = :organizationId AND service.deleted_at IS NULL', { id, organizationId });
    if (lock) qb.setLock('for_no_key_update');
    return qb.getOne();
  }

  /** The organization's live service of this name (names are unique per organization, case-insensitively), or null. */
  findByName(organizationId: string, name: string): Promise<Service | null> {
    return this.db
      .getRepository(Service)
      .createQueryBuilder('service')
      .where('service.organization_id = :organizationId AND lower(service.name) = lower(:name) AND service.deleted_at IS NULL', { organizationId, name })
      .getOne();
  }

  /** Inserts a new service or saves a changed one. */
  save(values: Partial<Service>): Promise<Service> {
    return this.db.save(Service, this.db.create(Service, values));
  }

  /** The addresses and families of the service's backends, oldest first. */
  backendFamilies(serviceId: string): Promise<Array<{ address: string; family: 4 | 6 }>> {
    return this.db.query(`SELECT host(address) AS address, family FROM backends WHERE service_id = $1 ORDER BY created_at`, [serviceId]);
  }

  /** The assigned anycast addresses of these services, by family then address. */
  async assignedAddresses(serviceIds: string[]): Promise<ServiceAddressRow[]> {
    if (!serviceIds.length) return [];
    return this.db.query(
      `SELECT a.service_id, host(a.address) AS address, a.family, p.prefix::text AS pool, a.pool_id
         FROM anycast_addresses a JOIN pools p ON p.id = a.pool_id
        WHERE a.service_id = ANY($1::uuid[]) AND a.state = 'assigned'
        ORDER BY a.family, a.address`,
      [serviceIds],
    );
  }

  /**
   * Services that still lack addresses: waiting for pool capacity, pending longer than
   * `graceSeconds` (a job lost or failed for good), or active without IPv6 while a global IPv6 pool
   * now exists. Suspended organizations' services are left out. Oldest first, at most 5,000.
   */
  async waitingForAddresses(graceSeconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM services
        WHERE deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM billing_accounts b WHERE b.organization_id = services.organization_id AND b.status = 'suspended')
          AND (status = 'waiting_for_capacity'
               OR (status = 'pending' AND created_at < now() - make_interval(secs => $1))
               OR (status = 'active'
                   AND EXISTS (SELECT 1 FROM pools p WHERE p.family = 6 AND p.scope = 'global' AND p.state = 'active')
                   AND NOT EXISTS (SELECT 1 FROM anycast_addresses a WHERE a.service_id = services.id AND a.state = 'assigned' AND a.family = 6)))
        ORDER BY created_at LIMIT 5000`,
      [graceSeconds],
    );
    return rows.map((r) => r.id);
  }
}
