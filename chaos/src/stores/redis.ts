import { createClient } from '@redis/client';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { askLine, freePort, sleep } from '../lib/net';
import { spawnServer, whenAnswering } from './server-process';
import { type SentSignal } from '../lib/records';
import { type LaunchOptions, type RestartMode, type StoreConnection, type StoreKind, type StoreServer } from './store';

const BINARY = 'redis-server';
/** How long a (re)started server may take to answer PING with PONG (it answers LOADING while it reads its AOF). */
const READY_WITHIN_MS = 15_000;
/**
 * How far back a Redis with `appendfsync everysec` may forget acknowledged writes when it is killed: its AOF write
 * can be postponed for up to two seconds while an fsync is slow (an OS crash would lose the last second too).
 */
const FSYNC_LOSS_MS = 2100;

function version(): string | undefined {
  const out = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) return undefined;
  return /v=(\S+)/.exec(out.stdout)?.[1] ?? 'unknown version';
}

/** A redis-server of its own, on a free loopback port, with AOF as README recommends (or no persistence at all). */
class RedisServer implements StoreServer {
  readonly address: string;
  readonly label: string;
  readonly crashLossMs = FSYNC_LOSS_MS;
  private proc?: ChildProcess;
  private exited?: Promise<void>;
  private paused = false;

  constructor(
    private readonly port: number,
    private readonly options: LaunchOptions,
    serverVersion: string,
  ) {
    this.address = `redis://127.0.0.1:${port}`;
    const persistence = options.persistence ? 'AOF, appendfsync everysec' : 'no persistence';
    this.label = `redis-server ${serverVersion} on 127.0.0.1:${port} (${persistence})`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.options.dir, '--save', ''];
    args.push('--appendonly', this.options.persistence ? 'yes' : 'no', '--appendfsync', 'everysec');
    args.push('--logfile', join(this.options.dir, 'redis.log'), '--daemonize', 'no');
    const server = spawnServer(BINARY, args, {}, this.options.events);
    this.proc = server.proc;
    this.exited = server.exited;
    const answers = async () => (await askLine(this.port, 'PING\r\n', 500)) === '+PONG';
    await whenAnswering(
      server,
      answers,
      READY_WITHIN_MS,
      `${BINARY} (see ${this.options.dir}/redis.log)`,
      this.options.events,
    );
  }

  private signal(signal: SentSignal): void {
    const pid = this.proc?.pid;
    if (pid === undefined) return;
    this.options.events.signal(pid, signal);
    this.proc?.kill(signal);
  }

  pause(): void {
    this.paused = true;
    this.signal('SIGSTOP');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.signal('SIGCONT');
  }

  async restart(mode: RestartMode, downMs: number): Promise<void> {
    // A clean stop of a stopped server would wait forever: wake it first (the plan never overlaps store faults).
    if (mode === 'clean') this.resume();
    this.signal(mode === 'crash' ? 'SIGKILL' : 'SIGTERM');
    await this.exited;
    await sleep(downMs);
    await this.start();
  }

  async stop(): Promise<void> {
    this.resume();
    this.signal('SIGTERM');
    await this.exited;
  }
}

/** Redis, through node-redis v5 (the client README's first option names). */
export const redisStore: StoreKind = {
  name: 'redis',
  preflight: () =>
    version() === undefined
      ? `${BINARY} is not on the PATH: install it (Debian: sudo apt-get install redis-server, or sudo bash scripts/setup-services.sh)`
      : undefined,
  async launch(options) {
    const server = new RedisServer(await freePort(), options, version() ?? 'unknown version');
    await server.start();
    return server;
  },
  async connect(address, onError): Promise<StoreConnection> {
    const client = createClient({
      url: address,
      // Reconnect fast: a restarted server is back within a second or two, and claims fail until then.
      socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) },
    });
    // The app owns the connection (README): an 'error' event without a listener would crash the process.
    client.on('error', (error: Error) => onError(error.message));
    // connect() resolves only once connected, retrying meanwhile: an instance started while the server is down
    // boots anyway (its claims fail as lock errors until the client is ready), as an app should.
    const connected = client.connect().then(
      () => undefined,
      (error: unknown) => onError(`connect: ${String(error)}`),
    );
    await Promise.race([connected, sleep(2000)]);
    return {
      moduleOptions: { redis: client },
      close: async () => {
        client.destroy();
      },
    };
  },
};
