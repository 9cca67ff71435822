export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Thrown by a probe when waiting longer cannot help (the process it waits on has exited). */
export class WaitAborted extends Error {}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Extra text for the failure message, computed only on failure (log tails, row counts). */
  diagnostics?: () => string;
}

/**
 * Polls `probe` until it returns something other than undefined/false, or fails with `what` after the deadline.
 * Every wait in the suite is bounded: a stuck scenario fails with a reason instead of hanging jest.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (error instanceof WaitAborted) {
        const extra = options.diagnostics ? `\n${options.diagnostics()}` : '';
        throw new Error(`gave up waiting for ${what}: ${error.message}${extra}`, { cause: error });
      }
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `\nlast probe error: ${lastError.message}` : '';
      const extra = options.diagnostics ? `\n${options.diagnostics()}` : '';
      throw new Error(`timed out after ${options.timeoutMs}ms waiting for ${what}${cause}${extra}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}

/** A promise the test resolves when it chooses: a job body held until the test lets it go. */
export function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

/** Resolves with what `promise` settled to within `ms`, or 'no answer' (a call that waits for a store to return). */
export async function within<T>(ms: number, promise: Promise<T>): Promise<T | 'no answer'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
