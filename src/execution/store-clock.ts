import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../common/constants.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { RunLog } from './run-log.js';

/** Clock skew worth a warning, and how often it may be repeated. */
const SKEW_WARN_MS = 1_000;
const SKEW_WARN_EVERY_MS = 60 * 60 * 1000;

/**
 * The lock store's clock as this instance knows it: every claim and ledger read answers with the store's time, and
 * the difference to this process's clock is kept, so that late runs are planned by the store's clock (the one every
 * instance shares) and a skew worth knowing is warned about, at most once an hour. Costs no store call of its own.
 */
@Injectable()
export class StoreClock {
  /** Store time minus local time, from the newest reading; 0 until the store has answered once. */
  private offsetMs = 0;
  private lastWarningAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly runLog: RunLog,
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
  ) {}

  /**
   * A reading of the store's clock by a call sent at `sentAtMs` (local): the local midpoint of the call is compared
   * with it. Warns when the two are more than a second apart.
   */
  observe(serverTimeMs: number | undefined, sentAtMs: number): void {
    if (serverTimeMs === undefined || !Number.isFinite(serverTimeMs)) return;
    const now = this.clock.now();
    this.offsetMs = serverTimeMs - (sentAtMs + now) / 2;
    const skewMs = -Math.round(this.offsetMs);
    if (Math.abs(skewMs) <= SKEW_WARN_MS || now - this.lastWarningAt < SKEW_WARN_EVERY_MS) return;
    this.lastWarningAt = now;
    this.runLog.clockSkew(this.options.instanceId, skewMs);
  }

  /** The store's time now, as well as this instance can tell. */
  now(): Date {
    return new Date(this.clock.now() + this.offsetMs);
  }
}
