'use strict';

const { default: KeyvRedis } = require('@keyv/redis');

const DEFAULT_URL = 'redis://127.0.0.1:6379';

function redisUrl() {
  return process.env.REDIS_URL || DEFAULT_URL;
}

/** ioredis (BullMQ) wants discrete fields rather than a URL string. */
function ioredisOptions(url) {
  const u = new URL(url);
  const opts = { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
  if (u.username) opts.username = decodeURIComponent(u.username);
  if (u.password) opts.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, '');
  if (db) opts.db = Number(db);
  if (u.protocol === 'rediss:') opts.tls = {};
  return opts;
}

async function openClient(url, name) {
  const store = new KeyvRedis({ url, name });
  const client = await store.getClient();
  return { store, client };
}

/** `INFO commandstats` as a Map from command name to its call counter. */
async function commandStats(client) {
  const text = await client.sendCommand(['INFO', 'commandstats']);
  const stats = new Map();
  for (const line of String(text).split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m) stats.set(m[1], Number(m[2]));
  }
  return stats;
}

/**
 * The harness itself only sends INFO and ECHO (segment markers) while a window is open, so those are left out; everything
 * else (including commands run inside Lua scripts, which Redis counts too) belongs to whoever is being measured.
 */
const HARNESS_COMMANDS = new Set(['info', 'echo']);

function diffStats(before, after) {
  const byCommand = {};
  let total = 0;
  for (const [cmd, calls] of after) {
    if (HARNESS_COMMANDS.has(cmd)) continue;
    const d = calls - (before.get(cmd) || 0);
    if (d > 0) {
      byCommand[cmd] = d;
      total += d;
    }
  }
  return { total, byCommand };
}

function addCounts(into, byCommand) {
  for (const [cmd, n] of Object.entries(byCommand)) into[cmd] = (into[cmd] || 0) + n;
  return into;
}

/** Commands per second that reach the server while the bench has nothing running: other users of this Redis. */
async function backgroundRate(client, ms) {
  const before = await commandStats(client);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = await commandStats(client);
  const secs = (performance.now() - t0) / 1000;
  const d = diffStats(before, after);
  return { perSec: d.total / secs, byCommand: d.byCommand, seconds: secs };
}

async function deleteByPrefix(client, prefix) {
  if (!/^[A-Za-z0-9_-]{6,}$/.test(prefix)) throw new Error(`refusing to delete keys for unsafe prefix "${prefix}"`);
  let cursor = '0';
  let deleted = 0;
  do {
    const reply = await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000']);
    cursor = String(reply[0]);
    const keys = reply[1].map(String);
    if (keys.length) deleted += Number(await client.sendCommand(['UNLINK', ...keys]));
  } while (cursor !== '0');
  return deleted;
}

async function serverInfo(client) {
  const text = String(await client.sendCommand(['INFO', 'server']));
  const get = (k) => (new RegExp(`^${k}:(.*)$`, 'm').exec(text) || [])[1]?.trim();
  return { version: get('redis_version'), mode: get('redis_mode'), os: get('os') };
}

module.exports = {
  redisUrl,
  ioredisOptions,
  openClient,
  commandStats,
  diffStats,
  addCounts,
  backgroundRate,
  deleteByPrefix,
  serverInfo,
};
