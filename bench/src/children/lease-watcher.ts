// Figure 16's outside view: a separate process with a pool of its own reads the job's running lease through the
// library's PostgresLockStore.readLease, one read after another, while the million-tenant run goes: whether the lease
// was held throughout, by one holder, and renewed; and how long each read waited, a stall of the server would show.
import { guard, send, serve } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { openPool } from '../lib/postgres';
import { wallNow } from '../lib/tick-window';

export interface LeaseRead {
  at: number;
  token: string | null;
  expiresInMs: number;
  waitMs: number;
}

const [url, keyPrefix, job, name] = process.argv.slice(2);
const PAUSE_MS = 20;

guard(async () => {
  const { PostgresLockStore } = loadLibrary();
  const pool = openPool(url, name, 1);
  const store = new PostgresLockStore(pool, { keyPrefix });
  await store.prepare();
  let reads: LeaseRead[] = [];
  let running: Promise<void> | undefined;
  let stop = false;

  const watch = async (): Promise<void> => {
    while (!stop) {
      const t0 = performance.now();
      const lease = await store.readLease(job);
      reads.push({ at: wallNow(), token: lease?.token ?? null, expiresInMs: lease?.expiresInMs ?? 0, waitMs: performance.now() - t0 });
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  };

  serve(
    {
      start: async () => {
        reads = [];
        stop = false;
        running = watch();
        return {};
      },
      stop: async () => {
        stop = true;
        await running;
        return { reads };
      },
    },
    () => pool.end(),
  );
  send({ type: 'ready' });
});
