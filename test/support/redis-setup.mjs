// Plain ESM JavaScript: jest loads a global setup outside its module transform.
import { createClient } from '@redis/client';

/**
 * Proves Redis answers before any test runs, and gives the run its key prefix. A missing Redis fails the run here,
 * loudly, instead of letting tests skip.
 */
export default async function redisSetup() {
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  // One prefix per jest run, shared by its workers, so concurrent runs on one Redis never collide.
  process.env.CC_TEST_RUN_ID ??= `cc-test-${process.pid}-${Date.now().toString(36)}`;

  const client = createClient({
    url: process.env.REDIS_URL,
    socket: { connectTimeout: 3000, reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `Tests need Redis at REDIS_URL=${process.env.REDIS_URL} and it does not answer (${String(error)}). ` +
        `Start one: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
      { cause: error },
    );
  } finally {
    if (client.isOpen) await client.close();
  }
}
