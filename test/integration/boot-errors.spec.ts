import { Injectable, Scope } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import {
  CoordinatedCron,
  CoordinatedCronConfigurationError,
  type CoordinatedCronModuleOptions,
} from '../../src/index.js';
import { createTestApp, type TestAppOptions } from '../support/app.js';

/** Boots an app and returns the error its boot failed with (creation or init), or fails the test. */
async function bootError(spec: Partial<TestAppOptions> & Pick<TestAppOptions, 'providers'>): Promise<Error> {
  let created: Awaited<ReturnType<typeof createTestApp>> | undefined;
  try {
    created = await createTestApp({ cache: 'none', ...spec });
    await created.app.init();
  } catch (error) {
    return error as Error;
  } finally {
    await created?.app.close().catch(() => undefined);
  }
  throw new Error('boot succeeded but an error was expected');
}

function jobWith(window: unknown, name = 'bad-job') {
  @Injectable()
  class BadJobs {
    @CoordinatedCron(name, window as string)
    run() {}
  }
  return BadJobs;
}

describe('boot errors name the class, method and job, and the fix', () => {
  it.each([
    [
      'an invalid cron expression',
      'not a cron',
      /Job "bad-job" \(BadJobs\.run\): invalid cron expression "not a cron".*5 fields/,
    ],
    ['a cron expression with 7 fields', '0 0 0 1 1 1 2026', /invalid cron expression.*5 or 6 fields/],
    ['an out-of-range field', '61 * * * *', /invalid cron expression "61 \* \* \* \*"/],
    [
      'syntax the scheduler cannot run',
      '0 0 L * *',
      /invalid cron expression "0 0 L \* \*".*cron package cannot run it/,
    ],
    ['an unknown alias', '@fortnightly', /Job "bad-job" \(BadJobs\.run\): invalid cron expression "@fortnightly"/],
    [
      'an unknown time zone',
      { cron: '0 3 * * *', timeZone: 'Mars/Olympus' },
      /"Mars\/Olympus" is not an IANA time zone/,
    ],
    ['an unparseable jitter', { cron: '0 3 * * *', jitter: 'soon' }, /jitter "soon" is not a duration.*'90s'/],
    ['a negative jitter', { cron: '0 3 * * *', jitter: -5 }, /jitter -5 is not a duration/],
    ['an unparseable lockTtl', { cron: '0 3 * * *', lockTtl: 'forever' }, /lockTtl "forever" is not a duration/],
    ['a negative lockTtl', { cron: '0 3 * * *', lockTtl: '-1m' }, /lockTtl "-1m" is not a duration/],
    [
      'a jitter longer than the gap',
      { cron: '*/10 * * * * *', jitter: '15s' },
      /jitter 15000ms is not shorter than the 10000ms between two ticks/,
    ],
    [
      'a jitter equal to the gap',
      { cron: '0 * * * *', jitter: '1h' },
      /jitter 3600000ms is not shorter than the 3600000ms/,
    ],
    ['no window', undefined, /needs a window/],
  ])('%s', async (_label, window, pattern) => {
    const error = await bootError({ providers: [jobWith(window)] });
    expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
    expect(error.message).toMatch(pattern);
    expect(error.message).toContain('BadJobs.run');
  });

  it('an empty job name', async () => {
    const error = await bootError({ providers: [jobWith('0 3 * * *', '')] });
    expect(error.message).toMatch(/\(BadJobs\.run\): @CoordinatedCron needs a non-empty string name/);
  });

  it('a duplicate job name names both places', async () => {
    @Injectable()
    class First {
      @CoordinatedCron('same-name', '0 3 * * *')
      one() {}
    }
    @Injectable()
    class Second {
      @CoordinatedCron('same-name', '0 4 * * *')
      two() {}
    }
    const error = await bootError({ providers: [First, Second] });
    expect(error.message).toMatch(
      /Job "same-name" \(Second\.two\): the job name is already used by First\.one.*rename/,
    );
  });

  it('a name already taken by a plain @Cron in SchedulerRegistry', async () => {
    @Injectable()
    class Mixed {
      @Cron('0 3 * * *', { name: 'taken' })
      plain() {}
      @CoordinatedCron('taken', '0 4 * * *')
      coordinated() {}
    }
    const error = await bootError({ providers: [Mixed] });
    expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
    // The README: every boot error names the class, method and job, and says how to fix it.
    expect(error.message).toBe(
      `Job "taken" (Mixed.coordinated): @nestjs/schedule's SchedulerRegistry already has a cron job of that name ` +
        `(an @Cron or addCronJob). Rename one of them.`,
    );
  });

  it('the decorator on a request-scoped provider', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @CoordinatedCron('scoped', '0 3 * * *')
      run() {}
    }
    const error = await bootError({ providers: [PerRequest] });
    expect(error.message).toMatch(
      /Job "scoped" \(PerRequest\.run\): @CoordinatedCron is on a request-scoped.*singleton/,
    );
  });

  it('a handler with the wrong shape', async () => {
    @Injectable()
    class Shapes {
      @CoordinatedCron('two-args', '0 3 * * *')
      run(_a: unknown, _b: unknown) {}
    }
    const error = await bootError({ providers: [Shapes] });
    expect(error.message).toMatch(/Job "two-args" \(Shapes\.run\): .*declares 2 parameters.*at most that one/);
  });

  it('a missing ScheduleModule import', async () => {
    const error = await bootError({ providers: [jobWith('0 3 * * *')], withSchedule: false });
    expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
    expect(error.message).toMatch(/add ScheduleModule\.forRoot\(\) to the imports/);
  });

  it('a missing ClsModule import', async () => {
    const error = await bootError({ providers: [jobWith('0 3 * * *')], withCls: false });
    expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
    expect(error.message).toMatch(/add ClsModule\.forRoot\(\{ global: true \}\) to the imports/);
  });

  it.each([
    ['a negative lockTimeout', { lockTimeout: -1 }, /lockTimeout -1 is invalid: expected a non-negative number/],
    ['a zero lockTimeout', { lockTimeout: 0 }, /lockTimeout 0 is invalid: expected a positive number/],
    ['an unknown lockFailure', { lockFailure: 'retry' }, /lockFailure "retry" is invalid: expected 'skip' or 'run'/],
    ['a non-boolean jitter', { jitter: 'yes' }, /jitter "yes" is invalid: expected true or false/],
    ['a negative shutdownTimeout', { shutdownTimeout: -10 }, /shutdownTimeout -10 is invalid/],
    ['an empty keyPrefix', { keyPrefix: '' }, /keyPrefix "" is invalid/],
    [
      'a lockStore without methods',
      { lockStore: {} },
      /lockStore .* is invalid: expected an object with claim, abandon, takeOver/,
    ],
  ])('%s', async (_label, options, pattern) => {
    const error = await bootError({ providers: [], options: options as unknown as CoordinatedCronModuleOptions });
    expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
    expect(error.message).toMatch(pattern);
  });
});
