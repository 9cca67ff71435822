import { onAbort } from './abort-listeners.js';
import { type Settled } from './settle.js';

/** How a call under a deadline ended. */
export type DeadlineResult<T> =
  | { kind: 'settled'; result: Settled<T> }
  /** `timeoutMs` passed first; the call's signal has been aborted with `TimeoutReason`. */
  | { kind: 'timeout' }
  /** The outer signal was aborted first (shutdown, a lost lease); `reason` is its reason. */
  | { kind: 'aborted'; reason: unknown };

export interface DeadlineOptions {
  /** Stop waiting after this many milliseconds. Default: no time limit. */
  timeoutMs?: number;
  /** Stop waiting when this signal aborts. Default: none. */
  signal?: AbortSignal;
  /** The error the call's own signal is aborted with on timeout. Default: a plain `Error('timed out')`. */
  timeoutError?: () => unknown;
}

/**
 * Calls `work` with a signal and waits for it, but never longer than `timeoutMs` and never past an abort of
 * `signal`. User code that ignores its signal cannot hold the caller: the wait ends, the call's signal is aborted,
 * and whatever the call does later is ignored (it can no longer reject unhandled). Without a time limit the call
 * gets the outer signal itself, so no controller is made per call.
 */
export function runWithDeadline<T>(
  work: (signal: AbortSignal | undefined) => T | PromiseLike<T>,
  options: DeadlineOptions = {},
): Promise<DeadlineResult<Awaited<T>>> {
  const { timeoutMs, signal: outer } = options;
  if (outer?.aborted) return Promise.resolve({ kind: 'aborted', reason: outer.reason });
  const own = timeoutMs === undefined ? undefined : new AbortController();
  const callSignal = own?.signal ?? outer;

  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: DeadlineResult<Awaited<T>>) => {
      if (timer) clearTimeout(timer);
      stopListening?.();
      resolve(result);
    };
    // Called only after this line: an abort is delivered later, never while the listener is being added.
    const stopListening =
      outer &&
      onAbort(outer, () => {
        own?.abort(outer.reason);
        finish({ kind: 'aborted', reason: outer.reason });
      });
    if (own && timeoutMs !== undefined) {
      timer = setTimeout(() => {
        own.abort(options.timeoutError?.() ?? new Error('timed out'));
        finish({ kind: 'timeout' });
      }, timeoutMs);
    }
    // Not `settle()`: a fan-out makes this call per tenant, and each promise less is time and garbage saved.
    const failed = (error: unknown) => finish({ kind: 'settled', result: { ok: false, error } });
    let pending: T | PromiseLike<T>;
    try {
      pending = work(callSignal);
    } catch (error) {
      failed(error);
      return;
    }
    Promise.resolve(pending).then((value) => finish({ kind: 'settled', result: { ok: true, value } }), failed);
  });
}
