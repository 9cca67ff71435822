/**
 * The occurrences the bench triggers by hand. They lie in the past: a run waits until its occurrence is due by the
 * store's clock, and `trigger()` refuses one more than a minute ahead of the instance's clock. A minute apart, on a
 * date none of the figures' schedules ever ticks at while the bench runs; every figure has a key prefix of its own, so
 * two figures may use the same instants.
 */
const BASE_MS = Date.UTC(2020, 0, 1);

/** The `serial`-th occurrence of a figure (0, 1, 2, ...). */
export function pastOccurrence(serial: number): Date {
  return new Date(BASE_MS + serial * 60_000);
}

/**
 * The `serial`-th occurrence of a figure whose runs retry failed tenants, a minute apart from 2 January of this year.
 * A run's retries stop where the job's next window opens, and on the never-due schedule (1 January) that is long
 * past for an occurrence of 2020: its failed tenants would never be called again. After these it is the next
 * 1 January, still ahead. On 1 January itself they lie ahead of the clock and trigger() refuses them: the figure
 * fails rather than measure a run with no time to retry.
 */
export function retryableOccurrence(serial: number): Date {
  return new Date(Date.UTC(new Date().getUTCFullYear(), 0, 2) + serial * 60_000);
}
