import KeyvRedis from '@keyv/redis';
import { Injectable } from '@nestjs/common';
import { createClient } from '@redis/client';
import { CoordinatedCron, CoordinatedCronRunner, type JobRunReport, ModuleOptionsError } from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';

/**
 * The `redis` option, the first way README documents: no CacheModule at all, the connection handed over. Each
 * accepted shape must give real cross-instance suppression, not the per-process fallback.
 */
describe('the redis module option (real Redis, no CacheModule)', () => {
  const jobs = () => {
    @Injectable()
    class Jobs {
      @CoordinatedCron('explicit-redis', '0 0 1 1 *')
      async run() {}
    }
    return Jobs;
  };

  it('a @keyv/redis adapter and a node-redis client share one lock: each occurrence runs once', async () => {
    const prefix = uniquePrefix('redis-option');
    const adapter = new KeyvRedis(REDIS_URL);
    const client = await createClient({ url: REDIS_URL }).connect();
    const a = await createTestApp({
      providers: [jobs()],
      cache: 'none',
      options: { keyPrefix: prefix, instanceId: 'a', redis: adapter },
    });
    const b = await createTestApp({
      providers: [jobs()],
      cache: 'none',
      options: { keyPrefix: prefix, instanceId: 'b', redis: client },
    });
    try {
      const reports: JobRunReport[] = [];
      for (let i = 0; i < 10; i++) {
        const occurrence = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
        reports.push(
          ...(await Promise.all([
            a.app.get(CoordinatedCronRunner).trigger('explicit-redis', { occurrence }),
            b.app.get(CoordinatedCronRunner).trigger('explicit-redis', { occurrence }),
          ])),
        );
      }
      expect(reports.filter((r) => r.outcome === 'completed')).toHaveLength(10);
      expect(reports.filter((r) => r.skipReason === 'duplicate')).toHaveLength(10);
      for (const { logger } of [a, b]) {
        expect(logger.matching(/^lock store: redis \(redis-option\)$/)).toHaveLength(1);
        expect(logger.matching(/no shared lock store/)).toEqual([]);
      }
    } finally {
      await a.app.close();
      await b.app.close();
      // The app owns the connections: closing the module left them open.
      expect(client.isOpen).toBe(true);
      await client.close();
      await adapter.disconnect();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('refuses at boot a redis option that is no Redis connection', async () => {
    await expect(
      createTestApp({ providers: [jobs()], cache: 'none', options: { redis: { url: REDIS_URL } as never } }),
    ).rejects.toThrow(ModuleOptionsError);
  });
});
