import { Inject, Injectable, Logger } from '@nestjs/common';
import { COORDINATED_CRON_RESOLVED_OPTIONS, LOGGER_CONTEXT } from '../coordinated-cron.constants.js';
import * as messages from '../coordinated-cron.messages.js';
import type { ResolvedCoordinatedCronOptions } from '../coordinated-cron.options.js';
import { type CronContextValue } from '../interfaces/index.js';
import { describeError } from '../utils/error-message.js';

/**
 * One place where a failure becomes a log line with the run's identity and a call to the `onError` hook.
 * The hook is user code too: its own throw is logged, never propagated.
 */
@Injectable()
export class ErrorReporter {
  readonly logger = new Logger(LOGGER_CONTEXT);

  constructor(@Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions) {}

  report(error: unknown, context: CronContextValue, line: string): void {
    const stack = error instanceof Error ? error.stack : undefined;
    this.logger.error(line, stack);
    this.notify(error, context);
  }

  notify(error: unknown, context: CronContextValue): void {
    const hook = this.options.onError;
    if (!hook) return;
    try {
      const result = hook(error, context) as unknown;
      // An async hook that rejects must not become an unhandled rejection.
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as Promise<unknown>).catch((hookError: unknown) =>
          this.logger.error(messages.onErrorHookFailed(context, describeError(hookError))),
        );
      }
    } catch (hookError) {
      this.logger.error(messages.onErrorHookFailed(context, describeError(hookError)));
    }
  }
}
