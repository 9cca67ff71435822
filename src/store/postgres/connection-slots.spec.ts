import { describe, expect, it } from '@jest/globals';
import { ConnectionSlots } from './connection-slots.js';

const timeout = () => new Error('no slot in time');
const later = (ms: number) => Date.now() + ms;

describe('ConnectionSlots', () => {
  it('hands out at most size slots, then serves waiters first come first served', async () => {
    const slots = new ConnectionSlots(2);
    const a = await slots.acquire(later(1_000), timeout);
    const b = await slots.acquire(later(1_000), timeout);
    expect(slots.busy).toBe(2);
    const order: string[] = [];
    const c = slots.acquire(later(1_000), timeout).then((release) => (order.push('c'), release));
    const d = slots.acquire(later(1_000), timeout).then((release) => (order.push('d'), release));
    expect(slots.waiting).toBe(2);
    a();
    a(); // a second call frees nothing more
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect(slots.busy).toBe(0);
    expect(slots.waiting).toBe(0);
  });

  it('refuses a waiter still queued at its deadline, and never grants it later', async () => {
    const slots = new ConnectionSlots(1);
    const held = await slots.acquire(later(1_000), timeout);
    await expect(slots.acquire(later(30), timeout)).rejects.toThrow('no slot in time');
    expect(slots.waiting).toBe(0);
    held();
    expect(slots.busy).toBe(0);
    const again = await slots.acquire(later(1_000), timeout);
    expect(slots.busy).toBe(1);
    again();
  });

  it('rejects a size below one', () => {
    expect(() => new ConnectionSlots(0)).toThrow(RangeError);
  });
});
