import { CronSchedule } from './cron-schedule.js';
import { LocalTimeSchedule } from './local-time-schedule.js';
import { assertUniqueNames, buildJobDefinition, type DecoratedMethod } from './job-definition.factory.js';
import {
  CoordinatedCronConfigurationError,
  type CronWindowInput,
  type PerTenantOptions,
  type TenantSettingsProvider,
} from '../index.js';

class Settings implements TenantSettingsProvider {
  listTenants() {
    return ['a'];
  }
  isEnabled() {
    return true;
  }
}

const NOW = new Date('2026-01-10T12:00:00Z');
const WITH_SETTINGS = { concurrency: 5, tenantTimeout: undefined, tenantSettings: Settings };
const WITHOUT_SETTINGS = { concurrency: 5, tenantTimeout: undefined, tenantSettings: undefined };

function method(
  window: unknown,
  extra: { name?: unknown; perTenant?: PerTenantOptions; handler?: (...args: never[]) => unknown; cron?: false } = {},
): DecoratedMethod {
  return {
    className: 'ReportJobs',
    methodName: 'sendDigest',
    handler: (extra.handler ?? (() => undefined)) as (...args: unknown[]) => unknown,
    cron:
      extra.cron === false
        ? undefined
        : { name: (extra.name ?? 'digest') as string, window: window as CronWindowInput },
    perTenant: extra.perTenant,
  };
}

