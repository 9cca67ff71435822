import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ping } from './redis.js';
import { waitFor } from '../../support/wait.js';

const run = promisify(execFile);

/**
 * A Redis Cluster of three masters on loopback, each a `redis-server` of the test's own on a free port, slots
 * assigned with `redis-cli --cluster create`. It outlives single tests (the per-test clean-up kills only what the
 * test started), so the file stops it in `afterAll`; if the jest worker dies first, its exit hook does.
 */
export class OwnRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly children: ChildProcess[],
  ) {
    process.once('exit', () => this.stop());
  }

  stop(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  get urls(): string[] {
    return this.ports.map((port) => `redis://127.0.0.1:${port}`);
  }

  static async start(masters = 3): Promise<OwnRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'coordinated-cron-cluster-'));
    const ports: number[] = [];
    const children: ChildProcess[] = [];
    while (ports.length < masters) {
      const port = await freePort();
      // The cluster bus listens on port + 10000: both must be free.
      if (port + 10_000 < 65_536 && !ports.includes(port)) ports.push(port);
    }
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    }
    const cluster = new OwnRedisCluster(ports, children);
    for (const url of cluster.urls) {
      await waitFor(`${url} to answer PING`, () => ping(url, 500), { timeoutMs: 10_000 });
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitFor(
      'the cluster to report cluster_state:ok on every node',
      async () => {
        for (const port of ports) {
          const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
          if (!stdout.includes('cluster_state:ok')) return false;
        }
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    return cluster;
  }
}
