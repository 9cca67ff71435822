// Figure 5, one boot per process: time from NestFactory.createApplicationContext to the end of its init()
// (module init and application bootstrap hooks included), for 500 library jobs or 500 plain @Cron jobs.
import { type DynamicModule } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { finish, guard } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { createApp, jobsClass, NEVER } from '../lib/nest-app';

const [kind, url, keyPrefix, countArg] = process.argv.slice(2);
const COUNT = Number(countArg);

guard(async () => {
  const imports: DynamicModule[] = [];
  let Jobs: new () => object;
  if (kind === 'coordinated') {
    const { CoordinatedCronModule, CoordinatedCron } = loadLibrary();
    Jobs = jobsClass(COUNT, (i) => CoordinatedCron(`boot-job-${i}`, NEVER));
    imports.push(CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId: 'boot' }));
  } else {
    Jobs = jobsClass(COUNT, (i) => Cron(NEVER, { name: `boot-job-${i}` }));
  }
  const { app, bootMs } = await createApp({ url, providers: [Jobs], imports });
  await app.close();
  finish({ kind, bootMs });
});
