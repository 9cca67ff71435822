import { postgresStore } from './postgres';
import { redisStore } from './redis';
import { type StoreKind } from './store';

export const STORES: Readonly<Record<string, StoreKind>> = { redis: redisStore, postgres: postgresStore };

export function storeNamed(name: string): StoreKind {
  const store = STORES[name];
  if (!store) throw new Error(`unknown store "${name}": choose one of ${Object.keys(STORES).join(', ')}`);
  return store;
}
