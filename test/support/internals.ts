/**
 * The one door from the tests into the library's internal modules. Tests use the public API
 * (`../../src/index.js`) wherever they can; what they cannot reach through it is re-exported here, so a change of
 * the src/ layout is fixed in this file alone.
 */
export { Clock } from '../../src/common/clock.js';
export { runPool } from '../../src/common/run-pool.js';
export { CronSchedule, randomDelay } from '../../src/definition/cron-schedule.js';
export {
  assertUniqueNames,
  buildJobDefinition,
  type DecoratedMethod,
} from '../../src/definition/job-definition.factory.js';
export { OccurrenceExecutor } from '../../src/execution/occurrence.executor.js';
export { SchedulesInForce } from '../../src/execution/schedules-in-force.js';
export { ShutdownCoordinator } from '../../src/execution/shutdown.coordinator.js';
export { resolveModuleOptions } from '../../src/options/module-options.js';
export { CoordinatedCronJob } from '../../src/scheduling/coordinated-cron.job.js';
export { CoordinatedCronScheduler } from '../../src/scheduling/coordinated-cron.scheduler.js';
export { BoundedLockStore } from '../../src/store/bounded-lock-store.js';
export { RedisKeys } from '../../src/store/redis/redis-keys.js';

import { RedisKeys } from '../../src/store/redis/redis-keys.js';

/** Keys the Redis store writes under `prefix`, for tests that look at Redis directly. */
export const claimKey = (prefix: string, job: string, occurrence: Date) =>
  new RedisKeys(prefix).occurrence(job, occurrence);
export const leaseKey = (prefix: string, job: string) => new RedisKeys(prefix).lease(job);
export const pendingKey = (prefix: string, job: string) => new RedisKeys(prefix).pending(job);
export const ledgerKey = (prefix: string, job: string) => new RedisKeys(prefix).ledger(job);
export const pausedKey = (prefix: string, job: string) => new RedisKeys(prefix).paused(job);
export const historyKey = (prefix: string, job: string) => new RedisKeys(prefix).history(job);
export const runStatusKey = (prefix: string, job: string) => new RedisKeys(prefix).runStatus(job);
