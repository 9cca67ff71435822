/** Metadata key written by `@CoordinatedCron`. Public so tools can read a method's job definition. */
export const COORDINATED_CRON_METADATA = 'coordinated-cron:job';
/** Metadata key written by `@PerTenant`. */
export const PER_TENANT_METADATA = 'coordinated-cron:per-tenant';

/** Injection token of the resolved (validated, defaulted) module options. */
export const COORDINATED_CRON_RESOLVED_OPTIONS = Symbol.for('coordinated-cron:resolved-options');

/** Key of the job identity in the nestjs-cls store. */
export const CRON_CONTEXT_CLS_KEY = 'coordinated-cron:context';

/** Logger context of every line the library writes. */
export const LOGGER_CONTEXT = 'CoordinatedCron';

export const DEFAULT_KEY_PREFIX = 'coordinated-cron';
export const DEFAULT_LOCK_TIMEOUT_MS = 2_000;
export const DEFAULT_LEASE_TTL_MS = 30_000;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
export const DEFAULT_CONCURRENCY = 5;
/** How many upcoming ticks are inspected to find a schedule's shortest gap (jitter must fit inside it). */
export const GAP_SAMPLE_TICKS = 24;
/** Run reports kept per job for `describe()`. */
export const DEFAULT_HISTORY_SIZE = 50;
/** A running `@PerTenant()` run writes its progress at most this often (and at least every 2 s while it changes). */
export const PROGRESS_INTERVAL_MS = 1_000;
/** Upper bound on the ticks one `backfill` call runs, so a mistyped range cannot start a run of years. */
export const MAX_BACKFILL_TICKS = 1_000;
