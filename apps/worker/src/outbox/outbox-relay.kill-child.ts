// Test fixture for outbox-relay.int-spec.ts (run as a child process, then SIGKILLed): one relay
// whose BullMQ adds succeed, then, from batch STALL_AT_BATCH on, never return, so its transaction
// stays open after the jobs reached Redis. Prints "added <n>" after each batch's add.
import 'reflect-metadata';
import { Queue } from 'bullmq';
import { QueueName } from '@anyfront/contracts';
import { createDataSource } from '@anyfront/db';
import { OutboxRelay, type RelayQueue } from './outbox-relay';

async function main(): Promise<void> {
  const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is required`); })();
  const [databaseUrl, redisUrl, queuePrefix, stallAt] = [env('DATABASE_URL'), env('REDIS_URL'), env('QUEUE_PREFIX'), Number(env('STALL_AT_BATCH'))];
  const ds = await createDataSource(databaseUrl, { poolSize: 2 }).initialize();
  const queue = new Queue(QueueName.FleetSync, { connection: { url: redisUrl }, prefix: queuePrefix });
  let batches = 0;
  const stalling: RelayQueue = {
    addBulk: async (jobs) => {
      const added = await queue.addBulk(jobs);
      process.stdout.write(`added ${++batches}\n`);
      if (batches >= stallAt) await new Promise(() => undefined);
      return added;
    },
  };
  const relay = new OutboxRelay(ds, new Map([[QueueName.FleetSync, stalling]]), { databaseUrl, queuePrefix, batchSize: 10, pollIntervalMs: 60_000, publishTimeoutMs: 600_000 });
  await relay.start();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