function bootError(
  found: DecoratedMethod,
  options: typeof WITH_SETTINGS | typeof WITHOUT_SETTINGS = WITH_SETTINGS,
): string {
  try {
    buildJobDefinition(found, options, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a boot error');
}

/** Every boot error must point at the code to fix: job name, class and method. */
function expectLocated(message: string, job = 'digest') {
  expect(message).toContain(`Job "${job}" (ReportJobs.sendDigest)`);
}

describe('buildJobDefinition', () => {
  it('builds a plain job from a bare cron string', () => {
    const handler = (run: unknown) => run;
    const job = buildJobDefinition(method('0 3 * * *', { handler }), WITHOUT_SETTINGS, NOW);
    expect(job).toMatchObject({
      name: 'digest',
      className: 'ReportJobs',
      methodName: 'sendDigest',
      cron: '0 3 * * *',
      timeZone: undefined,
      jitterMs: 0,
      lockTtlMs: undefined,
      perTenant: undefined,
    });
    expect(job.handler).toBe(handler);
    expect(job.schedule.next(new Date('2026-01-10T02:00:00Z')).getUTCHours()).toBe(3);
  });

  it('reads a window object with duration strings and a time zone', () => {
    const job = buildJobDefinition(
      method({ cron: '0 */2 * * *', jitter: '15m', timeZone: 'Europe/Berlin', lockTtl: '1h' }),
      WITHOUT_SETTINGS,
      NOW,
    );
    expect(job).toMatchObject({ jitterMs: 900_000, lockTtlMs: 3_600_000, timeZone: 'Europe/Berlin' });
    // 12:00Z is 13:00 in Berlin in January; the next even hour there is 14:00 = 13:00Z.
    expect(job.schedule.next(NOW).toISOString()).toBe('2026-01-10T13:00:00.000Z');
  });

  it('accepts jitter and lockTtl as plain milliseconds, and six-field expressions', () => {
    const job = buildJobDefinition(
      method({ cron: '*/30 * * * * *', jitter: 29_999, lockTtl: 1 }),
      WITHOUT_SETTINGS,
      NOW,
    );
    expect(job).toMatchObject({ jitterMs: 29_999, lockTtlMs: 1 });
  });

  describe('cron expression', () => {
    it.each([
      ['an unknown token', 'every day'],
      ['a minute out of range', '61 * * * *'],
      ['an impossible date', '0 0 31 2 *'],
      ['seven fields', '0 0 0 1 1 * 2026'],
      ['four fields', '0 3 * *'],
      ['an empty string', ''],
      ['only spaces', '   '],
    ])('rejects %s', (_label, cron) => {
      const message = bootError(method(cron));
      expectLocated(message);
      expect(message).toContain(`invalid cron expression ${JSON.stringify(cron)}`);
      expect(message).toContain('Use 5 fields');
    });

    it('says how many fields a seven-field expression has', () => {
      expect(bootError(method('* * * * * * *'))).toContain('has 7');
    });

    it('rejects an unknown time zone', () => {
      const message = bootError(method({ cron: '0 3 * * *', timeZone: 'Mars/Olympus_Mons' }));
      expectLocated(message);
      expect(message).toContain('"Mars/Olympus_Mons" is not an IANA time zone');
    });

    it('rejects a missing window', () => {
      const message = bootError(method(undefined));
      expectLocated(message);
      expect(message).toContain('@CoordinatedCron needs a window');
    });
  });

  describe('job name', () => {
    it.each([[''], ['   '], [undefined], [42]])('rejects %p and names class and method', (name) => {
      const found = method('0 3 * * *');
      found.cron!.name = name as string;
      const message = bootError(found);
      expect(message).toContain('(ReportJobs.sendDigest)');
      expect(message).toContain('needs a non-empty string name');
    });

    it('rejects whitespace inside a name', () => {
      const message = bootError(method('0 3 * * *', { name: 'nightly digest' }));
      expectLocated(message, 'nightly digest');
      expect(message).toContain('may not contain whitespace');
    });
  });

  describe('jitter and lockTtl', () => {
    it.each([
      ['jitter', 'soon'],
      ['jitter', -1],
      ['jitter', '-5s'],
      ['jitter', ''],
      ['jitter', Number.NaN],
      ['jitter', {}],
      ['lockTtl', 'forever'],
      ['lockTtl', -1000],
      ['lockTtl', '-1h'],
      ['lockTtl', 0],
    ])('rejects %s %p', (field, value) => {
      const message = bootError(method({ cron: '0 3 * * *', [field]: value }));
      expectLocated(message);
      expect(message).toContain(`${field} ${JSON.stringify(value)} is not a duration`);
      expect(message).toContain("such as '90s'");
    });

    it('rejects a jitter as long as the gap between ticks', () => {
      const message = bootError(method({ cron: '*/10 * * * * *', jitter: '10s' }));
      expectLocated(message);
      expect(message).toContain('jitter 10000ms is not shorter than the 10000ms between two ticks');
    });

    it('rejects a jitter longer than the shortest gap of an uneven schedule', () => {
      // Ticks at :00 and :05 of every hour: gaps of 5 and 55 minutes. A 10-minute window would overlap.
      const message = bootError(method({ cron: '0,5 * * * *', jitter: '10m' }));
      expectLocated(message);
      expect(message).toContain('jitter 600000ms is not shorter than the 300000ms');
    });

    it('accepts a jitter just below the gap', () => {
      expect(
        buildJobDefinition(method({ cron: '*/10 * * * * *', jitter: 9_999 }), WITHOUT_SETTINGS, NOW).jitterMs,
      ).toBe(9_999);
    });

    it('treats jitter 0 as no window at all', () => {
      expect(buildJobDefinition(method({ cron: '* * * * * *', jitter: 0 }), WITHOUT_SETTINGS, NOW).jitterMs).toBe(0);
    });
  });

  describe('handler arity', () => {
    it('rejects a plain job that declares two parameters', () => {
      const message = bootError(method('0 3 * * *', { handler: (_a: never, _b: never) => undefined }));
      expectLocated(message);
      expect(message).toContain('declares 2 parameters');
      expect(message).toContain('add @PerTenant()');
    });

    it('accepts up to two parameters on a per-tenant job and rejects three', () => {
      const two = method('0 3 * * *', { perTenant: {}, handler: (_t: never, _r: never) => undefined });
      expect(buildJobDefinition(two, WITH_SETTINGS, NOW).perTenant).toBeDefined();
      const message = bootError(
        method('0 3 * * *', { perTenant: {}, handler: (_t: never, _r: never, _x: never) => undefined }),
      );
      expectLocated(message);
      expect(message).toContain('called as (tenantId, { signal, context }); it declares 3 parameters');
    });
  });

  describe('options are checked', () => {
    it('an unknown window option names the job, the key and the options there are', () => {
      const message = bootError(method({ cron: '0 3 * * *', jiter: '1h' } as never));
      expectLocated(message);
      expect(message).toContain('@CoordinatedCron window has no option "jiter"');
      expect(message).toContain(
        'The options are: cron, jitter, timeZone, lockTtl, catchup, catchupWindow, crashRecovery, retry, overlap, ' +
          'pauseOnFailure',
      );
    });

    it('an unknown retry option, and an overlap policy that does not exist', () => {
      const unknown = bootError(method({ cron: '0 3 * * *', retry: { attempts: 3, backof: '1s' } } as never));
      expectLocated(unknown);
      expect(unknown).toContain('@CoordinatedCron window retry has no option "backof"');
      expect(unknown).toContain('attempts, backoff, maxBackoff');
      const overlap = bootError(method({ cron: '0 3 * * *', overlap: 'replace' } as never));
      expect(overlap).toContain(
        "option overlap must be one of 'skip', 'buffer-one', 'cancel-running', 'allow', got \"replace\"",
      );
    });
  });

  describe('failure policies', () => {
    it('no retry, overlap skip and no pause on failure unless asked', () => {
      const job = buildJobDefinition(method('0 3 * * *'), WITHOUT_SETTINGS, NOW);
      expect(job.retry).toEqual({ attempts: 1, backoffMs: 1_000, maxBackoffMs: 60_000 });
      expect(job.overlap).toBe('skip');
      expect(job.pauseOnFailure).toBeUndefined();
    });

    it('reads retry durations as numbers or strings', () => {
      const window = { cron: '0 3 * * *', retry: { attempts: 4, backoff: '2s', maxBackoff: 30_000 } };
      expect(buildJobDefinition(method(window), WITHOUT_SETTINGS, NOW).retry).toEqual({
        attempts: 4,
        backoffMs: 2_000,
        maxBackoffMs: 30_000,
      });
      const longBackoff = { cron: '0 3 * * *', retry: { attempts: 2, backoff: '5m' } };
      expect(buildJobDefinition(method(longBackoff), WITHOUT_SETTINGS, NOW).retry.maxBackoffMs).toBe(300_000);
    });

    it.each([0, -1, 1.5, '3', undefined])('rejects retry.attempts %p', (attempts) => {
      const message = bootError(method({ cron: '0 3 * * *', retry: { attempts } } as never));
      expectLocated(message);
      expect(message).toContain('retry.attempts');
      expect(message).toContain('1 means no retry');
    });

    it('rejects a backoff longer than maxBackoff, a bad duration and a retry that is not an object', () => {
      expect(
        bootError(method({ cron: '0 3 * * *', retry: { attempts: 2, backoff: '2m', maxBackoff: '1m' } })),
      ).toContain('retry.backoff (120000ms) is longer than retry.maxBackoff (60000ms)');
      expect(bootError(method({ cron: '0 3 * * *', retry: { attempts: 2, backoff: 'soon' } }))).toContain(
        'retry.backoff "soon" is not a duration',
      );
      expect(bootError(method({ cron: '0 3 * * *', retry: 3 } as never))).toContain(
        'option retry must be { attempts, backoff?, maxBackoff? }, got 3',
      );
    });

    it.each([0, -2, 2.5, '3'])('rejects pauseOnFailure %p', (pauseOnFailure) => {
      const message = bootError(method({ cron: '0 3 * * *', pauseOnFailure } as never));
      expectLocated(message);
      expect(message).toContain('pauseOnFailure');
      expect(message).toContain('positive integer');
    });

    it("overlap 'allow' takes no lease: a per-tenant job then defaults to no crash recovery, and refuses 'resume'", () => {
      const allow = buildJobDefinition(
        method({ cron: '0 3 * * *', overlap: 'allow' }, { perTenant: {} }),
        WITH_SETTINGS,
        NOW,
      );
      expect(allow.crashRecovery).toBe('none');
      const message = bootError(method({ cron: '0 3 * * *', overlap: 'allow', crashRecovery: 'resume' }));
      expectLocated(message);
      expect(message).toContain("crashRecovery 'resume' needs a job-wide lease");
    });

    it('an unknown @PerTenant() option, and one of the wrong type', () => {
      const unknown = bootError(method('0 3 * * *', { perTenant: { concurency: 3 } as never }));
      expectLocated(unknown);
      expect(unknown).toContain('@PerTenant() has no option "concurency"');
      expect(unknown).toContain('concurrency, tenantTimeout, localTime');
      const wrongType = bootError(method('0 3 * * *', { perTenant: { localTime: 'yes' } as never }));
      expect(wrongType).toContain('@PerTenant() option localTime must be true or false, got "yes"');
    });
  });

  describe('per-tenant rules', () => {
    it('takes concurrency and tenantTimeout from the module unless the decorator overrides them', () => {
      const options = { concurrency: 9, tenantTimeout: 4_000, tenantSettings: Settings };
      expect(buildJobDefinition(method('0 3 * * *', { perTenant: {} }), options, NOW).perTenant).toEqual({
        concurrency: 9,
        tenantTimeoutMs: 4_000,
        localTime: false,
      });
      expect(
        buildJobDefinition(method('0 3 * * *', { perTenant: { concurrency: 2, tenantTimeout: '90s' } }), options, NOW)
          .perTenant,
      ).toEqual({ concurrency: 2, tenantTimeoutMs: 90_000, localTime: false });
    });

    it('reads the cron in every zone for a local-time job, with the window zone for tenants that name none', () => {
      const job = buildJobDefinition(
        method({ cron: '0 9 * * *', timeZone: 'Europe/Berlin' }, { perTenant: { localTime: true } }),
        WITH_SETTINGS,
        NOW,
      );
      expect(job.perTenant?.localTime).toBe(true);
      expect(job.schedule).toBeInstanceOf(LocalTimeSchedule);
      expect(job.schedule.timeZone).toBe('Europe/Berlin');
      expect(buildJobDefinition(method('0 9 * * *', { perTenant: {} }), WITH_SETTINGS, NOW).schedule).toBeInstanceOf(
        CronSchedule,
      );
    });

    it('has no tenant time limit unless one is configured', () => {
      expect(buildJobDefinition(method('0 3 * * *', { perTenant: {} }), WITH_SETTINGS, NOW).perTenant).toEqual({
        concurrency: 5,
        tenantTimeoutMs: undefined,
        localTime: false,
      });
    });

    it('rejects @PerTenant without @CoordinatedCron, naming class and method', () => {
      const message = bootError(method(undefined, { cron: false, perTenant: {} }));
      expect(message).toContain('(ReportJobs.sendDigest)');
      expect(message).toContain('@PerTenant() needs @CoordinatedCron(name, window) on the same method');
    });

    it('rejects @PerTenant when no tenantSettings provider is configured', () => {
      const message = bootError(method('0 3 * * *', { perTenant: {} }), WITHOUT_SETTINGS);
      expectLocated(message);
      expect(message).toContain('Pass tenantSettings');
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3'])(
      'rejects decorator concurrency %p',
      (concurrency) => {
        const message = bootError(method('0 3 * * *', { perTenant: { concurrency: concurrency as number } }));
        expectLocated(message);
        expect(message).toContain(`@PerTenant concurrency ${JSON.stringify(concurrency)} must be a positive integer`);
      },
    );

    it.each(['soon', '', 0, -10, '-1s', true])('rejects decorator tenantTimeout %p', (tenantTimeout) => {
      const message = bootError(method('0 3 * * *', { perTenant: { tenantTimeout: tenantTimeout as string } }));
      expectLocated(message);
      expect(message).toContain(`@PerTenant tenantTimeout ${JSON.stringify(tenantTimeout)} is not a duration`);
    });
  });
});

describe('assertUniqueNames', () => {
  const job = (className: string, methodName: string, name: string) =>
    buildJobDefinition(
      { className, methodName, handler: () => undefined, cron: { name, window: '0 3 * * *' } },
      WITHOUT_SETTINGS,
      NOW,
    );

  it('accepts distinct names', () => {
    expect(() => assertUniqueNames([job('A', 'one', 'x'), job('A', 'two', 'y'), job('B', 'one', 'z')])).not.toThrow();
  });

  it('names both places that use the same name', () => {
    let message = '';
    try {
      assertUniqueNames([job('Billing', 'charge', 'x'), job('A', 'two', 'y'), job('Reports', 'send', 'x')]);
    } catch (error) {
      expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
      message = (error as Error).message;
    }
    expect(message).toContain('Job "x" (Reports.send)');
    expect(message).toContain('already used by Billing.charge');
    expect(message).toContain('must be unique');
  });
});
