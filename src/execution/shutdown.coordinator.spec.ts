import { jest } from '@jest/globals';
import { resolveModuleOptions } from '../options/module-options.js';
import { ShutdownCoordinator } from './shutdown.coordinator.js';

function coordinator(shutdownTimeout: number, lockTimeout: number): ShutdownCoordinator {
  return new ShutdownCoordinator(resolveModuleOptions({ shutdownTimeout, lockTimeout }));
}

/** Resolves with whether `promise` settled within `ms` of virtual time. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await jest.advanceTimersByTimeAsync(ms);
  return settled;
}

describe('ShutdownCoordinator', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('says shutdown has begun from the first begin(), and calls the begin listeners at once', async () => {
    const shutdown = coordinator(1000, 500);
    const listener = jest.fn();
    shutdown.onBegin(listener);
    expect(shutdown.isShuttingDown).toBe(false);
    const drained = shutdown.begin();
    expect(shutdown.isShuttingDown).toBe(true);
    expect(listener).toHaveBeenCalledTimes(1);
    await drained;
    // Idempotent: a second begin is the same drain, listeners are not called again.
    await shutdown.begin();
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('resolves as soon as every tracked run is done, without aborting it', async () => {
    const shutdown = coordinator(10_000, 500);
    const abort = jest.fn();
    const done = shutdown.track(abort);
    const drained = shutdown.begin();
    expect(await settlesWithin(drained, 300)).toBe(false);
    done();
    expect(await settlesWithin(drained, 0)).toBe(true);
    expect(abort).not.toHaveBeenCalled();
  });

  it('aborts runs still going at shutdownTimeout, then waits at most lockTimeout more', async () => {
    const shutdown = coordinator(1000, 500);
    const abort = jest.fn();
    shutdown.track(abort); // never done
    const drained = shutdown.begin();
    expect(await settlesWithin(drained, 999)).toBe(false);
    expect(abort).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(abort).toHaveBeenCalledTimes(1);
    expect((abort.mock.calls[0][0] as Error).message).toMatch(/shutdownTimeout \(1000ms\)/);
    expect(await settlesWithin(drained, 499)).toBe(false);
    // The bound: shutdownTimeout + lockTimeout, whatever the run does.
    expect(await settlesWithin(drained, 1)).toBe(true);
  });

  it('counts time from the moment shutdown began', async () => {
    const shutdown = coordinator(1000, 500);
    expect(shutdown.elapsedMs).toBe(0);
    void shutdown.begin();
    await jest.advanceTimersByTimeAsync(250);
    expect(shutdown.elapsedMs).toBe(250);
  });

  it('keeps going when a begin listener throws', async () => {
    const shutdown = coordinator(1000, 500);
    const after = jest.fn();
    shutdown.onBegin(() => {
      throw new Error('listener broke');
    });
    shutdown.onBegin(after);
    await shutdown.begin();
    expect(after).toHaveBeenCalledTimes(1);
  });
});
