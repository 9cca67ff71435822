/**
 * The subset of a node-redis v5 client (`@redis/client`, as used by `@keyv/redis`) that the Redis store needs.
 * Cluster and sentinel clients have the same methods.
 */
export interface RedisLockClient {
  isOpen?: boolean;
  isReady?: boolean;
  // Every decision is a script, sent by its SHA1 and in full only when Redis does not have it yet.
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  // Reads of the fleet-control keys (pause record, history list, run status).
  get(key: string): Promise<string | null>;
  lRange(key: string, start: number, stop: number): Promise<string[]>;
  // Large sets (pending tenants, progress) are written in plain commands, a slice of members each.
  sAdd(key: string, members: string[]): Promise<unknown>;
  hSet(key: string, fields: string[]): Promise<unknown>;
  pExpire(key: string, ms: number): Promise<unknown>;
  // Signals (a changed schedule) ride on pub/sub: a standalone client is duplicated, since a subscribed connection
  // runs nothing else; a Sentinel client subscribes on a connection it keeps for it.
  duplicate?(): RedisSubscriberClient;
  subscribe?(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe?(channel: string): Promise<unknown>;
}

/** A connection of the store's own that listens for signals. */
export interface RedisSubscriberClient {
  on?(event: 'error', listener: (error: unknown) => void): unknown;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  destroy(): unknown;
}

/** A `@keyv/redis` adapter (`KeyvRedis`): it hands out its node-redis client, connecting on first use. */
export interface KeyvRedisAdapterLike {
  getClient(): Promise<RedisLockClient>;
  client: RedisLockClient;
}

/** What the `redis` module option accepts: a node-redis client, a `@keyv/redis` adapter, or a Keyv around one. */
export type RedisConnection = RedisLockClient | KeyvRedisAdapterLike | { store: KeyvRedisAdapterLike };
