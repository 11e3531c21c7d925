import type { EntityManager } from 'typeorm';

/** A stored Idempotency-Key: the request it was used for and, once answered, the answer. */
export interface IdempotencyKeyRow {
  id: string;
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
}

/** Idempotency-Keys of POST requests, per credential scope, kept for `retentionHours`. */
export class IdempotencyKeysRepository {
  constructor(private readonly db: EntityManager, private readonly retentionHours = 24) {}

  /** Takes the key for a new request (an expired use of it is forgotten first); null when it is taken. */
  async claim(k: { scope: string; key: string; method: string; path: string; requestHash: string }): Promise<string | null> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND created_at < now() - make_interval(hours => $3)`, [k.scope, k.key, this.retentionHours]);
    const inserted: Array<{ id: string }> = await this.db.query(
      `INSERT INTO idempotency_keys (scope, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (scope, key) DO NOTHING RETURNING id`,
      [k.scope, k.key, k.method, k.path, k.requestHash],
    );
    return inserted[0]?.id ?? null;
  }

  async find(scope: string, key: string): Promise<IdempotencyKeyRow | null> {
    const rows: IdempotencyKeyRow[] = await this.db.query('SELECT id, request_hash, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key]);
    return rows[0] ?? null;
  }

  async complete(id: string, status: number, body: unknown): Promise<void> {
    await this.db.query('UPDATE idempotency_keys SET response_status = $2, response_body = $3::jsonb, completed_at = now() WHERE id = $1', [id, status, JSON.stringify(body)]);
  }

  /** Gives the key back (the request failed, or its answer must not be stored). */
  async release(id: string): Promise<void> {
    await this.db.query('DELETE FROM idempotency_keys WHERE id = $1', [id]);
  }

  /** Deletes keys past retention; how many. */
  async deleteExpired(): Promise<number> {
    const [, n] = await this.db.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`, [this.retentionHours]);
    return Number(n ?? 0);
  }
}
