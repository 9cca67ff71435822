import { CoordinatedCronConfigurationError, describeLocation, type JobLocation } from '../../common/errors/index.js';

/**
 * A `@CoordinatedCron` / `@PerTenant` method that cannot become a job. Every message starts with
 * `Job "name" (Class.method)` and ends with the fix.
 */
export class JobDefinitionError extends CoordinatedCronConfigurationError {
  override readonly name = 'JobDefinitionError';

  private static at(where: JobLocation, text: string): JobDefinitionError {
    return new JobDefinitionError(`${describeLocation(where)}: ${text}`);
  }

  static invalidName(where: JobLocation): JobDefinitionError {
    return this.at(
      where,
      "@CoordinatedCron needs a non-empty string name as its first argument, e.g. @CoordinatedCron('nightly-cleanup', '0 3 * * *').",
    );
  }

  static nameWithWhitespace(where: JobLocation): JobDefinitionError {
    return this.at(
      where,
      "job names become lock keys, so they may not contain whitespace; use letters, digits, '-', '_', '.' or ':'.",
    );
  }

  static missingWindow(where: JobLocation): JobDefinitionError {
    return this.at(
      where,
      '@CoordinatedCron needs a window: a cron expression string or { cron, jitter?, timeZone?, lockTtl? }.',
    );
  }

  static invalidCron(where: JobLocation, cron: unknown, reason: string): JobDefinitionError {
    return this.at(
      where,
      `invalid cron expression ${JSON.stringify(cron)}: ${reason}. Use 5 fields (minute hour day-of-month month ` +
        "day-of-week) or 6 with seconds first, e.g. '0 3 * * *'.",
    );
  }

  static invalidDuration(where: JobLocation, field: string, value: unknown): JobDefinitionError {
    return this.at(
      where,
      `${field} ${JSON.stringify(value)} is not a duration. Give non-negative milliseconds or a string such as ` +
        "'90s', '15m' or '1h'.",
    );
  }

  static unknownOption(where: JobLocation, scope: string, key: string, known: readonly string[]): JobDefinitionError {
    return this.at(
      where,
      `${scope} has no option ${JSON.stringify(key)}. The options are: ${known.join(', ')}. Fix the spelling or ` +
        'remove it.',
    );
  }

  static wrongOptionType(
    where: JobLocation,
    scope: string,
    key: string,
    expected: string,
    value: unknown,
  ): JobDefinitionError {
    return this.at(where, `${scope} option ${key} must be ${expected}, got ${describeValue(value)}.`);
  }

  static invalidChoice(where: JobLocation, field: string, value: unknown): JobDefinitionError {
    const choices = field === 'catchup' ? "'none', 'latest' or 'all'" : "'resume' or 'none'";
    return this.at(where, `${field} ${JSON.stringify(value)} is not one of ${choices}.`);
  }

  static jitterTooLong(where: JobLocation, jitterMs: number, gapMs: number): JobDefinitionError {
    return this.at(
      where,
      `jitter ${jitterMs}ms is not shorter than the ${gapMs}ms between two ticks of its schedule, so windows would ` +
        `overlap. Shorten the jitter below ${gapMs}ms or make the schedule sparser.`,
    );
  }

  static duplicateName(where: JobLocation, first: JobLocation): JobDefinitionError {
    return this.at(
      where,
      `the job name is already used by ${first.className}.${first.methodName}. Job names are lock keys and must be ` +
        'unique in the application; rename one of them.',
    );
  }

  static requestScoped(where: JobLocation): JobDefinitionError {
    return this.at(
      where,
      '@CoordinatedCron is on a request-scoped (or transient-dependent) provider, which has no instance outside a ' +
        'request. Move the method to a singleton provider (the default scope).',
    );
  }

  static perTenantWithoutCron(where: JobLocation): JobDefinitionError {
    return this.at(
      where,
      '@PerTenant() needs @CoordinatedCron(name, window) on the same method; add it, or remove @PerTenant().',
    );
  }

  static perTenantWithoutSettings(where: JobLocation): JobDefinitionError {
    return this.at(
      where,
      '@PerTenant() needs a tenant settings provider. Pass tenantSettings: YourTenantSettings (a class implementing ' +
        'TenantSettingsProvider) to CoordinatedCronModule.forRoot / forRootAsync.',
    );
  }

  static handlerShape(where: JobLocation, perTenant: boolean, arity: number): JobDefinitionError {
    return this.at(
      where,
      perTenant
        ? `a @PerTenant() method is called as (tenantId, { signal, context }); it declares ${arity} parameters. ` +
            'Take at most those two.'
        : 'a @CoordinatedCron method is called with nothing or one { signal, context } argument; it declares ' +
            `${arity} parameters. Take at most that one (for per-tenant work add @PerTenant()).`,
    );
  }

  static invalidConcurrency(where: JobLocation, value: unknown): JobDefinitionError {
    return new JobDefinitionError(
      `${describeLocation(where)}: @PerTenant concurrency ${JSON.stringify(value)} must be a positive integer, e.g. 5.`,
    );
  }

  static invalidTenantTimeout(where: JobLocation, value: unknown): JobDefinitionError {
    return new JobDefinitionError(
      `${describeLocation(where)}: @PerTenant tenantTimeout ${JSON.stringify(value)} is not a duration. Give ` +
        "positive milliseconds or a string such as '30s'.",
    );
  }

  static resumeWithoutLease(where: JobLocation): JobDefinitionError {
    return this.at(
      where,
      "crashRecovery 'resume' needs a job-wide lease, which overlap 'allow' does not take: a crashed run could not " +
        "be told from a running one. Drop crashRecovery (it defaults to 'none' with overlap 'allow') or choose " +
        'another overlap policy.',
    );
  }

  static invalidAttempts(where: JobLocation, value: unknown): JobDefinitionError {
    return this.at(
      where,
      `retry.attempts ${describeValue(value)} must be a positive integer counting every call, the first included: ` +
        'e.g. { attempts: 3 } calls at most three times; 1 means no retry.',
    );
  }

  static backoffAboveMax(where: JobLocation, backoffMs: number, maxBackoffMs: number): JobDefinitionError {
    return this.at(
      where,
      `retry.backoff (${backoffMs}ms) is longer than retry.maxBackoff (${maxBackoffMs}ms). Raise maxBackoff or ` +
        'shorten backoff.',
    );
  }

  static invalidPauseOnFailure(where: JobLocation, value: unknown): JobDefinitionError {
    return this.at(
      where,
      `pauseOnFailure ${describeValue(value)} must be a positive integer: the failed runs in a row after which the ` +
        'job pauses itself, e.g. 3.',
    );
  }

  static schedulerNameTaken(where: JobLocation): JobDefinitionError {
    return this.at(
      where,
      "@nestjs/schedule's SchedulerRegistry already has a cron job of that name (an @Cron or addCronJob). Rename " +
        'one of them.',
    );
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
