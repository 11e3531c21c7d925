import type { EntityManager } from 'typeorm';
import type { JobRequest, QueueName } from '@anyfront/contracts';

type Queryable = Pick<EntityManager, 'query'>;

/** Channel an outbox insert notifies (trigger `outbox_notify`), at the commit of the inserting transaction. */
export const OUTBOX_CHANNEL = 'outbox';

/** A claimed outbox row: the request, with its job id resolved (rows without one get `<job>.outbox-<row id>`). */
export type OutboxRow = JobRequest & { id: string; jobId: string };

/**
 * The transactional outbox. `add` runs inside the write's own transaction, so the job exists
 * exactly when the write committed; the worker's relay `claim`s rows (FOR UPDATE SKIP LOCKED: two
 * relays never hold the same row), adds them to BullMQ and `remove`s them in that same transaction.
 * `prefix` is the BullMQ key prefix of the producer's deployment.
 */
export class OutboxRepository {
  constructor(
    private readonly db: Queryable,
    private readonly prefix: string,
  ) {}

  async add(requests: readonly JobRequest[]): Promise<void> {
    if (!requests.length) return;
    await this.db.query(
      `INSERT INTO outbox (prefix, queue, job_name, job_id, payload)
       SELECT $1, e.r->>'queue', e.r->>'name', e.r->>'job_id', e.r->'data'
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(r, n)
        ORDER BY e.n`,
      [this.prefix, JSON.stringify(requests.map((r) => ({ queue: r.queue, name: r.name, job_id: r.jobId, data: r.data ?? {} })))],
    );
  }

  /** The oldest unclaimed rows, locked until the caller's transaction ends. Call inside a transaction. */
  async claim(limit: number): Promise<OutboxRow[]> {
    const rows: StoredRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM outbox WHERE prefix = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [this.prefix, limit],
    );
    return rows.map(toRow);
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.db.query(`DELETE FROM outbox WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Rows not relayed yet (monitoring, tests). */
  async pending(): Promise<OutboxRow[]> {
    const rows: StoredRow[] = await this.db.query(`SELECT ${COLUMNS} FROM outbox WHERE prefix = $1 ORDER BY id`, [this.prefix]);
    return rows.map(toRow);
  }
}

const COLUMNS = 'id::text AS id, queue, job_name, job_id, payload';
type StoredRow = { id: string; queue: string; job_name: string; job_id: string | null; payload: unknown };

function toRow(r: StoredRow): OutboxRow {
  // The row was written from a JobRequest; its name and payload belong together.
  return {
    id: r.id,
    queue: r.queue as QueueName,
    name: r.job_name,
    data: r.payload,
    jobId: r.job_id ?? `${r.job_name}.outbox-${r.id}`,
  } as OutboxRow;
}
