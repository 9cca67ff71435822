// One application instance using the library, as a separate process: figure 4 (contention on triggered
// occurrences) and figure 6 (scheduled ticks every 2 s).
import KeyvRedis from '@keyv/redis';
import { Injectable } from '@nestjs/common';
import type { CronRun } from 'nestjs-coordinated-cron';
import { guard, send, serve } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { createApp, NEVER } from '../lib/nest-app';
import { wallNow } from '../lib/tick-window';

const CONTEND_JOB = 'bench-contend';
const LATENCY_JOB = 'bench-latency';

const [mode, url, keyPrefix, instanceId, connectionName] = process.argv.slice(2);

guard(async () => {
  const { CoordinatedCronModule, CoordinatedCron, CoordinatedCronRunner } = loadLibrary();

  // Figure 4: never due during the bench; occurrences come from trigger(). An explicit lockTtl keeps the claim keys
  // independent of how far those dates are from now.
  @Injectable()
  class ContendJobs {
    @CoordinatedCron(CONTEND_JOB, { cron: NEVER, lockTtl: '10m' })
    async work(): Promise<void> {}
  }

  // Figure 6: jitter is off (module option), so the body should start right at the tick. The tick comes from the
  // run's own context; nothing inside the library is observed.
  @Injectable()
  class LatencyJobs {
    @CoordinatedCron(LATENCY_JOB, '*/2 * * * * *')
    async tick({ context }: CronRun): Promise<void> {
      const at = wallNow();
      send({ type: 'start', instance: instanceId, tick: Date.parse(context.occurrence), at });
    }
  }

  if (mode !== 'contend' && mode !== 'latency') throw new Error(`unknown mode ${mode}`);
  // The name lets the harness tell this process's connection apart from everyone else's on a shared Redis.
  const cacheStore = new KeyvRedis<unknown>({ url, name: connectionName });
  const { app } = await createApp({
    url,
    cacheStore,
    providers: [mode === 'contend' ? ContendJobs : LatencyJobs],
    imports: [CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId })],
  });
  // Connect before the first measured command, as a long-running instance would be.
  await cacheStore.getClient();
  const runner = app.get(CoordinatedCronRunner);

  serve(
    {
      trigger: async (msg) => {
        const report = await runner.trigger(CONTEND_JOB, { occurrence: new Date(String(msg.occurrence)) });
        return { instance: instanceId, outcome: report.outcome, skipReason: report.skipReason, error: report.error };
      },
    },
    () => app.close(),
  );
  send({ type: 'ready', instance: instanceId });
});
