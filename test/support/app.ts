import KeyvRedis from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import {
  type DynamicModule,
  type INestApplicationContext,
  type LoggerService,
  Module,
  type Provider,
  type Type,
} from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import { CoordinatedCronModule, type CoordinatedCronModuleOptions } from '../../src/index.js';
import { Clock, CoordinatedCronScheduler } from './internals.js';
import { REDIS_URL } from './redis.js';

/** Collects every log line so tests can assert on what the library wrote. */
export class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string; context?: string }> = [];

  log(message: unknown, context?: string) {
    this.push('log', message, context);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.push('error', message, rest[rest.length - 1] as string);
  }
  warn(message: unknown, context?: string) {
    this.push('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.push('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.push('verbose', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.push('fatal', message, context);
  }

  matching(pattern: RegExp): string[] {
    return this.lines.filter((l) => pattern.test(l.message)).map((l) => l.message);
  }

  private push(level: string, message: unknown, context?: string) {
    this.lines.push({ level, message: String(message), context });
  }
}

export interface TestAppOptions {
  providers: Provider[];
  options?: CoordinatedCronModuleOptions;
  /** 'redis': CacheModule with @keyv/redis at this URL; 'none': no CacheModule. */
  cache?: { redisUrl: string } | 'none' | 'memory';
  /**
   * Where CacheModule is imported, relative to CoordinatedCronModule. Nest runs the onModuleDestroy hooks of
   * sibling global modules in reverse import order, so 'after' makes the cache's disconnect hook run first.
   */
  cacheModule?: 'before' | 'after';
  imports?: Array<Type | DynamicModule>;
  withSchedule?: boolean;
  withCls?: boolean;
  logger?: CapturingLogger;
  /** This instance's clock, for an instance whose clock is off; default: the process's. */
  clock?: Clock;
}

/** Boots (and initialises) a real application context around the given job providers. */
export async function createTestApp(
  spec: TestAppOptions,
): Promise<{ app: INestApplicationContext; logger: CapturingLogger }> {
  const logger = spec.logger ?? new CapturingLogger();
  const imports: Array<Type | DynamicModule> = [...(spec.imports ?? [])];
  if (spec.withSchedule !== false) imports.push(ScheduleModule.forRoot());
  if (spec.withCls !== false) imports.push(ClsModule.forRoot({ global: true }));
  const cache = spec.cache ?? { redisUrl: REDIS_URL };
  const cacheModules: DynamicModule[] = [];
  if (cache === 'memory') cacheModules.push(CacheModule.register({ isGlobal: true }));
  else if (cache !== 'none') {
    cacheModules.push(CacheModule.register({ isGlobal: true, stores: [new KeyvRedis(cache.redisUrl)] }));
  }
  const cron = CoordinatedCronModule.forRoot(spec.options ?? {});
  if (spec.cacheModule === 'after') imports.push(cron, ...cacheModules);
  else imports.push(...cacheModules, cron);

  @Module({ imports, providers: spec.providers })
  class TestAppModule {}

  const builder = Test.createTestingModule({ imports: [TestAppModule] });
  if (spec.clock) builder.overrideProvider(Clock).useValue(spec.clock);
  const app = await builder.setLogger(logger).compile();
  try {
    await app.init();
    // The boot's reads (each job's schedule, then its ledger, for late runs) come after init, as in an app. A test
    // that triggers at once would otherwise race them: a boot that reads the ledger the test's first run wrote
    // catches up the schedule's open tick beside the test's own runs.
    await app.get(CoordinatedCronScheduler, { strict: false }).whenBooted();
  } catch (error) {
    // Nest cannot close a context whose init failed, but a failed bootstrap hook may come after ScheduleModule
    // started its cron jobs; stop them so the test process can exit.
    stopStartedCronJobs(app);
    throw error;
  }
  return { app, logger };
}

function stopStartedCronJobs(app: INestApplicationContext): void {
  try {
    const registry = app.get(SchedulerRegistry, { strict: false });
    for (const name of registry.getCronJobs().keys()) registry.deleteCronJob(name);
  } catch {
    // No ScheduleModule in this app: nothing was started.
  }
}

/** The ` fence=<n>` a run's log tag carries once its claim handed out a fencing token, else nothing. */
export function fenceOf(run: { fencingToken?: number }): string {
  return run.fencingToken ? ` fence=${run.fencingToken}` : '';
}

/** A clock `offsetMs` ahead of this process's (behind, when negative): an instance whose clock is off. */
export class OffsetClock extends Clock {
  constructor(private readonly offsetMs: number) {
    super();
  }

  override now(): number {
    return Date.now() + this.offsetMs;
  }
}
