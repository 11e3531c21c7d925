import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { bulkJob, type QueueName } from '@anyfront/contracts';
import { listenToOutbox, OutboxRepository, type OutboxListener, type OutboxRow } from '@anyfront/db';

/** What the relay needs of a queue (tests wrap it to count or stall adds). */
export type RelayQueue = Pick<Queue, 'addBulk'>;

export interface OutboxRelayOptions {
  databaseUrl: string;
  queuePrefix: string;
  /** Rows per transaction. */
  batchSize: number;
  /** Poll when no notification came (a lost LISTEN connection, a notification sent before we listened). */
  pollIntervalMs: number;
  /** A batch whose BullMQ add takes longer is rolled back and retried (Redis down). */
  publishTimeoutMs: number;
  log?: { warn(msg: string): void; debug?(msg: string): void };
}

/**
 * Moves outbox rows to BullMQ, at least once: claim a batch (FOR UPDATE SKIP LOCKED, so relays in
 * several workers never send the same row), add the jobs with their deterministic ids, delete the
 * rows, commit. A relay killed between the add and the commit leaves the rows; the next relay adds
 * them again and BullMQ ignores an id it already holds (the processors are idempotent for the rest).
 * Woken by LISTEN outbox (a commit that inserted rows) and by a poll.
 */
export class OutboxRelay {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private listener: OutboxListener | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly queues: ReadonlyMap<QueueName, RelayQueue>,
    private readonly options: OutboxRelayOptions,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
    this.timer = setInterval(() => void this.wake(), this.options.pollIntervalMs);
    this.timer.unref();
    void this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const listener = this.listener;
    this.listener = null;
    await listener?.close();
    await this.running;
  }

  /** Drains the outbox now (coalesces with a drain in progress); resolves when it is empty or a batch failed. */
  wake(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          while (!this.stopped && (await this.relayBatch()) === this.options.batchSize);
        } catch (err) {
          // The batch rolled back; its rows stay for the next wake-up (poll), e.g. once Redis is back.
          this.options.log?.warn(`outbox relay: ${(err as Error).message}; retrying in ${this.options.pollIntervalMs} ms`);
          this.again = false;
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = null));
    return this.running;
  }

  /** One transaction: claim, publish, delete. Returns the number of rows relayed. */
  async relayBatch(): Promise<number> {
    return this.ds.transaction(async (tx) => {
      const outbox = new OutboxRepository(tx, this.options.queuePrefix);
      const rows = await outbox.claim(this.options.batchSize);
      if (!rows.length) return 0;
      await this.publish(rows);
      await outbox.remove(rows.map((r) => r.id));
      return rows.length;
    });
  }

  private async publish(rows: OutboxRow[]): Promise<void> {
    const byQueue = new Map<QueueName, OutboxRow[]>();
    for (const r of rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r]);
    const adds = [...byQueue].map(([name, batch]) => {
      const queue = this.queues.get(name);
      // A row for a queue this worker does not know stays (and blocks nothing else): fail loudly.
      if (!queue) throw new Error(`outbox row for unknown queue "${name}"`);
      return queue.addBulk(batch.map(bulkJob));
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`adding ${rows.length} job(s) took over ${this.options.publishTimeoutMs} ms (is Redis reachable?)`)), this.options.publishTimeoutMs);
    });
    try {
      await Promise.race([Promise.all(adds), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const retry = () => setTimeout(() => void this.listen().catch(() => undefined), this.options.pollIntervalMs).unref();
    try {
      const listener = await listenToOutbox(this.options.databaseUrl, {
        notify: () => void this.wake(),
        lost: (err) => {
          this.options.log?.warn(`outbox relay: LISTEN connection lost (${err.message}); polling until it is back`);
          if (this.listener === listener) this.listener = null;
          retry();
        },
      });
      if (this.stopped) await listener.close();
      else this.listener = listener;
    } catch (err) {
      this.options.log?.warn(`outbox relay: cannot LISTEN (${(err as Error).message}); polling`);
      retry();
    }
  }
}
