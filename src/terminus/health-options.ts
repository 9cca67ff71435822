import { parseDuration } from '../common/duration.js';
import { HealthCheckOptionsError } from './errors/health-check-options.error.js';

/** Options of `CoordinatedCronHealthIndicator.isHealthy`. */
export interface CoordinatedCronHealthOptions {
  /**
   * How many ticks of a job's schedule may pass without a completed run: the job is stale once the `staleAfter`-th
   * tick after its last completed occurrence, plus its window (`jitter`) and `grace`, has passed. A positive
   * integer, at most 1000. Default: `2` (one missed or failed run is tolerated, two in a row are not).
   */
  staleAfter?: number;
  /**
   * How long a run may take after it started: milliseconds or a duration string (`'10m'`). Set it to the length of
   * the job's longest run when runs take longer than a period. Default: `'1m'`.
   */
  grace?: number | string;
}

/** The options, checked, with their defaults filled in. */
export interface ResolvedHealthOptions {
  staleAfter: number;
  graceMs: number;
}

export const DEFAULT_STALE_AFTER = 2;
export const DEFAULT_GRACE_MS = 60_000;
/** More ticks than this is a typo, and each one is counted on every check. */
const MAX_STALE_AFTER = 1_000;
const KNOWN_KEYS: ReadonlyArray<keyof CoordinatedCronHealthOptions> = ['staleAfter', 'grace'];

/** Checks the options of one `isHealthy` call. Throws `HealthCheckOptionsError` naming the option and the fix. */
export function resolveHealthOptions(key: string, options: CoordinatedCronHealthOptions = {}): ResolvedHealthOptions {
  const where = `isHealthy(${JSON.stringify(key)})`;
  if (typeof options !== 'object' || options === null) {
    throw new HealthCheckOptionsError(`${where}: options must be an object such as { staleAfter: 2, grace: '1m' }`);
  }
  for (const name of Object.keys(options)) {
    if (!(KNOWN_KEYS as string[]).includes(name)) {
      throw new HealthCheckOptionsError(`${where}: unknown option "${name}"; the options are ${KNOWN_KEYS.join(', ')}`);
    }
  }
  const staleAfter = options.staleAfter ?? DEFAULT_STALE_AFTER;
  if (!Number.isInteger(staleAfter) || staleAfter < 1 || staleAfter > MAX_STALE_AFTER) {
    throw new HealthCheckOptionsError(
      `${where}: staleAfter must be a whole number of ticks from 1 to ${MAX_STALE_AFTER}, got ` +
        `${JSON.stringify(options.staleAfter)}`,
    );
  }
  const graceMs = options.grace === undefined ? DEFAULT_GRACE_MS : parseDuration(options.grace);
  if (graceMs === undefined) {
    throw new HealthCheckOptionsError(
      `${where}: grace must be milliseconds or a duration string such as '30s' or '10m', got ` +
        `${JSON.stringify(options.grace)}`,
    );
  }
  return { staleAfter, graceMs };
}
