import { type ChildProcess, execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, type PoolConfig } from 'pg';
import { freePort } from './redis-server.js';

/** How a server is stopped: `smart` waits for clients, `fast` ends them, `immediate` is a crash (no checkpoint). */
export type StopMode = 'smart' | 'fast' | 'immediate';
const STOP_SIGNAL: Record<StopMode, NodeJS.Signals> = { smart: 'SIGTERM', fast: 'SIGINT', immediate: 'SIGQUIT' };

const INSTALL_HINT =
  "The tests start PostgreSQL servers of their own from Debian's binaries: install them with `apt-get install -y postgresql` (scripts/setup-services.sh does it).";

/** Debian's `/usr/lib/postgresql/<major>/bin` of the newest major installed; fails naming the install command. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error(`No PostgreSQL server binaries under ${root}. ${INSTALL_HINT}`);
  return join(root, majors[0], 'bin');
}

/**
 * `initdb` and `postgres` refuse to run as root: as root, run them as Debian's `postgres` system user (created by
 * the postgresql package), and hand it the directories they write.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line)
    throw new Error(`Running as root, and there is no "postgres" system user to run PostgreSQL as. ${INSTALL_HINT}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Every process whose parent is `pid` (the postmaster's backends and helpers), from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces; the parent pid is the second field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

const alive = new Set<OwnPostgresServer>();
// Last resort when the jest worker ends: no server of a test may outlive it.
process.once('exit', () => {
  for (const server of alive) server.kill();
});

/**
 * A throwaway PostgreSQL of the test's own: `initdb` into a temporary directory and `postgres` on a free loopback
 * port, never the machine's own server. Fast rather than durable on disk (`fsync=off`), but `synchronous_commit=on`,
 * so a committed write is in the WAL the OS holds and survives `stop('immediate')` (a crash of the server, not of
 * the machine).
 */
export class OwnPostgresServer {
  private postmaster?: ChildProcess;
  private exited?: Promise<void>;
  private paused = false;

  private constructor(
    readonly port: number,
    private readonly binDir: string,
    private readonly dir: string,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/postgres`: trust authentication, on loopback only. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get pid(): number | undefined {
    return this.postmaster?.pid;
  }

  static async start(): Promise<OwnPostgresServer> {
    const binDir = postgresBinDir();
    const user = serverUser();
    const dir = mkdtempSync(join(tmpdir(), 'coordinated-cron-postgres-'));
    if (user) chownSync(dir, user.uid, user.gid);
    const server = new OwnPostgresServer(await freePort(), binDir, dir, user);
    try {
      execFileSync(
        join(binDir, 'initdb'),
        ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
        { stdio: 'pipe', ...server.spawnAs() },
      );
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      const output = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`initdb failed: ${(error as Error).message}\n${output}`, { cause: error });
    }
    await server.launch();
    return server;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private spawnAs(): SpawnOptions {
    return this.user ? { uid: this.user.uid, gid: this.user.gid } : {};
  }

  /** Starts the postmaster on this server's port and data directory, and resolves once it accepts connections. */
  private async launch(): Promise<void> {
    const child = spawn(
      join(this.binDir, 'postgres'),
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.port),
        '-c',
        'listen_addresses=127.0.0.1',
        // Its socket in its own directory, so that it never meets the machine's server in /var/run/postgresql.
        '-c',
        `unix_socket_directories=${this.dir}`,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=on',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=100',
        '-c',
        'log_min_messages=fatal',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], ...this.spawnAs() },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    this.postmaster = child;
    this.paused = false;
    alive.add(this);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (error) => reject(new Error(`cannot start postgres: ${error.message}. ${INSTALL_HINT}`))),
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`postgres exited at start (${child.exitCode ?? child.signalCode}):\n${stderr}`);
      }
      try {
        await Promise.race([this.probe(), spawnError]);
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          this.kill();
          throw new Error(
            `postgres on port ${this.port} did not accept connections within 20 s: ${String(error)}\n${stderr}`,
            { cause: error },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  private async probe(): Promise<void> {
    const pool = new Pool({ connectionString: this.url, max: 1, connectionTimeoutMillis: 1_000 });
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
    } finally {
      await pool.end();
    }
  }

  /** A pool on this server, made as an app makes one; the caller ends it. */
  pool(config: PoolConfig = {}): Pool {
    return new Pool({ connectionString: this.url, ...config });
  }

  /** The postmaster and every process it started. */
  processes(): number[] {
    const pid = this.postmaster?.pid;
    if (pid === undefined || this.postmaster?.exitCode !== null || this.postmaster.signalCode !== null) return [];
    return [pid, ...childrenOf(pid)];
  }

  /**
   * Stops the server as `pg_ctl stop -m <mode>` does (the same signal to the postmaster), and resolves once it has
   * exited. `immediate` is a crash: no checkpoint, and the next start replays the WAL.
   */
  async stop(mode: StopMode = 'fast'): Promise<void> {
    const child = this.postmaster;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (this.paused) this.resume();
    child.kill(STOP_SIGNAL[mode]);
    await this.exited;
    alive.delete(this);
  }

  /** Starts it again on the same port and data directory, where its clients reconnect. */
  async start(): Promise<void> {
    if (this.postmaster && this.postmaster.exitCode === null && this.postmaster.signalCode === null) {
      throw new Error(`postgres on port ${this.port} is still running`);
    }
    await this.launch();
  }

  async restart(mode: StopMode = 'immediate'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /** SIGSTOP to every process of the server: sockets stay open and nothing answers. */
  pause(): void {
    signalAll(this.processes(), 'SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    signalAll(this.processes(), 'SIGCONT');
    this.paused = false;
  }

  /** SIGKILL to every process of the server (a stopped one too), and resolves once the postmaster is gone. */
  async crash(): Promise<void> {
    const exited = this.exited;
    this.kill();
    await exited;
  }

  /** SIGKILL to every process of the server, at once and without waiting. */
  kill(): void {
    const pids = this.processes();
    signalAll(pids, 'SIGKILL');
    signalAll(pids, 'SIGCONT');
    alive.delete(this);
  }

  /** Kills the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
