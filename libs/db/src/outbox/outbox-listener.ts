import { Client } from 'pg';
import { OUTBOX_CHANNEL } from './outbox.repository';

/** A LISTEN connection on the outbox channel (its own connection: a pooled one cannot hold LISTEN). */
export interface OutboxListener {
  close(): Promise<void>;
}

/**
 * Listens for commits that inserted outbox rows. `lost` is called once if the connection drops
 * later (the caller polls and listens again); a connection that cannot be set up throws.
 */
export async function listenToOutbox(databaseUrl: string, on: { notify: () => void; lost: (err: Error) => void }): Promise<OutboxListener> {
  const client = new Client({ connectionString: databaseUrl });
  let open = true;
  const close = async () => {
    open = false;
    await client.end().catch(() => undefined);
  };
  client.on('notification', () => on.notify());
  client.on('error', (err) => {
    if (!open) return;
    void close();
    on.lost(err);
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
  } catch (err) {
    await close();
    throw err;
  }
  return { close };
}
