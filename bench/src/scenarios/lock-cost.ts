// Figure 3, both halves in this one file so that the whole claim comparison lives in one place: what the library's
// claim costs through its public RedisLockStore.claim, against a raw SET NX PX on the very same node-redis client.
// The parent forks this file; the child measures.
import { randomUUID } from 'node:crypto';
import KeyvRedis, { type RedisClientType } from '@keyv/redis';
import { Child, withChild, type Message } from '../lib/children';
import { guard, send, serve } from '../lib/child-io';
import { pairedRound, StoreClaims, type PairedRep } from '../lib/claims';
import { loadLibrary } from '../lib/library';
import { pastOccurrence } from '../lib/occurrences';
import { type ScenarioContext } from './context';

export type LockRep = PairedRep;

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
    const store = new RedisLockStore(() => client, { keyPrefix: `${keyPrefix}:lib` });
    const library = new StoreClaims(store, 'bench-claim');
    const token = `lock:${randomUUID()}`;
    let serial = 0;
    // Fresh keys as long as the library's occurrence keys, so the raw side pays for no shorter or existing key.
    const rawClaim = async (): Promise<number> => {
      const key = `${keyPrefix}:raw:{bench-claim}:occurrence:${pastOccurrence(serial++).toISOString()}`;
      const t0 = performance.now();
      const reply = await client.set(key, token, { NX: true, PX: TTL_MS });
      const dt = performance.now() - t0;
      if (reply !== 'OK') throw new Error('raw SET NX of a fresh key was not won');
      return dt;
    };
    const round = (n: number): Promise<LockRep> => pairedRound(n, () => library.timedClaim(), rawClaim);

    await round(WARMUP_PAIRS);
    serve({ rep: async () => ({ ...(await round(claims)) }) }, () => client.close());
    send({ type: 'ready' });
  });
}

if (process.argv[2] === CHILD_ARG) {
  const [url, keyPrefix, claims] = process.argv.slice(3);
  child(url, keyPrefix, Number(claims));
}
