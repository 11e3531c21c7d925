import type { ServiceStatus } from '@anyfront/contracts';
import type { SqlRunner } from '../fleet/sql';

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
