import { type Type } from '@nestjs/common';
import { hostname } from 'node:os';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_KEY_PREFIX,
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from '../common/constants.js';
import { ModuleOptionsError } from './errors/module-options.error.js';
import {
  type CoordinatedCronModuleOptions,
  type CronContextValue,
  type LockFailurePolicy,
  type LockStore,
  type PostgresPool,
  type RedisConnection,
  type TenantSettingsProvider,
} from '../interfaces/index.js';
import { parseDuration } from '../common/duration.js';
import { DEFAULT_POSTGRES_SCHEMA, isPostgresSchemaName } from '../common/postgres-schema-name.js';

/** Module options after validation, with every default filled in. */
export interface ResolvedCoordinatedCronOptions {
  keyPrefix: string;
  jitter: boolean;
  lockFailure: LockFailurePolicy;
  lockTimeout: number;
  leaseTtl: number;
  shutdownTimeout: number;
  instanceId: string;
  lockStore?: LockStore;
  redis?: RedisConnection;
  postgres?: ResolvedPostgresOptions;
  onError?: (error: unknown, context: CronContextValue) => void;
  concurrency: number;
  tenantSettings?: Type<TenantSettingsProvider>;
  tenantTimeout?: number;
  historySize: number;
  traceTenants: boolean;
  scheduling: boolean;
}

/** The `postgres` option in its long form, with its defaults filled in. */
export interface ResolvedPostgresOptions {
  pool: PostgresPool;
  schema: string;
  migrate: boolean;
}

const POSTGRES_EXPECTED = "a node-postgres Pool (new Pool(...) from 'pg') or { pool, schema?, migrate? }";

function isPool(value: unknown): value is PostgresPool {
  const pool = value as Partial<PostgresPool> | null | undefined;
  return typeof pool?.connect === 'function' && typeof pool.on === 'function';
}

/** The `postgres` option, validated; `undefined` when it is not given. */
function resolvePostgres(value: unknown): ResolvedPostgresOptions | undefined {
  if (value === undefined) return undefined;
  if (isPool(value)) return { pool: value, schema: DEFAULT_POSTGRES_SCHEMA, migrate: true };
  if (typeof value !== 'object' || value === null || !('pool' in value))
    fail('postgres', '[object]', POSTGRES_EXPECTED);
  const { pool, schema = DEFAULT_POSTGRES_SCHEMA, migrate = true } = value as Record<string, unknown>;
  if (!isPool(pool)) fail('postgres.pool', '[object]', "a node-postgres Pool (new Pool(...) from 'pg')");
  if (!isPostgresSchemaName(schema)) {
    fail('postgres.schema', schema, 'a plain lower-case identifier (letters, digits and _), e.g. "coordinated_cron"');
  }
  if (typeof migrate !== 'boolean') fail('postgres.migrate', migrate, 'true or false');
  return { pool, schema, migrate };
}

function fail(name: string, value: unknown, expected: string): never {
  throw ModuleOptionsError.invalid(name, value, expected);
}

function nonNegativeMs(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(name, value, 'a non-negative number of milliseconds');
  }
  return value;
}

