/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  type ClaimRequest,
  type CronRun,
  type LockStore,
} from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';
import { STORE_TARGETS, type StoreTarget } from '../support/store-targets.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { sleep, waitFor } from '../support/wait.js';

/**
 * A store whose first scheduled claim (`lateAt` set) is held back until after that instant: a stall of the store
 * across the end of the tick's window, seen from the instance. `failCatchups` catch-up claims reject as a dead store
 * would.
 */
function stallingStore(base: LockStore, failCatchups: number) {
  const seen = { stalled: undefined as Date | undefined, catchupsFailed: 0 };
  const store: LockStore = Object.assign(Object.create(base) as LockStore, {
    async claim(request: ClaimRequest) {
      if (request.lateAt && !seen.stalled) {
        seen.stalled = request.occurrence;
        await sleep(Math.max(0, request.lateAt.getTime() - Date.now()) + 150);
      } else if (request.catchup && seen.catchupsFailed < failCatchups) {
        seen.catchupsFailed += 1;
        throw new Error('connection refused (planted)');
      }
      return base.claim(request);
    },
  });
  return { store, seen };
}

describe.each(STORE_TARGETS)('a tick answered late is caught up ($name)', (target: StoreTarget) => {
  failOnUnhandledRejections();
  // Apps close before the target's own clean-up: a pool ends only once the app gave back its connections.
  const opened: INestApplicationContext[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
  });
  target.use();

  it.each([
    ['its claim stalled past its window', 0],
    ["its claim stalled past its window, and the catch-up's own claim first met a lock error", 1],
  ])('%s: the tick runs late, once, inside its catch-up window', async (_what, failCatchups) => {
    const prefix = uniquePrefix('late-claim');
    const ran: Array<{ occurrence: string }> = [];
    @Injectable()
    class Jobs {
      @CoordinatedCron('every-second', { cron: '* * * * * *', catchup: 'all', catchupWindow: '30s' })
      run({ context }: CronRun) {
        ran.push({ occurrence: context.occurrence });
      }
    }
    const { store, seen } = stallingStore(await target.store(prefix), failCatchups);
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      ...target.app(prefix, { instanceId: 'only', lockStore: store, jitter: false }),
    });
    opened.push(app);
    const stalled = await waitFor('the stalled tick', () => seen.stalled, { timeoutMs: 10_000, intervalMs: 20 });
    const iso = stalled.toISOString();
    const lateRun = new RegExp(`occurrence=${iso} instance=only outcome=completed catchup=true`);
    // The run's line, not the body's call: the line is written once the run has finished, after the body returned.
    await waitFor('the late run of the stalled tick', () => logger.matching(lateRun).length > 0, {
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    expect(logger.matching(new RegExp(`occurrence=${iso} instance=only outcome=skipped reason=late`))).toHaveLength(1);
    expect(logger.matching(lateRun)).toHaveLength(1);
    expect(seen.catchupsFailed).toBe(failCatchups);
    // Once: neither the catch-up nor a later tick ran it again.
    await sleep(1_500);
    expect(ran.filter((r) => r.occurrence === iso)).toHaveLength(1);
    const history = (await app.get(CoordinatedCronRunner).describe('every-second')).recent;
    expect(history.filter((r) => r.occurrence === iso && r.outcome === 'completed')).toHaveLength(1);
  });
});
