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

  static async start(): Promise<OwnRedisServer> {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const server = new OwnRedisServer(port, child);
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
