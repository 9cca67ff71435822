import { type TenantRunSummary } from '../../interfaces/index.js';

/** Most ids a report or a log line lists per kind; the counts always cover every tenant. */
export const MAX_LISTED_IDS = 10_000;

/**
 * A summary whose id lists fit a report: unchanged up to `cap` ids per list; above it each list keeps its first `cap`
 * entries and `counts` says how many there were, so a million-tenant run still reports exact numbers without
 * carrying a million ids through every consumer of the report.
 */
export function capTenantSummary(summary: TenantRunSummary, cap: number = MAX_LISTED_IDS): TenantRunSummary {
  const { succeeded, failed, disabled, unprocessed, paused, retried } = summary;
  // A summary that already has counts was capped while it was made (the fan-out stops listing successes at the cap).
  const longest = Math.max(
    succeeded.length,
    failed.length,
    disabled.length,
    unprocessed.length,
    paused.length,
    retried.length,
  );
  if (!summary.counts && longest <= cap) return summary;
  return {
    total: summary.total,
    succeeded: succeeded.slice(0, cap),
    failed: failed.slice(0, cap),
    disabled: disabled.slice(0, cap),
    unprocessed: unprocessed.slice(0, cap),
    paused: paused.slice(0, cap),
    retried: retried.slice(0, cap),
    counts: tenantCounts(summary),
  };
}

/** How many tenants ended each way, whether or not the lists were capped. */
export function tenantCounts(summary: TenantRunSummary): NonNullable<TenantRunSummary['counts']> {
  return (
    summary.counts ?? {
      succeeded: summary.succeeded.length,
      failed: summary.failed.length,
      disabled: summary.disabled.length,
      unprocessed: summary.unprocessed.length,
      paused: summary.paused.length,
      retried: summary.retried.length,
    }
  );
}
