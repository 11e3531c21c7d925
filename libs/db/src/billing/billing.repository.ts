import type { EntityManager } from 'typeorm';
import { parsePriceBook, type Holding, type PriceBook, type PriceBookEntryInput, type TrafficHour } from '@anyfront/billing';

/** A DataSource or a transaction's EntityManager. */
export type Queryable = Pick<EntityManager, 'query'>;

export interface PriceBookRow {
  version: number;
  effectiveFrom: Date;
  input: PriceBookEntryInput;
  createdBy: string | null;
  createdAt: Date;
}

/**
 * Billing reads and writes. The organization is a parameter of every tenant read. Times leave the
 * database as integer epoch seconds, floored (the rating engine's instants).
 */
export class BillingRepository {
  constructor(private readonly db: Queryable) {}

  /** Holdings of the organization that overlap [from, to) (epoch seconds); zero-length ones left out. */
  async holdings(organizationId: string, from: number, to: number): Promise<Holding[]> {
    const rows: Array<{ service_id: string; address: string; family: number; held_from: string; held_to: string | null }> = await this.db.query(
      `SELECT service_id, host(address) AS address, family,
              floor(extract(epoch FROM held_from))::bigint::text AS held_from,
              floor(extract(epoch FROM held_to))::bigint::text AS held_to
         FROM address_holdings
        WHERE organization_id = $1 AND held_from < to_timestamp($3) AND (held_to IS NULL OR held_to > to_timestamp($2))
          AND (held_to IS NULL OR floor(extract(epoch FROM held_to)) > floor(extract(epoch FROM held_from)))
        ORDER BY held_from, id`,
      [organizationId, from, to],
    );
    return rows.map((r) => ({
      organizationId,
      serviceId: r.service_id,
      address: r.address,
      family: r.family === 6 ? 6 : 4,
      from: Number(r.held_from),
      to: r.held_to === null ? null : Number(r.held_to),
    }));
  }

  /** The organization's hourly traffic by service and PoP region for hours starting in [from, to). */
  async trafficHours(organizationId: string, from: number, to: number): Promise<TrafficHour[]> {
    const rows: Array<{ service_id: string; hour: string; region: string; bytes: string }> = await this.db.query(
      `SELECT t.service_id, extract(epoch FROM t.hour)::bigint::text AS hour, p.region, sum(t.bytes)::text AS bytes
         FROM traffic_hourly t JOIN pops p ON p.id = t.pop_id
        WHERE t.organization_id = $1 AND t.hour >= to_timestamp($2) AND t.hour < to_timestamp($3)
        GROUP BY 1, 2, 3
       HAVING sum(t.bytes) > 0
        ORDER BY 2, 1, 3`,
      [organizationId, from, to],
    );
    return rows.map((r) => ({ organizationId, serviceId: r.service_id, hour: Number(r.hour), region: r.region, bytes: BigInt(r.bytes) }));
  }

  /** [id, name] of the organization's services among `ids` (a deleted service keeps its name). */
  async serviceNames(organizationId: string, ids: string[]): Promise<Array<[string, string]>> {
    const rows: Array<{ id: string; name: string }> = await this.db.query(`SELECT id, name FROM services WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [organizationId, ids]);
    return rows.map((r) => [r.id, r.name]);
  }

  async priceBookRows(): Promise<PriceBookRow[]> {
    const rows: Array<{ version: number; effective_from: Date; input: PriceBookEntryInput; created_by: string | null; created_at: Date }> = await this.db.query(
      `SELECT version, effective_from, input, created_by, created_at FROM price_book_entries ORDER BY effective_from`,
    );
    return rows.map((r) => ({ version: r.version, effectiveFrom: r.effective_from, input: r.input, createdBy: r.created_by, createdAt: r.created_at }));
  }

  /** The whole book, validated (the stored rows passed the same validation when inserted). */
  async priceBook(): Promise<PriceBook> {
    return parsePriceBook((await this.priceBookRows()).map((r) => r.input));
  }

  /** Locks the book against concurrent additions until the transaction ends (call inside one). */
  async lockPriceBook(): Promise<void> {
    await this.db.query(`LOCK TABLE price_book_entries IN SHARE ROW EXCLUSIVE MODE`);
  }

  async insertPriceBookEntry(input: PriceBookEntryInput, createdBy: string | null): Promise<void> {
    await this.db.query(`INSERT INTO price_book_entries (version, effective_from, input, created_by) VALUES ($1, $2, $3, $4)`, [
      input.version,
      input.effectiveFrom,
      JSON.stringify(input),
      createdBy,
    ]);
  }
}
