// Plain ESM JavaScript, run as a child process by test/integration/event-loop.spec.ts.
import { createClient } from '@redis/client';

/**
 * Watches one Redis key from a process of its own: the test process may be the one whose event loop is blocked,
 * and a watcher inside it would be blocked too. Prints `ready`, then `<epoch ms> <PTTL>` every `intervalMs`
 * (PTTL -2: the key does not exist) until stdin closes.
 *
 * Usage: node key-watcher.mjs <redis url> <key> <interval ms>
 */
const [url, key, intervalArg] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
client.on('error', (error) => {
  process.stderr.write(`key-watcher: ${String(error)}\n`);
  process.exit(2);
});
await client.connect();

let stopped = false;
process.stdin.on('end', () => (stopped = true));
process.stdin.resume();
process.stdout.write('ready\n');
while (!stopped) {
  const at = Date.now();
  const ttl = await client.pTTL(key);
  process.stdout.write(`${at} ${ttl}\n`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + intervalMs - Date.now())));
}
await client.close();
