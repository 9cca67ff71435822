import { jest } from '@jest/globals';
import { runWithDeadline } from './deadline.js';

describe('runWithDeadline', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('passes on what the call resolved or threw, as a value', async () => {
    await expect(runWithDeadline(async () => 42)).resolves.toEqual({
      kind: 'settled',
      result: { ok: true, value: 42 },
    });
    const boom = new Error('boom');
    await expect(
      runWithDeadline(() => {
        throw boom;
      }),
    ).resolves.toEqual({ kind: 'settled', result: { ok: false, error: boom } });
  });

  it('stops waiting at the time limit and aborts the call with the timeout error', async () => {
    let seen: AbortSignal | undefined;
    const ended = runWithDeadline(
      (signal) => {
        seen = signal;
        return new Promise(() => undefined); // ignores its signal and never settles
      },
      { timeoutMs: 100, timeoutError: () => new RangeError('too slow') },
    );
    await jest.advanceTimersByTimeAsync(99);
    expect(seen!.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(ended).resolves.toEqual({ kind: 'timeout' });
    expect(seen!.reason).toEqual(new RangeError('too slow'));
  });

  it('stops waiting when the outer signal aborts, and forwards the abort to the call', async () => {
    const outer = new AbortController();
    let seen: AbortSignal | undefined;
    const ended = runWithDeadline(
      (signal) => {
        seen = signal;
        return new Promise(() => undefined);
      },
      { timeoutMs: 1000, signal: outer.signal },
    );
    outer.abort('shutdown');
    await expect(ended).resolves.toEqual({ kind: 'aborted', reason: 'shutdown' });
    expect(seen!.aborted).toBe(true);
    expect(seen!.reason).toBe('shutdown');
  });

  it('does not start the call when the outer signal is already aborted', async () => {
    const outer = new AbortController();
    outer.abort('gone');
    const work = jest.fn(async () => 1);
    await expect(runWithDeadline(work, { signal: outer.signal })).resolves.toEqual({ kind: 'aborted', reason: 'gone' });
    expect(work).not.toHaveBeenCalled();
  });

  it('without a time limit hands the call the outer signal itself and leaves no listener behind', async () => {
    const outer = new AbortController();
    let seen: AbortSignal | undefined;
    await runWithDeadline(
      async (signal) => {
        seen = signal;
      },
      { signal: outer.signal },
    );
    expect(seen).toBe(outer.signal);
    let own: AbortSignal | undefined;
    await runWithDeadline(
      async (signal) => {
        own = signal;
      },
      { signal: outer.signal, timeoutMs: 50 },
    );
    // A listener left behind would pass the outer abort on to a call that has long ended.
    outer.abort(new Error('later'));
    expect(own?.aborted).toBe(false);
  });

  it('ignores a late rejection of a call it stopped waiting for', async () => {
    let rejectLate!: (error: unknown) => void;
    const ended = runWithDeadline(() => new Promise((_, reject) => (rejectLate = reject)), { timeoutMs: 10 });
    await jest.advanceTimersByTimeAsync(10);
    await expect(ended).resolves.toEqual({ kind: 'timeout' });
    rejectLate(new Error('too late'));
    // No unhandled rejection: the call's promise was already settled into a value by settle().
    await jest.advanceTimersByTimeAsync(0);
  });
});
