// Figure 12, both halves in this one file as figure 3 does on Redis: what the library's claim costs through its
// public PostgresLockStore.claim, against a bare INSERT ... ON CONFLICT DO NOTHING of a row shaped like a claim, on
// the very same pool. The parent forks this file; the child measures.
import { randomUUID } from 'node:crypto';
import { Child, withChild, type Message } from '../lib/children';
import { guard, send, serve } from '../lib/child-io';
import { pairedRound, StoreClaims, type PairedRep } from '../lib/claims';
import { loadLibrary } from '../lib/library';
import { pastOccurrence } from '../lib/occurrences';
import { openPool } from '../lib/postgres';
import { type ScenarioContext } from './context';

const WARMUP_PAIRS = 500;
const CHILD_ARG = '--postgres-claim-child';
const JOB = 'bench-claim';

/** Parent: one process, `reps` rounds of `claims` interleaved library/raw claims. */
export async function run(ctx: ScenarioContext, { claims, reps }: { claims: number; reps: number }): Promise<{ reps: PairedRep[] }> {
  const url = await (await ctx.postgres()).database('ccbench_claim');
  const child = new Child(__filename, { args: [CHILD_ARG, url, `${ctx.prefix}-f12`, String(claims)], name: 'postgres-claim' });
  return withChild(child, async () => {
    await child.next('ready', 60000);
    const out: PairedRep[] = [];
    for (let r = 0; r < reps; r++) {
      const res = await child.request<Message & PairedRep>('rep', {}, 300000);
      out.push(res);
      ctx.log(
        `  postgres claim rep ${r + 1}/${reps}: p50 ${res.libP50Us.toFixed(0)} vs ${res.rawP50Us.toFixed(0)} us (x${res.p50Ratio.toFixed(3)}), p99 ${res.libP99Us.toFixed(0)} vs ${res.rawP99Us.toFixed(0)} us`,
      );
    }
    return { reps: out };
  });
}

/** Child: an app's pool (node-postgres defaults), the library's store on it, and a bare insert on the same pool. */
function child(url: string, keyPrefix: string, claims: number): void {
  guard(async () => {
    const { PostgresLockStore } = loadLibrary();
    const pool = openPool(url, 'ccbench-claim');
    const store = new PostgresLockStore(pool, { keyPrefix });
    // Creates the schema now, so no timed claim pays for it.
    await store.prepare();
    // The same columns and primary key as the store's table of claims.
    await pool.query(
      `CREATE TABLE bench_raw_claims (prefix text NOT NULL, job text NOT NULL, occurrence timestamptz NOT NULL,
         token text NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (prefix, job, occurrence))`,
    );
    const library = new StoreClaims(store, JOB);
    const token = `bench:${randomUUID()}`;
    let serial = 0;
    const rawClaim = async (): Promise<number> => {
      const occurrence = pastOccurrence(serial++).toISOString();
      const t0 = performance.now();
      const result = await pool.query(
        `INSERT INTO bench_raw_claims (prefix, job, occurrence, token, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
        [keyPrefix, JOB, occurrence, token, occurrence],
      );
      const dt = performance.now() - t0;
      if (result.rowCount !== 1) throw new Error('bare insert of a fresh occurrence inserted nothing');
      return dt;
    };
    const round = (n: number): Promise<PairedRep> => pairedRound(n, () => library.timedClaim(), rawClaim);

    await round(WARMUP_PAIRS);
    serve({ rep: async () => ({ ...(await round(claims)) }) }, () => pool.end());
    send({ type: 'ready' });
  });
}

if (process.argv[2] === CHILD_ARG) {
  const [url, keyPrefix, claims] = process.argv.slice(3);
  child(url, keyPrefix, Number(claims));
}
