/** `trigger`, `pause`, `resume`, `describe` or `backfill` named a job that is not registered. */
export class UnknownJobError extends Error {
  override readonly name = 'UnknownJobError';

  constructor(
    readonly jobName: string,
    known: readonly string[],
  ) {
    super(`no coordinated cron job named "${jobName}"; known jobs: ${known.join(', ') || '(none)'}`);
  }
}

/** An argument of a runner call is unusable (a bad date, an `until` in the past, a reversed range). */
export class InvalidJobCommandError extends TypeError {
  override readonly name = 'InvalidJobCommandError';
}
