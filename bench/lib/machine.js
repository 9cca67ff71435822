'use strict';

const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const { serverInfo } = require('./redis');

const ROOT = path.join(__dirname, '..', '..');

// Read from node_modules directly: some packages' export maps hide their package.json from require.resolve.
function packageVersion(name) {
  const candidates = [path.join(ROOT, 'node_modules', name, 'package.json')];
  try {
    candidates.push(require.resolve(`${name}/package.json`, { paths: [ROOT] }));
  } catch {
    // Only the direct path then.
  }
  for (const file of candidates) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')).version;
    } catch {
      // Try the next one.
    }
  }
  try {
    // Resolvable through NODE_PATH or a parent folder, outside this package's node_modules.
    let dir = path.dirname(require.resolve(name, { paths: [ROOT] }));
    while (dir !== path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
        if (pkg.name === name) return pkg.version;
      }
      dir = path.dirname(dir);
    }
  } catch {
    // Not installed.
  }
  return 'not installed';
}

function cpuModel() {
  const cpus = os.cpus();
  if (cpus.length && cpus[0].model && cpus[0].model !== 'unknown') return cpus[0].model.trim();
  try {
    const m = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // Not Linux: fall through.
  }
  return 'unknown';
}

async function machineFacts(client) {
  const redis = await serverInfo(client);
  let hz = 'unknown';
  try {
    // BullMQ's delayed jobs wake through blocking-command timeouts, which Redis checks on this clock.
    const reply = await client.sendCommand(['CONFIG', 'GET', 'hz']);
    if (Array.isArray(reply) && reply.length >= 2) hz = String(reply[1]);
  } catch {
    // CONFIG may be disabled (managed Redis); the fact is only informative.
  }
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    memoryGB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: redis.version,
    redisHz: hz,
    loadAverageAtStart: os.loadavg(),
    packages: {
      '@nestjs/core': packageVersion('@nestjs/core'),
      '@nestjs/schedule': packageVersion('@nestjs/schedule'),
      'nestjs-cls': packageVersion('nestjs-cls'),
      '@keyv/redis': packageVersion('@keyv/redis'),
      bullmq: packageVersion('bullmq'),
      ioredis: packageVersion('ioredis'),
    },
  };
}

module.exports = { machineFacts };
