import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { BENCH_ROOT } from './library';
import { postgresVersion } from './postgres-server';
import { serverInfo, type RedisClient } from './redis';

export interface MachineFacts {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  node: string;
  redis: string;
  redisHz: string;
  /** The server binaries the bench starts its own PostgreSQL from. */
  postgres: string;
  loadAverageAtStart: number[];
  packages: Record<string, string>;
}

// Read from bench/node_modules directly: some packages' export maps hide their package.json from require.resolve.
function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(BENCH_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function cpuModel(): string {
  const model = os.cpus()[0]?.model;
  if (model && model !== 'unknown') return model.trim();
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // Not Linux: fall through.
  }
  return 'unknown';
}

export async function machineFacts(client: RedisClient): Promise<MachineFacts> {
  const redis = await serverInfo(client);
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: redis.version ?? 'unknown',
    redisHz: redis.hz,
    postgres: postgresVersion(),
    loadAverageAtStart: os.loadavg(),
    packages: Object.fromEntries(
      ['@nestjs/core', '@nestjs/schedule', 'nestjs-cls', '@keyv/redis', 'bullmq', 'ioredis', 'pg', 'pg-boss', 'graphile-worker'].map((name) => [name, packageVersion(name)]),
    ),
  };
}
