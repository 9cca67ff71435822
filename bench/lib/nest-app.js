'use strict';

require('reflect-metadata');
const { Module, Injectable } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { ScheduleModule } = require('@nestjs/schedule');
const { ClsModule } = require('nestjs-cls');
const { CacheModule } = require('@nestjs/cache-manager');
const { default: KeyvRedis } = require('@keyv/redis');

/** Applies method decorators the way TypeScript's emitted code does (last listed runs first). */
function decorateMethod(proto, key, decorators) {
  let desc = Object.getOwnPropertyDescriptor(proto, key);
  for (let i = decorators.length - 1; i >= 0; i--) {
    const result = decorators[i](proto, key, desc);
    if (result) desc = result;
  }
  Object.defineProperty(proto, key, desc);
}

function decorateClass(cls, decorators) {
  let result = cls;
  for (let i = decorators.length - 1; i >= 0; i--) result = decorators[i](result) || result;
  return result;
}

/** A provider class whose methods (name -> function) carry the given decorators. */
function jobsClass(className, methods) {
  const cls = { [className]: class {} }[className];
  for (const { key, fn, decorators } of methods) {
    Object.defineProperty(cls.prototype, key, { value: fn, writable: true, configurable: true, enumerable: false });
    decorateMethod(cls.prototype, key, decorators);
  }
  return decorateClass(cls, [Injectable()]);
}

/** Lists `ids` and enables all of them, through the batch form the library prefers. */
function tenantSettingsClass(ids) {
  class BenchTenantSettings {
    listTenants() {
      return ids;
    }
    isEnabled() {
      return true;
    }
    filterEnabled(_jobName, tenantIds) {
      return Promise.resolve(tenantIds);
    }
  }
  return decorateClass(BenchTenantSettings, [Injectable()]);
}

/**
 * The app every bench child builds: the imports a user of the library writes (issue 2), plus `extraImports`.
 * `logger` undefined keeps Nest's default logger and levels.
 */
async function createApp({ url, providers = [], extraImports = [], logger, cacheStore }) {
  const store = cacheStore || new KeyvRedis(url);
  class BenchAppModule {}
  decorateClass(BenchAppModule, [
    Module({
      imports: [
        ScheduleModule.forRoot(),
        ClsModule.forRoot({ global: true }),
        CacheModule.register({ stores: [store], isGlobal: true }),
        ...extraImports,
      ],
      providers,
    }),
  ]);
  const options = logger === undefined ? {} : { logger };
  const t0 = performance.now();
  const app = await NestFactory.createApplicationContext(BenchAppModule, options);
  const bootMs = performance.now() - t0;
  return { app, store, bootMs };
}

/**
 * One `@PerTenant()` job on a never-due schedule, run only through `trigger`, over whatever `listed.ids` holds at
 * trigger time: figures 1 and 2 drive the library's full per-tenant path this way.
 */
async function perTenantJobApp({ url, keyPrefix, instanceId, jobName, className, concurrency, handler, listed }) {
  const library = require('./library');
  const { CoordinatedCronModule, CoordinatedCron, PerTenant, CoordinatedCronRunner } = library.load();
  const Settings = tenantSettingsClass({ [Symbol.iterator]: () => listed.ids[Symbol.iterator]() });
  const Jobs = jobsClass(className, [
    {
      key: 'perTenant',
      fn: handler,
      decorators: [CoordinatedCron(jobName, { cron: '0 0 1 1 *', lockTtl: '10m' }), PerTenant({ concurrency })],
    },
  ]);
  const { app } = await createApp({
    url,
    providers: [Jobs],
    extraImports: [CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId, tenantSettings: Settings })],
  });
  return { app, runner: app.get(CoordinatedCronRunner) };
}

module.exports = { decorateMethod, decorateClass, jobsClass, tenantSettingsClass, createApp, perTenantJobApp };
