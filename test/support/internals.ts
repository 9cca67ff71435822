/**
 * The one door from the tests into the library's internal modules. Tests use the public API
 * (`../../src/index.js`) wherever they can; what they cannot reach through it is re-exported here, so a change of
 * the src/ layout is fixed in this file alone.
 */
export { resolveModuleOptions } from '../../src/coordinated-cron.options.js';
export { assertUniqueNames, buildJobDefinition, type DecoratedMethod } from '../../src/discovery/job-definition.factory.js';
export { OccurrenceExecutor } from '../../src/execution/occurrence.executor.js';
export { ShutdownCoordinator } from '../../src/execution/shutdown.coordinator.js';
export { runPool } from '../../src/execution/tenant-pool.js';
export { BoundedLockStore } from '../../src/locking/bounded-lock-store.js';
export { claimKey, leaseKey, pendingKey } from '../../src/locking/lock-keys.js';
export { CoordinatedCronJob } from '../../src/scheduling/coordinated-cron.job.js';
export { claimTtlUntilNextWindow, CronSchedule, randomDelay } from '../../src/scheduling/cron-schedule.js';
export { shuffleInPlace } from '../../src/utils/shuffle.js';
