import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { connectRedis } from './redis.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A redis-server of the test's own on a free port, so it can be paused and killed without touching the shared one. */
export class OwnRedisServer {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts one on a free port, or on `port` (to bring a killed server back where its clients reconnect). */
  static async start(port?: number): Promise<OwnRedisServer> {
    const chosen = port ?? (await freePort());
    const child = spawn(
      'redis-server',
      ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const server = new OwnRedisServer(chosen, child);
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (error) =>
        reject(new Error(`cannot start redis-server (is it installed?): ${error.message}`)),
      ),
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const client = await Promise.race([connectRedis(server.url), spawnError]);
        await client.close();
        return server;
      } catch (error) {
        if (Date.now() > deadline) {
          server.kill();
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** SIGKILL, like a crashed or OOM-killed Redis, and resolves once the process is gone and its port is free. */
  async crash(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.kill();
    await exited;
  }

  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
    }
  }
}
