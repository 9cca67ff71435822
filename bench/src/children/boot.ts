// Figure 5, one boot per process: time from NestFactory.createApplicationContext to the end of its init()
// (module init and application bootstrap hooks included), for 500 library jobs or 500 plain @Cron jobs.
import { Injectable, type DynamicModule } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { finish, guard } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { createApp, NEVER } from '../lib/nest-app';

const [kind, url, keyPrefix, countArg] = process.argv.slice(2);
const COUNT = Number(countArg);

/** A provider with `count` job methods, each decorated the way TypeScript's emitted code would (Reflect.decorate). */
function jobsClass(count: number, decoratorFor: (i: number) => MethodDecorator): new () => object {
  @Injectable()
  class BootJobs {}
  const proto = BootJobs.prototype as Record<string, unknown>;
  for (let i = 0; i < count; i++) {
    const key = `job${i}`;
    Object.defineProperty(proto, key, { value: async () => undefined, writable: true, configurable: true });
    const descriptor = Object.getOwnPropertyDescriptor(proto, key) as PropertyDescriptor;
    const decorated = Reflect.decorate([decoratorFor(i)], proto, key, descriptor) as PropertyDescriptor | undefined;
    Object.defineProperty(proto, key, decorated ?? descriptor);
  }
  return BootJobs;
}

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