function positiveMs(name: string, value: unknown, fallback: number): number {
  const ms = nonNegativeMs(name, value, fallback);
  if (ms === 0) fail(name, value, 'a positive number of milliseconds');
  return ms;
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** A per-tenant time limit: positive ms or a duration string; `undefined` means none. Throws on anything else. */
export function parseTenantTimeout(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' && typeof value !== 'string') return null;
  const ms = parseDuration(value);
  return ms === undefined || ms === 0 ? null : ms;
}

/**
 * Validates user options and fills in defaults. Throws `CoordinatedCronConfigurationError` naming the option.
 */
export function resolveModuleOptions(
  options: CoordinatedCronModuleOptions | undefined | null,
): ResolvedCoordinatedCronOptions {
  const input: CoordinatedCronModuleOptions = options ?? {};
  if (typeof input !== 'object') fail('object', input, 'an options object');

  const keyPrefix = input.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== 'string' || keyPrefix === '' || /\s/.test(keyPrefix)) {
    fail('keyPrefix', keyPrefix, 'a non-empty string without whitespace');
  }
  const jitter = input.jitter ?? true;
  if (typeof jitter !== 'boolean') fail('jitter', jitter, 'true or false');
  const lockFailure = input.lockFailure ?? 'skip';
  if (lockFailure !== 'skip' && lockFailure !== 'run') fail('lockFailure', lockFailure, "'skip' or 'run'");
  const instanceId = input.instanceId ?? `${hostname()}:${process.pid}`;
  if (typeof instanceId !== 'string' || instanceId === '') fail('instanceId', instanceId, 'a non-empty string');
  if (input.onError !== undefined && typeof input.onError !== 'function') {
    fail('onError', input.onError, 'a function (error, context) => void');
  }
  if (input.redis !== undefined && (typeof input.redis !== 'object' || input.redis === null)) {
    fail('redis', input.redis, 'a node-redis client, a @keyv/redis adapter or a Keyv around one');
  }
  const postgres = resolvePostgres(input.postgres);
  if (postgres && input.redis !== undefined) throw ModuleOptionsError.twoStores();
  if (input.lockStore !== undefined && !isLockStore(input.lockStore)) {
    fail('lockStore', '[object]', `an object with ${LOCK_STORE_METHODS.join(', ')} methods`);
  }
  const concurrency = input.concurrency ?? DEFAULT_CONCURRENCY;
  if (!isPositiveInteger(concurrency)) {
    throw ModuleOptionsError.invalidConcurrency(concurrency);
  }
  if (input.tenantSettings !== undefined && typeof input.tenantSettings !== 'function') {
    fail('tenantSettings', String(input.tenantSettings), 'a provider class implementing TenantSettingsProvider');
  }
  const tenantTimeout = parseTenantTimeout(input.tenantTimeout);
  if (tenantTimeout === null) {
    throw ModuleOptionsError.invalidTenantTimeout(input.tenantTimeout);
  }

  const historySize = input.historySize ?? DEFAULT_HISTORY_SIZE;
  if (typeof historySize !== 'number' || !Number.isInteger(historySize) || historySize < 0 || historySize > 10_000) {
    fail('historySize', historySize, 'an integer from 0 to 10000');
  }
  const traceTenants = input.traceTenants ?? false;
  if (typeof traceTenants !== 'boolean') fail('traceTenants', traceTenants, 'true or false');
  const scheduling = input.scheduling ?? true;
  if (typeof scheduling !== 'boolean') fail('scheduling', scheduling, 'true or false');

  return {
    historySize,
    traceTenants,
    scheduling,
    keyPrefix,
    jitter,
    lockFailure,
    lockTimeout: positiveMs('lockTimeout', input.lockTimeout, DEFAULT_LOCK_TIMEOUT_MS),
    leaseTtl: positiveMs('leaseTtl', input.leaseTtl, DEFAULT_LEASE_TTL_MS),
    shutdownTimeout: nonNegativeMs('shutdownTimeout', input.shutdownTimeout, DEFAULT_SHUTDOWN_TIMEOUT_MS),
    instanceId,
    lockStore: input.lockStore,
    redis: input.redis,
    postgres,
    onError: input.onError,
    concurrency,
    tenantSettings: input.tenantSettings,
    tenantTimeout,
  };
}

const LOCK_STORE_METHODS = [
  'claim',
  'abandon',
  'takeOver',
  'renewLease',
  'releaseLease',
  'finish',
  'readLedger',
  'readLease',
  'ping',
  'addProgress',
  'readProgress',
  'readPending',
  'writePending',
  'pause',
  'unpause',
  'readPause',
  'appendHistory',
  'readHistory',
  'writeRunStatus',
  'readRunStatus',
] as const;

function isLockStore(value: unknown): value is LockStore {
  const store = value as Partial<LockStore> | null;
  return typeof store === 'object' && store !== null && LOCK_STORE_METHODS.every((m) => typeof store[m] === 'function');
}
