'use strict';

const { ioredisOptions } = require('./redis');

/**
 * BullMQ's default client is ioredis, an optional peer of bullmq 6 that this package does not install yet. With it,
 * the peer runs exactly as documented (connection options only). Without it, the node-redis adapter BullMQ ships is
 * the only way to run at all; the report names which one was used.
 */
function hasIoredis() {
  try {
    require.resolve('ioredis');
    return true;
  } catch {
    return false;
  }
}

function clientKind() {
  return hasIoredis() ? 'ioredis (default)' : 'node-redis adapter (ioredis not installed)';
}

/** What to pass as `connection`, and how to let go of it once BullMQ is closed. */
async function bullConnection(url) {
  if (hasIoredis()) return { connection: ioredisOptions(url), close: async () => undefined };
  const { createNodeRedisClient } = require('bullmq');
  const { createClient } = require('@redis/client');
  const raw = createClient({ url });
  await raw.connect();
  return {
    connection: createNodeRedisClient(raw),
    close: async () => {
      if (raw.isOpen) await raw.close();
    },
  };
}

module.exports = { hasIoredis, clientKind, bullConnection };
