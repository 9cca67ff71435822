export { CoordinatedCronModule } from './coordinated-cron.module.js';
export { COORDINATED_CRON_METADATA, PER_TENANT_METADATA } from './common/constants.js';
export { CoordinatedCron } from './decorators/coordinated-cron.decorator.js';
export { PerTenant } from './decorators/per-tenant.decorator.js';
export { CronContext } from './context/cron-context.js';
export { CoordinatedCronRunner } from './execution/coordinated-cron.runner.js';
export type { CoordinatedCronJobInfo } from './execution/coordinated-cron.runner.js';
export type { PauseOptions, RescheduleOptions } from './execution/job-commands.js';
export { MemoryLockStore, type MemoryLockStoreOptions } from './store/memory/memory-lock.store.js';
export { RedisLockStore, type RedisLockStoreOptions } from './store/redis/redis-lock.store.js';
export { PostgresLockStore, type PostgresLockStoreOptions } from './store/postgres/postgres-lock.store.js';
export { postgresSchemaSql } from './store/postgres/postgres-schema.js';
export { PostgresSchemaError } from './store/postgres/postgres-schema.error.js';
export {
  CoordinatedCronConfigurationError,
  LockStoreError,
  MissingImportError,
  TenantTimeoutError,
} from './common/errors/index.js';
export { JobDefinitionError } from './definition/errors/job-definition.error.js';
export { InvalidJobCommandError, UnknownJobError } from './execution/errors/job-control.errors.js';
export { TenantSettingsUnavailableError } from './execution/errors/tenant-settings-unavailable.error.js';
export { RunReplacedError } from './execution/errors/run-replaced.error.js';
export { ModuleOptionsError } from './options/errors/module-options.error.js';
export * from './interfaces/index.js';
export { CoordinatedCronAdminModule } from './admin/coordinated-cron-admin.module.js';
export type { CoordinatedCronAdminOptions } from './admin/coordinated-cron-admin.module.js';
