import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CoordinatedCronRunner, CronContext } from 'nestjs-coordinated-cron';
import { AppModule } from './app.module.js';
import { type SampleConfig, sampleConfig } from './config/sample-config.js';
import { SampleLogger } from './logging/sample-logger.js';

async function bootstrap(config: SampleConfig): Promise<void> {
  const logger = new SampleLogger({
    json: config.logFormat === 'json',
    logLevels: config.logLevels,
    prefix: 'Sample',
  });
  const module = AppModule.register(config);
  // Express is Nest's default platform; Fastify is one adapter away, and the admin page works the same on it.
  const app =
    config.httpAdapter === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), { logger })
      : await NestFactory.create(module, { logger });
  const cronContext = app.get(CronContext);
  logger.useCronContext(() => cronContext.get());

  const log = new Logger('SampleApp');
  // Registered before Nest's own handler so that the moment of the signal is on record before draining starts.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log.log(`received ${signal}, shutting down`);
      watchShutdown(config, log);
    });
  }
  // process.exit after the shutdown hooks gives exit code 0 instead of dying by the re-raised signal.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });

  if (config.port === undefined) {
    await app.init();
  } else {
    await app.listen(config.port, '127.0.0.1');
  }
  describeStartup(app, config, log);
}

let watchdog: NodeJS.Timeout | undefined;

/**
 * The library bounds its own drain, but not every module's shutdown is bounded: the cache store's disconnect, for
 * one, waits on a Redis that stopped answering. Past the budget the process gives up rather than hang a deploy.
 */
function watchShutdown(config: SampleConfig, log: Logger): void {
  if (watchdog) return;
  const budgetMs = (config.shutdownTimeoutMs ?? 10_000) + (config.lockTimeoutMs ?? 2_000) + 5_000;
  watchdog = setTimeout(() => {
    log.error(`shutdown did not finish within ${budgetMs}ms; exiting anyway`);
    process.exit(1);
  }, budgetMs);
  watchdog.unref();
}

function describeStartup(app: INestApplication, config: SampleConfig, log: Logger): void {
  // A control process (SAMPLE_SCHEDULING=0) knows the same jobs, to steer them, and fires none of them itself.
  const known = config.scheduling ? 'scheduled' : 'steered from here (scheduling is off)';
  for (const job of app.get(CoordinatedCronRunner).jobs()) {
    const next = job.nextOccurrence.toISOString();
    log.log(`${known} ${job.name}: cron "${job.cron}", window ${job.jitterMs}ms, next ${next}`);
  }
  if (!config.fast) {
    log.log('windows are nightly; start with SAMPLE_FAST=1 (or --fast) to see runs every few seconds');
  }
  let http = 'no http';
  if (config.port !== undefined) {
    const { port } = app.getHttpServer().address() as { port: number };
    http = `http://127.0.0.1:${port}`;
    log.log(
      `GET ${http}/jobs lists the jobs, POST ${http}/jobs/<name>/trigger runs one now, ` +
        `GET ${http}/jobs/runs shows job_runs`,
    );
    // The token is printed only when the sample made it up: a token from the environment stays out of the logs.
    const token = config.adminTokenGenerated ? config.adminToken : '<CRON_ADMIN_TOKEN>';
    const localHttp = http.replace('127.0.0.1', 'localhost');
    log.log(`admin page: ${localHttp}/cron?token=${token}`);
  }
  // Tests and the cluster demo wait for this line; the platform is the one the app runs on, not the one asked for.
  const lock = process.env.DATABASE_URL ? 'postgres' : config.redisUrl ? `redis ${config.redisUrl}` : 'in-process';
  log.log(
    `ready pid=${process.pid} instance=${config.instanceId ?? '(library default)'} ` +
      `lock=${lock} db=${config.dbPath} fast=${config.fast} http-adapter=${app.getHttpAdapter().getType()} ${http}`,
  );
}

bootstrap(sampleConfig).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
