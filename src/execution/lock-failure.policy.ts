import { Inject, Injectable } from '@nestjs/common';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../common/constants.js';
import { describeError } from '../common/describe-error.js';
import { type CronContextValue } from '../interfaces/index.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { RunLog } from './run-log.js';
import { type RunEnd } from './run-scope.js';

/** The module option `lockFailure`, applied where a run meets a lock-store error. */
@Injectable()
export class LockFailurePolicy {
  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly runLog: RunLog,
  ) {}

  /** Tells `onError`; under `'skip'` the run ends skipped, under `'run'` it goes on uncoordinated (`undefined`). */
  onLockError(error: unknown, context: CronContextValue): RunEnd | undefined {
    this.runLog.notify(error, context);
    if (this.options.lockFailure === 'skip') {
      return { outcome: 'skipped', skipReason: 'lock-error', error: describeError(error) };
    }
    this.runLog.lockErrorRunAnyway(context, error);
    return undefined;
  }
}
