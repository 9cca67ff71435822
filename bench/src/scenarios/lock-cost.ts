// Figure 3, both halves in this one file so that the whole claim comparison lives in one place: what the library's
// claim costs through its public RedisLockStore.acquire, against a raw SET NX PX on the very same node-redis client.
// The parent forks this file; the child measures.
import { randomUUID } from 'node:crypto';
import KeyvRedis, { type RedisClientType } from '@keyv/redis';
import { Child, withChild, type Message } from '../lib/children';
import { guard, send, serve } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { percentile } from '../lib/stats';
import { type ScenarioContext } from './context';

export interface LockRep {
  libP50Us: number;
  rawP50Us: number;
  libP99Us: number;
  rawP99Us: number;
  p50Ratio: number;
  p99Ratio: number;
}

const TTL_MS = 600000;
const WARMUP_PAIRS = 500;
const CHILD_ARG = '--lock-cost-child';

/** Parent: one process, `reps` rounds of `claims` interleaved library/raw claims. */
export async function run(ctx: ScenarioContext, { claims, reps }: { claims: number; reps: number }): Promise<{ reps: LockRep[] }> {
  const child = new Child(__filename, { args: [CHILD_ARG, ctx.url, `${ctx.prefix}-f3`, String(claims)], name: 'lock-cost' });
  return withChild(child, async () => {
    await child.next('ready', 60000);
    const out: LockRep[] = [];
    for (let r = 0; r < reps; r++) {
      const res = await child.request<Message & LockRep>('rep', {}, 120000);
      out.push(res);
      ctx.log(
        `  lock rep ${r + 1}/${reps}: p50 ${res.libP50Us.toFixed(0)} vs ${res.rawP50Us.toFixed(0)} us (x${res.p50Ratio.toFixed(3)}), p99 ${res.libP99Us.toFixed(0)} vs ${res.rawP99Us.toFixed(0)} us`,
      );
    }
    return { reps: out };
  });
}

/** Child: the `@keyv/redis` store an app would give CacheModule, and the library's lock store around its client. */
function child(url: string, keyPrefix: string, claims: number): void {
  guard(async () => {
    const { RedisLockStore } = loadLibrary();
    const client = (await new KeyvRedis<unknown>(url).getClient()) as RedisClientType;
    const store = new RedisLockStore(() => client);
    const token = `lock:${randomUUID()}`;
    let serial = 0;
    // Both sides claim fresh keys of the same length, so neither pays for a longer key or an existing one.
    const keyFor = (side: 'lib' | 'raw'): string => `${keyPrefix}:${side}:occurrence:${new Date(Date.UTC(2031, 0, 1) + serial * 1000).toISOString()}`;

    const libraryClaim = async (): Promise<number> => {
      const key = keyFor('lib');
      const t0 = performance.now();
      const won = await store.acquire(key, token, TTL_MS);
      const dt = performance.now() - t0;
      if (won !== true) throw new Error('RedisLockStore.acquire of a fresh key was not won');
      return dt;
    };
    const rawClaim = async (): Promise<number> => {
      const key = keyFor('raw');
      const t0 = performance.now();
      const reply = await client.set(key, token, { NX: true, PX: TTL_MS });
      const dt = performance.now() - t0;
      if (reply !== 'OK') throw new Error('raw SET NX of a fresh key was not won');
      return dt;
    };

    const round = async (n: number): Promise<{ lib: Float64Array; raw: Float64Array }> => {
      const lib = new Float64Array(n);
      const raw = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        serial++;
        // Alternate which goes first so neither always runs on a freshly woken socket.
        if (i % 2 === 0) {
          lib[i] = await libraryClaim();
          raw[i] = await rawClaim();
        } else {
          raw[i] = await rawClaim();
          lib[i] = await libraryClaim();
        }
      }
      return { lib, raw };
    };

    await round(WARMUP_PAIRS);
    serve(
      {
        rep: async () => {
          const { lib, raw } = await round(claims);
          const [libP50, rawP50, libP99, rawP99] = [percentile(lib, 50), percentile(raw, 50), percentile(lib, 99), percentile(raw, 99)];
          const rep: LockRep = {
            libP50Us: libP50 * 1000,
            rawP50Us: rawP50 * 1000,
            libP99Us: libP99 * 1000,
            rawP99Us: rawP99 * 1000,
            p50Ratio: libP50 / rawP50,
            p99Ratio: libP99 / rawP99,
          };
          return { ...rep };
        },
      },
      () => client.close(),
    );
    send({ type: 'ready' });
  });
}

if (process.argv[2] === CHILD_ARG) {
  const [url, keyPrefix, claims] = process.argv.slice(3);
  child(url, keyPrefix, Number(claims));
}
