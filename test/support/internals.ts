/**
 * The one door from the tests into the library's internal modules. Tests use the public API
 * (`../../src/index.js`) wherever they can; what they cannot reach through it is re-exported here, so a change of
 * the src/ layout is fixed in this file alone.
 */
export { runPool } from '../../src/common/run-pool.js';
export { claimKey, leaseKey, pendingKey } from '../../src/coordination/lock-keys.js';
export { claimTtlUntilNextWindow, CronSchedule, randomDelay } from '../../src/definition/cron-schedule.js';
export {
  assertUniqueNames,
  buildJobDefinition,
  type DecoratedMethod,
} from '../../src/definition/job-definition.factory.js';
export { OccurrenceExecutor } from '../../src/execution/occurrence.executor.js';
export { ShutdownCoordinator } from '../../src/execution/shutdown.coordinator.js';
export { resolveModuleOptions } from '../../src/options/module-options.js';
export { CoordinatedCronJob } from '../../src/scheduling/coordinated-cron.job.js';
export { BoundedLockStore } from '../../src/store/bounded-lock-store.js';
