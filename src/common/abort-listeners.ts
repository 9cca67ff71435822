/** Listeners of one signal, called by the single listener this module adds to it. */
const listenersOf = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `listener` once when `signal` aborts; the returned function removes it. Equivalent to
 * `addEventListener('abort', listener, { once: true })` and its removal, at O(1) each: an `AbortSignal`'s own
 * removal walks every listener it has, and a fan-out adds and removes one per tenant while up to `concurrency`
 * are registered, a million times in a large run. Every caller of one signal shares one real listener. As with
 * `addEventListener`, a signal that has already aborted never calls it: check `signal.aborted` first.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  let listeners = listenersOf.get(signal);
  if (!listeners) {
    const registered = new Set<() => void>();
    listeners = registered;
    listenersOf.set(signal, registered);
    signal.addEventListener(
      'abort',
      () => {
        listenersOf.delete(signal);
        // A live walk, as EventTarget's: a listener removed by an earlier one during delivery is not called.
        for (const call of registered) call();
        registered.clear();
      },
      { once: true },
    );
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}
