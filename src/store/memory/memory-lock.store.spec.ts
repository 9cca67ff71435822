import { type LockStore } from '../../interfaces/index.js';
import { describeLockStoreContract } from '../../testing/index.js';
import { MemoryLockStore } from './memory-lock.store.js';

/**
 * The memory store through the whole contract. Its "restart" is what a process restart does to it: the state is gone
 * and a new store answers in its place; every store handed out so far follows the swap.
 */
const handedOut: Array<{ target: MemoryLockStore }> = [];

function restartable(): LockStore {
  const holder = { target: new MemoryLockStore() };
  handedOut.push(holder);
  return new Proxy({} as LockStore, {
    get: (_, property) => {
      const value = Reflect.get(holder.target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(holder.target) : value;
    },
  });
}

describeLockStoreContract('memory', {
  create: restartable,
  restart: async () => {
    // A restart takes at least a millisecond; tokens come from the clock in microseconds.
    await new Promise((resolve) => setTimeout(resolve, 2));
    for (const holder of handedOut) holder.target = new MemoryLockStore();
  },
});
