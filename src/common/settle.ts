/** The outcome of calling user code: never a rejection. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Calls `work` and captures a synchronous throw, a rejection or a non-Error throw as a value, so user code can
 * never reject into the library's own promise chains.
 */
export async function settle<T>(work: () => T | PromiseLike<T>): Promise<Settled<Awaited<T>>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error };
  }
}
