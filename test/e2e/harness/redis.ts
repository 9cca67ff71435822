import { createClient } from '@keyv/redis';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { trackProcess } from './sample-process.js';
import { waitFor } from '../../support/wait.js';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Sends PING on a raw socket: true when the server answers, false on refusal, error or silence. */
export function ping(url: string, timeoutMs = 1500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

/** The suite proves behaviour against a real Redis; without one it must fail, never pass by skipping. */
export async function assertRedisReachable(url = REDIS_URL): Promise<void> {
  if (!(await ping(url))) {
    throw new Error(
      `No Redis answers at ${url}. The e2e suite needs a real Redis: start one ` +
        '(`redis-server --daemonize yes`, or `docker run --rm -p 6379:6379 redis:7`) or set REDIS_URL.',
    );
  }
}

/** A TCP port nothing listens on (it was free a moment ago, on loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Milliseconds `key` has left to live (-2: no such key, -1: no expiry). */
export async function pttl(key: string, url = REDIS_URL): Promise<number> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.pTTL(key);
  } finally {
    await client.quit();
  }
}

/** Removes every key the test wrote, so repeated runs against one Redis never see each other's claims. */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      const keys = ([] as string[]).concat(batch as string | string[]);
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    await client.quit();
  }
}

/** A redis-server of the test's own, on a free port, so that it can be paused without touching anyone else's. */
export class OwnRedis {
  private constructor(
    readonly port: number,
    readonly child: ChildProcess,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnRedis> {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    trackProcess(child, `redis-server:${port}`);
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const server = new OwnRedis(port, child);
    const failure = await Promise.race([
      spawnError.then(
        (error) => new Error(`cannot start redis-server (is it installed and on PATH?): ${error.message}`),
      ),
      waitFor(`redis-server on port ${port} to answer PING`, () => ping(server.url, 500), { timeoutMs: 10_000 }).then(
        () => undefined,
        (error: Error) => error,
      ),
    ]);
    if (failure) throw failure;
    return server;
  }

  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }
}
