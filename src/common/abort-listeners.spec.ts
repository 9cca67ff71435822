import { jest } from '@jest/globals';
import { onAbort } from './abort-listeners.js';

describe('onAbort', () => {
  it('calls each listener once when the signal aborts, through one listener on the signal', () => {
    const controller = new AbortController();
    const add = jest.spyOn(controller.signal, 'addEventListener');
    const calls: string[] = [];
    onAbort(controller.signal, () => calls.push('a'));
    onAbort(controller.signal, () => calls.push('b'));
    expect(add).toHaveBeenCalledTimes(1);
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['a', 'b']);
  });

  it('does not call a listener that was removed', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const removeA = onAbort(controller.signal, () => calls.push('a'));
    onAbort(controller.signal, () => calls.push('b'));
    removeA();
    removeA();
    controller.abort();
    expect(calls).toEqual(['b']);
  });

  it('keeps signals apart', () => {
    const first = new AbortController();
    const second = new AbortController();
    const calls: string[] = [];
    onAbort(first.signal, () => calls.push('first'));
    onAbort(second.signal, () => calls.push('second'));
    second.abort();
    expect(calls).toEqual(['second']);
  });

  it('lets a listener remove another one while the abort is being delivered', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    let removeB: () => void = () => undefined;
    onAbort(controller.signal, () => {
      calls.push('a');
      removeB();
    });
    removeB = onAbort(controller.signal, () => calls.push('b'));
    controller.abort();
    expect(calls).toEqual(['a']);
  });
});
