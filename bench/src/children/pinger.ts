// Figure 8's outside view: a separate process with its own Redis connection sends PING every ~5 ms while the
// million-tenant run goes, and reports the longest wait for a reply. A run that kept Redis itself busy (one huge
// command, a long script) would show here; a stall inside the run's own process would not.
import { guard, send, serve } from '../lib/child-io';
import { openClient } from '../lib/redis';
import { percentile } from '../lib/stats';

const [url, connectionName] = process.argv.slice(2);
const INTERVAL_MS = 5;

guard(async () => {
  const client = await openClient(url, connectionName);
  let waits: number[] = [];
  let inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;

  const ping = (): void => {
    const sentAt = performance.now();
    // Sent even while an earlier PING waits, so a stall delays every PING sent during it, not just one.
    const p: Promise<void> = client.ping().then(() => {
      waits.push(performance.now() - sentAt);
      inFlight.delete(p);
    });
    inFlight.add(p);
  };

  serve(
    {
      start: async () => {
        waits = [];
        inFlight = new Set();
        ping();
        timer = setInterval(ping, INTERVAL_MS);
        return {};
      },
      stop: async () => {
        clearInterval(timer);
        await Promise.all(inFlight);
        return { count: waits.length, maxMs: Math.max(...waits), p50Ms: percentile(waits, 50), p99Ms: percentile(waits, 99) };
      },
    },
    () => client.close(),
  );
  send({ type: 'ready' });
});
