import { jest } from '@jest/globals';
import { ProgressRecorder } from './progress-recorder.js';

/** A write that the test settles by hand, so it can look at what is in flight. */
function manualWrites() {
  const writes: Array<{ ids: string[]; settle: (error?: Error) => void }> = [];
  const write = (ids: string[]) =>
    new Promise<void>((resolve, reject) => {
      writes.push({ ids, settle: (error) => (error ? reject(error) : resolve()) });
    });
  return { writes, write };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('ProgressRecorder', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes nothing until the interval passes, then one batch with everything waiting', async () => {
    const { writes, write } = manualWrites();
    const recorder = new ProgressRecorder(write, { intervalMs: 250, maxBatch: 100 });
    recorder.add('a');
    recorder.add('b');
    jest.advanceTimersByTime(249);
    expect(writes).toHaveLength(0);
    jest.advanceTimersByTime(1);
    expect(writes.map((w) => w.ids)).toEqual([['a', 'b']]);
  });

  it('writes at once when a batch fills, never more than maxBatch ids per write, one write at a time', async () => {
    const { writes, write } = manualWrites();
    const recorder = new ProgressRecorder(write, { intervalMs: 250, maxBatch: 3 });
    for (const id of ['1', '2', '3', '4', '5', '6', '7']) recorder.add(id);
    jest.advanceTimersByTime(0);
    expect(writes.map((w) => w.ids)).toEqual([['1', '2', '3']]);
    writes[0]?.settle();
    await flush();
    jest.advanceTimersByTime(0);
    expect(writes.map((w) => w.ids)).toEqual([
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
    writes[1]?.settle();
    await flush();
    jest.advanceTimersByTime(249);
    expect(writes).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(writes[2]?.ids).toEqual(['7']);
  });

  it('close() writes what is left and resolves after the last write', async () => {
    const { writes, write } = manualWrites();
    const recorder = new ProgressRecorder(write, { intervalMs: 250, maxBatch: 2 });
    recorder.add('a');
    recorder.add('b');
    recorder.add('c');
    let closed = false;
    void recorder.close().then(() => (closed = true));
    await flush();
    expect(writes.map((w) => w.ids)).toEqual([['a', 'b']]);
    writes[0]?.settle();
    await flush();
    expect(writes.map((w) => w.ids)).toEqual([['a', 'b'], ['c']]);
    expect(closed).toBe(false);
    writes[1]?.settle();
    await flush();
    expect(closed).toBe(true);
    recorder.add('late');
    jest.advanceTimersByTime(1_000);
    expect(writes).toHaveLength(2);
  });

  it('flush() writes what is waiting at once and resolves after it; the recorder keeps recording', async () => {
    const { writes, write } = manualWrites();
    const recorder = new ProgressRecorder<{ tenantId: string; tries: number }>(write as never, {
      intervalMs: 250,
      maxBatch: 10,
    });
    recorder.add({ tenantId: 'a', tries: 1 });
    let flushed = false;
    void recorder.flush().then(() => (flushed = true));
    await flush();
    expect(writes.map((w) => w.ids)).toEqual([[{ tenantId: 'a', tries: 1 }]]);
    expect(flushed).toBe(false);
    writes[0]?.settle();
    await flush();
    expect(flushed).toBe(true);
    recorder.add({ tenantId: 'b', tries: 2 });
    jest.advanceTimersByTime(250);
    expect(writes[1]?.ids).toEqual([{ tenantId: 'b', tries: 2 }]);
  });

  it('reports a failed write with its ids and goes on with the next batch', async () => {
    const { writes, write } = manualWrites();
    const onError = jest.fn();
    const recorder = new ProgressRecorder(write, { intervalMs: 10, maxBatch: 10, onError });
    recorder.add('a');
    jest.advanceTimersByTime(10);
    recorder.add('b');
    writes[0]?.settle(new Error('store away'));
    await flush();
    expect(onError).toHaveBeenCalledWith(expect.any(Error), ['a']);
    jest.advanceTimersByTime(10);
    expect(writes[1]?.ids).toEqual(['b']);
  });
});
