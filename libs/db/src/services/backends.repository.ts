import type { BackendVerificationState } from '@anyfront/contracts';
import type { EntityManager } from 'typeorm';
import { Backend } from '../entities/backend.entity';
import { keysetPage, type PageRequest, type PageRows } from '../pagination';

/** One edge node's latest verification verdict of one backend (enabled nodes only). */
export interface BackendVerificationRow {
  backend_id: string;
  verification: BackendVerificationState;
  verification_reason: string | null;
  verification_checked_at: Date | null;
  reported_at: Date;
}

/**
 * A service's backends. Pass the transaction's EntityManager for writes; the caller has already
 * checked that the service is the organization's (ServicesRepository.find).
 */
export class BackendsRepository {
  constructor(private readonly db: EntityManager) {}

  /** The service's backends in creation order. */
  page(serviceId: string, req: PageRequest): Promise<PageRows<Backend>> {
    return keysetPage(this.db.getRepository(Backend).createQueryBuilder('backend').where('backend.service_id = :serviceId', { serviceId }), req);
  }

  find(serviceId: string, id: string): Promise<Backend | null> {
    return this.db.findOne(Backend, { where: { id, serviceId } });
  }

  /** Inserts a new backend or saves a changed one (a taken address surfaces as a unique violation for the caller to explain). */
  save(values: Partial<Backend>): Promise<Backend> {
    return this.db.save(Backend, this.db.create(Backend, values));
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(Backend, { id });
  }

  /** Keeps the service's Maglev table size at its high-water mark (see the services entity); `size` maps a backend count to M. */
  async raiseMaglevTableSize(serviceId: string, size: (backends: number) => number): Promise<void> {
    const rows: Array<{ count: number }> = await this.db.query('SELECT count(*)::int AS count FROM backends WHERE service_id = $1', [serviceId]);
    await this.db.query('UPDATE services SET maglev_table_size = GREATEST(maglev_table_size, $2) WHERE id = $1', [serviceId, size(rows[0]?.count ?? 0)]);
  }

  /** What a backend address must stay out of: the anycast pools' prefixes and the edge nodes' tunnel sources. */
  async platformAddresses(): Promise<{ prefixes: string[]; edgeAddresses: string[] }> {
    const [pools, edges] = await Promise.all([
      this.db.query<Array<{ prefix: string }>>(`SELECT prefix::text AS prefix FROM pools`),
      this.db.query<Array<{ a: string }>>(
        `SELECT host(tunnel_source_ipv4) AS a FROM edge_nodes WHERE tunnel_source_ipv4 IS NOT NULL
         UNION ALL SELECT host(tunnel_source_ipv6) FROM edge_nodes WHERE tunnel_source_ipv6 IS NOT NULL`,
      ),
    ]);
    return { prefixes: pools.map((p) => p.prefix), edgeAddresses: edges.map((e) => e.a) };
  }

  /** The edges' verification verdicts of these backends (nodes not disabled). */
  verificationReports(backendIds: string[]): Promise<BackendVerificationRow[]> {
    if (!backendIds.length) return Promise.resolve([]);
    return this.db.query(
      `SELECT h.backend_id, h.verification, h.verification_reason, h.verification_checked_at, h.reported_at
         FROM edge_node_backend_health h JOIN edge_nodes n ON n.id = h.edge_node_id
        WHERE h.backend_id = ANY($1::uuid[]) AND h.verification IS NOT NULL AND n.state <> 'disabled'`,
      [backendIds],
    );
  }

  /** A backend moved to another address proves itself again: the edges' verdicts of the old one no longer count. */
  async forgetVerification(backendId: string): Promise<void> {
    await this.db.query(`UPDATE edge_node_backend_health SET verification = NULL, verification_reason = NULL, verification_checked_at = NULL WHERE backend_id = $1`, [backendId]);
  }
}
