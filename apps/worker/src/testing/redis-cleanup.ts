import Redis from 'ioredis';

/**
 * Deletes every key under a queue prefix (all queues a test or benchmark's workers created: slot
 * assignment, fleet sync, traffic roll-up and their schedulers). Only for prefixes the caller owns.
 */
export async function deleteQueuePrefix(redisUrl: string, prefix: string): Promise<void> {
  if (!prefix || prefix.includes('*')) throw new Error(`refusing to delete keys for prefix "${prefix}"`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
