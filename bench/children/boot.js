'use strict';

// Figure 5, one boot per process: time from NestFactory.createApplicationContext to the end of its init()
// (module init and application bootstrap hooks included), for 500 library jobs or 500 plain @Cron jobs.
const { Cron } = require('@nestjs/schedule');
const { send, guard } = require('../lib/child-io');
const { createApp, jobsClass } = require('../lib/nest-app');
const library = require('../lib/library');

const [kind, url, keyPrefix, countArg] = process.argv.slice(2);
const COUNT = Number(countArg);
// Never due while the bench runs.
const CRON = '0 0 1 1 *';

guard(async () => {
  const methods = [];
  const extraImports = [];
  if (kind === 'coordinated') {
    const { CoordinatedCronModule, CoordinatedCron } = library.load();
    for (let i = 0; i < COUNT; i++) {
      methods.push({ key: `job${i}`, fn: async () => undefined, decorators: [CoordinatedCron(`boot-job-${i}`, CRON)] });
    }
    extraImports.push(CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId: 'boot' }));
  } else {
    for (let i = 0; i < COUNT; i++) {
      methods.push({ key: `job${i}`, fn: async () => undefined, decorators: [Cron(CRON, { name: `boot-job-${i}` })] });
    }
  }
  const Jobs = jobsClass('BootJobs', methods);
  const { app, bootMs } = await createApp({ url, providers: [Jobs], extraImports });
  await app.close();
  send({ type: 'result', kind, bootMs });
  setTimeout(() => process.exit(0), 20);
});
