import Redis from 'ioredis';

/**
 * Deletes every Redis key matching the patterns (SCAN, never KEYS: safe on a shared server), e.g.
 * `${queuePrefix}:*` for the queues a test or benchmark created. Only for prefixes the caller owns.
 */
export async function deleteRedisKeys(redisUrl: string, patterns: string[]): Promise<void> {
  for (const p of patterns) if (!p || p === '*' || p.startsWith('*')) throw new Error(`refusing to delete keys matching "${p}"`);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

/** Deletes the keys of every queue under a BullMQ prefix. */
export const deleteQueuePrefix = (redisUrl: string, prefix: string): Promise<void> => deleteRedisKeys(redisUrl, [`${prefix}:*`]);
