import { hostname } from 'node:os';
import { resolveModuleOptions } from './module-options.js';
import {
  CoordinatedCronConfigurationError,
  type CoordinatedCronModuleOptions,
  type LockStore,
  MemoryLockStore,
  type TenantSettingsProvider,
} from '../index.js';

class Settings implements TenantSettingsProvider {
  listTenants() {
    return [];
  }
  isEnabled() {
    return true;
  }
}

/** Resolves options typed loosely on purpose: callers in plain JS (or from a config file) pass anything. */
const resolveLoose = (options: unknown) => () => resolveModuleOptions(options as CoordinatedCronModuleOptions);

function configError(options: unknown): CoordinatedCronConfigurationError {
  try {
    resolveLoose(options)();
  } catch (error) {
    expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
    return error as CoordinatedCronConfigurationError;
  }
  throw new Error(`expected ${JSON.stringify(options)} to be rejected`);
}

describe('resolveModuleOptions', () => {
  it('fills in every default', () => {
    expect(resolveModuleOptions(undefined)).toEqual({
      keyPrefix: 'coordinated-cron',
      jitter: true,
      lockFailure: 'skip',
      lockTimeout: 2000,
      leaseTtl: 30000,
      shutdownTimeout: 10000,
      instanceId: `${hostname()}:${process.pid}`,
      lockStore: undefined,
      onError: undefined,
      concurrency: 5,
      tenantSettings: undefined,
      tenantTimeout: undefined,
      historySize: 50,
      traceTenants: false,
      scheduling: true,
    });
    expect(resolveModuleOptions({})).toEqual(resolveModuleOptions(null));
  });

  it('keeps every valid value it is given', () => {
    const lockStore: LockStore = new MemoryLockStore();
    const onError = () => undefined;
    const given = {
      keyPrefix: 'app:cron',
      jitter: false,
      lockFailure: 'run' as const,
      lockTimeout: 250,
      leaseTtl: 5000,
      shutdownTimeout: 0,
      instanceId: 'node-a',
      lockStore,
      onError,
      concurrency: 12,
      tenantSettings: Settings,
      historySize: 0,
      traceTenants: true,
      scheduling: false,
    };
    expect(resolveModuleOptions({ ...given, tenantTimeout: '30s' })).toEqual({ ...given, tenantTimeout: 30000 });
  });

  it('accepts tenantTimeout as milliseconds', () => {
    expect(resolveModuleOptions({ tenantTimeout: 1500 }).tenantTimeout).toBe(1500);
    expect(resolveModuleOptions({ tenantTimeout: '2m' }).tenantTimeout).toBe(120000);
  });

  it.each([
    ['historySize', -1],
    ['historySize', 1.5],
    ['historySize', '50'],
    ['traceTenants', 'yes'],
    ['scheduling', 'off'],
    ['keyPrefix', ''],
    ['keyPrefix', 'has space'],
    ['keyPrefix', 42],
    ['jitter', 'no'],
    ['jitter', 0],
    ['lockFailure', 'retry'],
    ['lockFailure', true],
    ['lockTimeout', -1],
    ['lockTimeout', 0],
    ['lockTimeout', '2s'],
    ['lockTimeout', Number.NaN],
    ['lockTimeout', Number.POSITIVE_INFINITY],
    ['leaseTtl', 0],
    ['leaseTtl', -100],
    ['shutdownTimeout', -1],
    ['shutdownTimeout', '10s'],
    ['instanceId', ''],
    ['instanceId', 7],
    ['onError', 'report'],
    ['lockStore', { acquire: () => true }],
    ['tenantSettings', 'TenantSettings'],
  ])('rejects %s = %p and names the option', (name, value) => {
    const error = configError({ [name]: value });
    expect(error.message.startsWith(`CoordinatedCronModule option ${name} `)).toBe(true);
    expect(error.message).toContain('is invalid: expected ');
    // The offending value is echoed so a config typo can be spotted; objects and classes are not serialisable.
    if (typeof value !== 'object') expect(error.message).toContain(`${name} ${JSON.stringify(value)} is invalid`);
  });

  it.each([0, -1, 1.5, Number.NaN, '5'])('rejects concurrency %p with a fix hint', (value) => {
    const error = configError({ concurrency: value });
    expect(error.message).toBe(
      `CoordinatedCronModule option concurrency ${JSON.stringify(value)} must be a positive integer, e.g. 5.`,
    );
  });

  it.each(['soon', '', -5, 0, '-3s', true, {}])('rejects tenantTimeout %p', (value) => {
    const error = configError({ tenantTimeout: value });
    expect(error.message).toContain('CoordinatedCronModule option tenantTimeout');
    expect(error.message).toContain('is not a duration');
    expect(error.message).toContain(JSON.stringify(value));
  });

  it('rejects options that are not an object', () => {
    expect(configError('fast').message).toContain('is invalid: expected an options object');
  });

  it('names the first bad option even when others are fine', () => {
    const error = configError({ keyPrefix: 'ok', jitter: false, lockFailure: 'sometimes' });
    expect(error.message).toContain(`lockFailure "sometimes"`);
    expect(error.message).toContain(`'skip' or 'run'`);
  });

  describe('postgres', () => {
    const pool = { connect: async () => ({}), on: () => undefined };

    it('takes a pool as is, or { pool, schema, migrate }, and fills in the schema and migrate', () => {
      expect(resolveLoose({ postgres: pool })().postgres).toEqual({ pool, schema: 'coordinated_cron', migrate: true });
      expect(resolveLoose({ postgres: { pool } })().postgres).toEqual({
        pool,
        schema: 'coordinated_cron',
        migrate: true,
      });
      expect(resolveLoose({ postgres: { pool, schema: 'jobs_2', migrate: false } })().postgres).toEqual({
        pool,
        schema: 'jobs_2',
        migrate: false,
      });
    });

    it.each([
      ['postgres', 'postgres://localhost/app', 'a node-postgres Pool'],
      ['postgres', { connectionString: 'postgres://localhost/app' }, 'a node-postgres Pool'],
      ['postgres.pool', { pool: { query: () => undefined } }, 'a node-postgres Pool'],
      ['postgres.schema', { pool, schema: 'Cron-Jobs' }, 'a plain lower-case identifier'],
      ['postgres.migrate', { pool, migrate: 'yes' }, 'true or false'],
    ])('rejects a %s of the wrong shape and says what fits', (name, value, expected) => {
      const error = configError({ postgres: value });
      expect(error.message.startsWith(`CoordinatedCronModule option ${name} `)).toBe(true);
      expect(error.message).toContain(expected);
    });

    it('refuses redis and postgres together: the locks live in one store', () => {
      const error = configError({ postgres: pool, redis: { isReady: true } });
      expect(error.message).toContain('redis and postgres are both set');
      expect(error.message).toContain('Choose one');
    });
  });
});
