import { createClient, type RedisClientType } from '@keyv/redis';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

export type RedisClient = RedisClientType;

export function redisUrl(): string {
  return process.env.REDIS_URL || DEFAULT_URL;
}

/** A plain node-redis connection whose client name lets the monitor tell it apart from everyone else's. */
export async function openClient(url: string, name: string): Promise<RedisClient> {
  const client = createClient({ url, name }) as RedisClient;
  client.on('error', (err: Error) => process.stderr.write(`redis ${name}: ${err.message}\n`));
  await client.connect();
  return client;
}

/** ioredis (BullMQ's client) wants discrete fields rather than a URL string. */
export function ioredisOptions(url: string): { host: string; port: number; username?: string; password?: string; db?: number; tls?: object } {
  const u = new URL(url);
  const opts: ReturnType<typeof ioredisOptions> = { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
  if (u.username) opts.username = decodeURIComponent(u.username);
  if (u.password) opts.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, '');
  if (db) opts.db = Number(db);
  if (u.protocol === 'rediss:') opts.tls = {};
  return opts;
}

export type CommandCounts = Record<string, number>;

/** `INFO commandstats` as a Map from command name to its call counter. */
export async function commandStats(client: RedisClient): Promise<Map<string, number>> {
  const text = String(await client.sendCommand(['INFO', 'commandstats']));
  const stats = new Map<string, number>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m) stats.set(m[1], Number(m[2]));
  }
  return stats;
}

/**
 * The harness itself only sends INFO and ECHO (segment markers) while a window is open, so those are left out;
 * everything else (including commands run inside Lua scripts, which Redis counts too) belongs to whoever is measured.
 */
const HARNESS_COMMANDS = new Set(['info', 'echo']);

export function diffStats(before: Map<string, number>, after: Map<string, number>): { total: number; byCommand: CommandCounts } {
  const byCommand: CommandCounts = {};
  let total = 0;
  for (const [cmd, calls] of after) {
    if (HARNESS_COMMANDS.has(cmd)) continue;
    const d = calls - (before.get(cmd) ?? 0);
    if (d > 0) {
      byCommand[cmd] = d;
      total += d;
    }
  }
  return { total, byCommand };
}

export function addCounts(into: CommandCounts, byCommand: CommandCounts): CommandCounts {
  for (const [cmd, n] of Object.entries(byCommand)) into[cmd] = (into[cmd] ?? 0) + n;
  return into;
}

/** Commands per second that reach the server while the bench has nothing running: other users of this Redis. */
export async function backgroundRate(client: RedisClient, ms: number): Promise<{ perSec: number; byCommand: CommandCounts; seconds: number }> {
  const before = await commandStats(client);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = await commandStats(client);
  const seconds = (performance.now() - t0) / 1000;
  const d = diffStats(before, after);
  return { perSec: d.total / seconds, byCommand: d.byCommand, seconds };
}

/** Connections other than the bench's own (names starting with `prefix`). */
export async function otherClients(client: RedisClient, prefix: string): Promise<number> {
  const list = String(await client.sendCommand(['CLIENT', 'LIST']));
  return list.split('\n').filter((l) => l.trim() && !l.includes(` name=${prefix}`)).length;
}

export async function deleteByPrefix(client: RedisClient, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9_-]{6,}$/.test(prefix)) throw new Error(`refusing to delete keys for unsafe prefix "${prefix}"`);
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = (await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [string, string[]];
    cursor = String(next);
    if (keys.length) deleted += Number(await client.sendCommand(['UNLINK', ...keys.map(String)]));
  } while (cursor !== '0');
  return deleted;
}

export async function serverInfo(client: RedisClient): Promise<{ version?: string; hz: string }> {
  const text = String(await client.sendCommand(['INFO', 'server']));
  const version = /^redis_version:(.*)$/m.exec(text)?.[1]?.trim();
  let hz = 'unknown';
  try {
    // BullMQ's delayed jobs wake through blocking-command timeouts, which Redis checks on this clock.
    const reply = await client.sendCommand(['CONFIG', 'GET', 'hz']);
    if (Array.isArray(reply) && reply.length >= 2) hz = String(reply[1]);
  } catch {
    // CONFIG may be disabled (managed Redis); the fact is only informative.
  }
  return { version, hz };
}

/** Client names starting with `namePrefix` that have a connection subscribed to a channel (pub/sub). */
export async function subscribedNames(client: RedisClient, namePrefix: string): Promise<Set<string>> {
  const list = String(await client.sendCommand(['CLIENT', 'LIST']));
  const names = new Set<string>();
  for (const line of list.split('\n')) {
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1];
    const sub = Number(/(?:^| )sub=(\d+)/.exec(line)?.[1] ?? 0);
    if (name?.startsWith(namePrefix) && sub > 0) names.add(name);
  }
  return names;
}
