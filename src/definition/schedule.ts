/**
 * When a job's occurrences are: the instants its timer fires at and its claims are named by. Every instant the
 * library claims comes from a schedule, so all instances agree on an occurrence however late their timers fire.
 */
export interface Schedule {
  /** The cron expression, as given. */
  readonly expression: string;
  /** The zone the expression is read in; undefined: the process's. */
  readonly timeZone: string | undefined;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
  /** The latest occurrence at or before `at`: the one whose window `at` falls in. */
  occurrenceAt(at: Date): Date;
  /** Works out the occurrence after `after` (and the one after it) ahead of time; returns the first. */
  prepare(after: Date): Date;
  /** The shortest gap between consecutive occurrences among the next `ticks` after `from`, in ms. */
  shortestGap(from: Date, ticks: number): number;
}
