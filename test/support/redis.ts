import { createClient } from '@redis/client';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let counter = 0;
/** A key prefix unique to this jest run, worker and call. */
export function uniquePrefix(label: string): string {
  const run = process.env.CC_TEST_RUN_ID ?? `cc-test-${process.pid}`;
  counter += 1;
  return `${run}:${process.env.JEST_WORKER_ID ?? '0'}:${label}:${counter}`;
}

/** A plain client for assertions and clean-up; fails loudly when Redis is not there. */
export async function connectRedis(url: string = REDIS_URL) {
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = await connectRedis(url);
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    await client.close();
  }
}
