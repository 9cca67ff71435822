import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ping } from './redis.js';
import { trackProcess } from './sample-process.js';
import { waitFor } from '../../support/wait.js';

const run = promisify(execFile);
export const SENTINEL_MASTER = 'mymaster';

/**
 * A Sentinel group on loopback: one master, one replica, three sentinels (quorum 2), each a process of the test's
 * own, tracked so that clean-up kills them. Failure detection is shortened to a second so a failover fits a test.
 */
export class OwnRedisSentinel {
  private constructor(
    readonly masterPort: number,
    readonly replicaPort: number,
    readonly sentinelPorts: number[],
    private readonly servers: Map<number, ChildProcess>,
  ) {}

  /** SIGKILLs the data server on `port`: a crash, not a handover, so writes not yet replicated are lost. */
  kill(port: number): void {
    this.servers.get(port)?.kill('SIGKILL');
  }

  /** SIGSTOPs the data server on `port`: a replica stopped this way misses every write until `resume`. */
  pause(port: number): void {
    this.servers.get(port)?.kill('SIGSTOP');
  }

  resume(port: number): void {
    this.servers.get(port)?.kill('SIGCONT');
  }

  /**
   * Has the master on `port` drop its replicas' connections: with the replica stopped (`pause`), what the master
   * writes from now on never reaches it, as when a master dies before its last writes were replicated. (A replica
   * that is only stopped still finds the master's stream in its socket when it wakes, and loses nothing.)
   */
  async cutReplication(port: number): Promise<void> {
    await run('redis-cli', ['-p', String(port), 'client', 'kill', 'type', 'replica']);
  }

  /** `host:port` of each sentinel, as the sample's REDIS_SENTINELS takes them. */
  get sentinels(): string {
    return this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',');
  }

  static async start(): Promise<OwnRedisSentinel> {
    const dir = mkdtempSync(join(tmpdir(), 'coordinated-cron-sentinel-'));
    const [masterPort, replicaPort, ...sentinelPorts] = await distinctPorts(5);
    const servers = new Map<number, ChildProcess>();
    const server = (port: number, extra: string[]) => {
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra],
        { stdio: 'ignore' },
      );
      trackProcess(child, `redis-sentinel-group:${port}`);
      servers.set(port, child);
    };
    server(masterPort, []);
    server(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
    for (const port of [masterPort, replicaPort]) {
      await waitFor(`redis-server ${port}`, () => ping(`redis://127.0.0.1:${port}`, 500), { timeoutMs: 10_000 });
    }
    for (const port of sentinelPorts) {
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
          '',
        ].join('\n'),
      );
      const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
      trackProcess(child, `redis-sentinel:${port}`);
    }
    const group = new OwnRedisSentinel(masterPort, replicaPort, sentinelPorts, servers);
    await waitFor(
      'every sentinel to know the replica and the two other sentinels',
      async () => {
        for (const port of sentinelPorts) {
          const { stdout } = await run('redis-cli', ['-p', String(port), 'sentinel', 'master', SENTINEL_MASTER]);
          const fields = stdout.split('\n');
          const value = (name: string) => Number(fields[fields.indexOf(name) + 1]);
          if (value('num-slaves') < 1 || value('num-other-sentinels') < 2) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    return group;
  }

  /** The port of the master the sentinels name now. */
  async currentMasterPort(): Promise<number> {
    const { stdout } = await run('redis-cli', [
      '-p',
      String(this.sentinelPorts[0]),
      'sentinel',
      'get-master-addr-by-name',
      SENTINEL_MASTER,
    ]);
    return Number(stdout.trim().split('\n')[1]);
  }

  /** Asks the sentinels to promote the replica now (no data loss on a healthy replica, but a switch all the same). */
  async failover(): Promise<void> {
    await run('redis-cli', ['-p', String(this.sentinelPorts[0]), 'sentinel', 'failover', SENTINEL_MASTER]);
  }
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
