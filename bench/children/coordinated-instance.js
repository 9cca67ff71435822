'use strict';

// One application instance using the library, as a separate process: figure 4 (contention on triggered
// occurrences) and figure 6 (scheduled ticks every 2 s).
const { default: KeyvRedis } = require('@keyv/redis');
const { send, serve, guard } = require('../lib/child-io');
const { createApp, jobsClass } = require('../lib/nest-app');
const library = require('../lib/library');
const { installTickTrace, phases } = require('../lib/tick-trace');

const [mode, url, keyPrefix, instanceId, connectionName] = process.argv.slice(2);

const CONTEND_JOB = 'bench-contend';
const LATENCY_JOB = 'bench-latency';

guard(async () => {
  const { CoordinatedCronModule, CoordinatedCron, CoordinatedCronRunner } = library.load();

  let jobs;
  if (mode === 'contend') {
    // Never due during the bench (1 January); occurrences come from trigger(). An explicit lockTtl keeps the claim
    // keys independent of how far those dates are from now.
    jobs = jobsClass('ContendJobs', [
      {
        key: 'work',
        fn: async () => undefined,
        decorators: [CoordinatedCron(CONTEND_JOB, { cron: '0 0 1 1 *', lockTtl: '10m' })],
      },
    ]);
  } else if (mode === 'latency') {
    const trace = installTickTrace(library);
    jobs = jobsClass('LatencyJobs', [
      {
        key: 'tick',
        fn: async (run) => {
          const at = performance.timeOrigin + performance.now();
          const tick = Date.parse(run.context.occurrence);
          send({ type: 'start', instance: instanceId, tick, at, phases: phases(tick, trace.current(), at) });
        },
        decorators: [CoordinatedCron(LATENCY_JOB, '*/2 * * * * *')],
      },
    ]);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }

  // The name lets the harness tell this process's connection apart from everyone else's on a shared Redis.
  const cacheStore = new KeyvRedis({ url, name: connectionName });
  const { app } = await createApp({
    url,
    cacheStore,
    providers: [jobs],
    extraImports: [CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId })],
  });
  // Connect before the first measured command, as a long-running instance would be.
  await cacheStore.getClient();
  const runner = app.get(CoordinatedCronRunner);

  serve(
    {
      trigger: async ({ occurrence }) => {
        const report = await runner.trigger(CONTEND_JOB, { occurrence: new Date(occurrence) });
        return { instance: instanceId, outcome: report.outcome, skipReason: report.skipReason, error: report.error };
      },
    },
    () => app.close(),
  );
  send({ type: 'ready', instance: instanceId });
});
